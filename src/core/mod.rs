//! The pure core: everything that does not need a JS runtime, unit-tested natively.

pub mod config;
pub mod configure;
pub mod error;
pub mod json;
pub mod models;
pub mod ops;
pub mod paging;
pub mod requests;
pub mod retry;
pub mod time;
pub mod urls;
