//! Error kinds and the SDK's status → error mapping.

use serde_json::Value;
use std::fmt;

/// One of the error classes of the JS API (names match the JS classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Authentication,
    Authorization,
    ResourceNotFound,
    Client,
    BadGateway,
    ServerNotAvailable,
    IllegalArgument,
    Connection,
    Timeout,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 9] = [
        ErrorKind::Authentication,
        ErrorKind::Authorization,
        ErrorKind::ResourceNotFound,
        ErrorKind::Client,
        ErrorKind::BadGateway,
        ErrorKind::ServerNotAvailable,
        ErrorKind::IllegalArgument,
        ErrorKind::Connection,
        ErrorKind::Timeout,
    ];

    /// The kind whose JS class is `name` (the inverse of `name()`).
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The JS class name, as the `apoloError` field of a boundary rejection.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Authentication => "AuthenticationError",
            ErrorKind::Authorization => "AuthorizationError",
            ErrorKind::ResourceNotFound => "ResourceNotFound",
            ErrorKind::Client => "ClientError",
            ErrorKind::BadGateway => "BadGateway",
            ErrorKind::ServerNotAvailable => "ServerNotAvailable",
            ErrorKind::IllegalArgument => "IllegalArgumentError",
            ErrorKind::Connection => "ConnectionError",
            ErrorKind::Timeout => "TimeoutError",
        }
    }

    /// The SDK's `_exception_map`; every other status ≥ 400 is IllegalArgumentError. A status
    /// below 100 (a browser's opaque answer) is no HTTP answer at all.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            0..=99 => ErrorKind::Connection,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::Authorization,
            404 => ErrorKind::ResourceNotFound,
            405 => ErrorKind::Client,
            502 => ErrorKind::BadGateway,
            503 => ErrorKind::ServerNotAvailable,
            _ => ErrorKind::IllegalArgument,
        }
    }
}

/// A failed call, in the shape of the boundary's rejection object.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub status: Option<u16>,
    pub message: String,
    pub payload: Option<Value>,
    pub method: Option<String>,
    pub url: Option<String>,
}

/// Boxed: the error is large and the success path should stay small.
pub type Result<T> = std::result::Result<T, Box<ApiError>>;

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Box<ApiError> {
        Box::new(ApiError {
            kind,
            status: None,
            message: message.into(),
            payload: None,
            method: None,
            url: None,
        })
    }

    pub fn illegal_argument(message: impl Into<String>) -> Box<ApiError> {
        ApiError::new(ErrorKind::IllegalArgument, message)
    }

    /// A 2xx answer whose body is not what the API documents (the SDK would crash with a
    /// KeyError); reported as BadGateway, i.e. "an invalid response from upstream".
    pub fn bad_response(status: u16, detail: impl fmt::Display) -> Box<ApiError> {
        let mut e = ApiError::new(
            ErrorKind::BadGateway,
            format!("unexpected response from the server: {detail}"),
        );
        e.status = Some(status);
        e
    }

    /// Maps an HTTP error answer as the SDK's `_raise_error` does: the message is the JSON
    /// body's `"error"` when there is one, else the raw body text. `payload` is the parsed
    /// JSON body whenever the body is JSON (the JS layer exposes it on every class).
    pub fn from_response(status: u16, body: &str) -> Box<ApiError> {
        let payload: Option<Value> = serde_json::from_str(body).ok();
        let message = match payload.as_ref().and_then(|p| p.get("error")) {
            Some(Value::String(s)) => s.clone(),
            // serde_json's writer, not Value's Display: one JSON serializer in the .wasm.
            Some(other) => serde_json::to_string(other).unwrap_or_default(),
            None if body.trim().is_empty() => format!("HTTP {status}"),
            None => body.to_string(),
        };
        Box::new(ApiError {
            kind: ErrorKind::from_status(status),
            status: Some(status),
            message,
            payload,
            method: None,
            url: None,
        })
    }

    pub fn with_request(mut self: Box<Self>, method: &str, url: &str) -> Box<ApiError> {
        self.method = Some(method.to_string());
        self.url = Some(url.to_string());
        self
    }

    /// Removes every occurrence of the token from all text a caller could see.
    pub fn redacted(mut self: Box<Self>, token: &str) -> Box<ApiError> {
        self.message = redact(&self.message, token);
        self.url = self.url.map(|u| redact(&u, token));
        if let Some(p) = self.payload.as_mut() {
            redact_value(p, token);
        }
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for ApiError {}

pub const REDACTED: &str = "<redacted>";

/// `text` with every occurrence of `token` replaced (a no-op for an empty token).
pub fn redact(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_string()
    } else {
        text.replace(token, REDACTED)
    }
}

