//! Apolo Apps API emulator: a local server the real Python SDK cannot tell from the platform.
//! Command line and control API: see README.md.

pub mod api;
pub mod auth;
pub mod catalog;
pub mod control;
pub mod emu;
pub mod http;
pub mod logs;
pub mod record;
pub mod schema;
pub mod seed;
pub mod server;
pub mod store;
pub mod util;
pub mod validation;

pub use server::{start, Options, Running};
