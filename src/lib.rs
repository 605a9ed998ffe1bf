//! apolo-apps