fn redact_value(v: &mut Value, token: &str) {
    match v {
        Value::String(s) if !token.is_empty() && s.contains(token) => *s = redact(s, token),
        Value::Array(items) => items.iter_mut().for_each(|i| redact_value(i, token)),
        Value::Object(map) => map.values_mut().for_each(|i| redact_value(i, token)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_to_kind() {
        let cases = [
            (400, "IllegalArgumentError"),
            (401, "AuthenticationError"),
            (402, "IllegalArgumentError"),
            (403, "AuthorizationError"),
            (404, "ResourceNotFound"),
            (405, "ClientError"),
            (409, "IllegalArgumentError"),
            (422, "IllegalArgumentError"),
            (500, "IllegalArgumentError"),
            (502, "BadGateway"),
            (503, "ServerNotAvailable"),
            (504, "IllegalArgumentError"),
        ];
        for (status, name) in cases {
            assert_eq!(ErrorKind::from_status(status).name(), name, "{status}");
        }
    }

    #[test]
    fn names_round_trip() {
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_name(k.name()), Some(k));
        }
        assert_eq!(ErrorKind::from_name("ApoloError"), None);
    }

    #[test]
    fn message_from_error_key() {
        let e = ApiError::from_response(404, r#"{"error": "Platform-apps: Not Found"}"#);
        assert_eq!(e.kind, ErrorKind::ResourceNotFound);
        assert_eq!(e.message, "Platform-apps: Not Found");
        assert_eq!(
            e.payload,
            Some(json!({"error": "Platform-apps: Not Found"}))
        );
        assert_eq!(e.status, Some(404));
    }

    #[test]
    fn message_is_raw_body_without_error_key() {
        let body = r#"{"detail": "Not Found"}"#;
        let e = ApiError::from_response(404, body);
        assert_eq!(e.message, body);
        assert_eq!(e.payload, Some(json!({"detail": "Not Found"})));
        let e = ApiError::from_response(500, "Internal Server Error");
        assert_eq!(e.message, "Internal Server Error");
        assert_eq!(e.payload, None);
        assert_eq!(e.kind, ErrorKind::IllegalArgument);
    }

    #[test]
    fn errors_payload_kept() {
        let body = r#"{"errors":[{"path":["input","preset"],"message":"required"}]}"#;
        let e = ApiError::from_response(422, body);
        assert_eq!(e.kind, ErrorKind::IllegalArgument);
        assert_eq!(e.payload.unwrap()["errors"][0]["message"], "required");
    }

    #[test]
    fn empty_body_gets_status_text() {
        assert_eq!(ApiError::from_response(503, "").message, "HTTP 503");
    }

    #[test]
    fn token_is_redacted_everywhere() {
        let tok = "eyJhbGciOi.secret.sig";
        let body = format!(r#"{{"error": "bad token {tok}", "echo": ["{tok}"]}}"#);
        let e = ApiError::from_response(401, &body)
            .with_request("GET", &format!("http://h/x?neuro-auth-token={tok}"))
            .redacted(tok);
        let all = format!("{} {:?} {:?}", e.message, e.url, e.payload);
        assert!(!all.contains(tok), "{all}");
        assert!(e.message.contains(REDACTED));
    }
}
