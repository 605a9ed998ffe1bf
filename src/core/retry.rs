//! The retry policy: which failed attempt is repeated, after how long, and when a 401 asks the
//! token provider again. The JS layer does the waiting; every decision is made here.

use super::requests::Method;

/// `maxRetries` when the caller gives none.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// `timeoutMs` when the caller gives none: per attempt, and for the logs WebSocket handshake.
pub const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
/// The first backoff; each retry doubles it, up to `MAX_BACKOFF_MS`.
pub const INITIAL_BACKOFF_MS: f64 = 500.0;
pub const MAX_BACKOFF_MS: f64 = 8_000.0;
/// A server's `Retry-After` is honoured up to this; longer ones get the normal backoff.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// How an attempt ended without a usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// An HTTP answer with this status.
    Status(u16),
    /// No connection was made (refused, or the host name did not resolve): the server saw nothing.
    NotConnected,
    /// The attempt's `timeoutMs` elapsed.
    Timeout,
    /// Any other network failure (reset, closed mid-answer, a browser's opaque TypeError).
    Network,
}

impl Failure {
    /// From the `code` of a runtime's network error (Node's `ECONNREFUSED`, …; none in browsers).
    pub fn from_network_code(code: Option<&str>) -> Failure {
        match code {
            Some("ECONNREFUSED" | "ENOTFOUND" | "EAI_AGAIN" | "EADDRNOTAVAIL") => {
                Failure::NotConnected
            }
            // The JS layer's own per-attempt timer.
            Some("timeout") => Failure::Timeout,
            _ => Failure::Network,
        }
    }

    /// An answer's status; one that is no HTTP status (see `is_http_status`) is retried as a
    /// network failure.
    pub fn of_status(status: u16) -> Failure {
        if is_http_status(status) {
            Failure::Status(status)
        } else {
            Failure::Network
        }
    }

    /// The `reason` given to `onRetry` and debug lines.
    pub fn reason(self) -> String {
        match self {
            Failure::Status(s) => format!("status {s}"),
            Failure::NotConnected => "connection refused".into(),
            Failure::Timeout => "timeout".into(),
            Failure::Network => "connection error".into(),
        }
    }
}

/// Below 100 there was no HTTP answer to read: a browser's opaque or blocked response (0).
pub fn is_http_status(status: u16) -> bool {
    status >= 100
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Wait `delay_ms`, then send again.
    Retry {
        delay_ms: f64,
        reason: String,
    },
    /// Ask the token provider again; repeat at once if it gives another token.
    RefreshToken,
    GiveUp,
}

/// The server's wish, from `retry-after-ms` or `Retry-After` (seconds or an HTTP date).
pub fn retry_after_ms(
    retry_after: Option<&str>,
    retry_after_ms: Option<&str>,
    now_ms: f64,
) -> Option<f64> {
    if let Some(ms) = retry_after_ms.and_then(|s| finite_number(s.trim())) {
        return Some(ms);
    }
    let text = retry_after?.trim();
    if let Some(secs) = finite_number(text) {
        return Some(secs * 1000.0);
    }
    let at = httpdate::parse_http_date(text).ok()?;
    let since_epoch = at.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(since_epoch.as_millis() as f64 - now_ms)
}

/// `text` as a finite number, in the grammar of Rust's `str::parse::<f64>`:
/// `[+-](digits[.digits*] | .digits)[(e|E)[+-]digits]`. Rewritten into JSON's grammar and read by
/// serde_json, already in the .wasm: `str::parse::<f64>` would bring core's float parser and its
/// 10 KB table as well.
fn finite_number(text: &str) -> Option<f64> {
    // Every split is after ASCII, so on a char boundary.
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let (minus, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, rest) = rest.split_at(digits(rest));
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => r.split_at(digits(r)),
        None => ("", rest),
    };
    let exp = match rest.as_bytes().first() {
        None => "",
        Some(b'e' | b'E') => {
            let e = &rest[1..];
            let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
            if unsigned.is_empty() || digits(unsigned) != unsigned.len() {
                return None;
            }
            e
        }
        _ => return None,
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    // JSON wants no `+`, a digit on both sides of the point, and no leading zeros.
    let int = int.trim_start_matches('0');
    let mut json = String::with_capacity(text.len() + 3);
    if minus {
        json.push('-');
    }
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if !exp.is_empty() {
        json.push('e');
        json.push_str(exp);
    }
    // serde_json's number reader, as `from_str::<f64>` uses it, without the visitor machinery
    // whose type errors bring float formatting into the .wasm.
    json.parse::<serde_json::Number>()
        .ok()
        .and_then(|n| n.as_f64())
        .filter(|v| v.is_finite())
}

/// The exponential backoff before retry number `retry` (1-based), `random` in [0, 1) taking up
/// to a quarter off so that many clients do not retry in step.
pub fn backoff_ms(retry: u32, random: f64) -> f64 {
    let exp = INITIAL_BACKOFF_MS * 2f64.powi(retry.saturating_sub(1).min(30) as i32);
    let jitter = 1.0 - 0.25 * random.clamp(0.0, 1.0);
    exp.min(MAX_BACKOFF_MS) * jitter
}

/// Whether an attempt that failed this way may be sent again: any method when the server
/// provably did nothing with it, reads also after transient failures. A repeated install
/// after a 5xx or a reset could create a second app.
pub fn retryable(method: Method, failure: Failure) -> bool {
    match failure {
        Failure::NotConnected | Failure::Status(429) => true,
        _ if method != Method::Get => false,
        Failure::Timeout | Failure::Network => true,
        Failure::Status(s) => matches!(s, 408 | 500 | 502 | 503 | 504),
    }
}

/// The inputs of one decision.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub method: Method,
    pub failure: Failure,
    /// Attempts made so far, this one included (1 for the first).
    pub attempt: u32,
    pub max_retries: u32,
    /// Whether the token comes from a provider and has not yet been refreshed for this request.
    pub can_refresh_token: bool,
    pub retry_after: Option<&'a str>,
    pub retry_after_ms: Option<&'a str>,
    pub now_ms: f64,
    pub random: f64,
}

impl Attempt<'_> {
    /// Whether a retry is possible at all, before the server's wish is read (the boundary reads
    /// the Retry-After headers only then).
    pub fn may_retry(&self) -> bool {
        self.failure != Failure::Status(401)
            && self.attempt <= self.max_retries
            && retryable(self.method, self.failure)
    }
}

pub fn decide(a: &Attempt) -> Decision {
    if a.failure == Failure::Status(401) {
        // A 401 means the server did nothing: any call may be repeated once with a new token.
        return if a.can_refresh_token {
            Decision::RefreshToken
        } else {
            Decision::GiveUp
        };
    }
    if !a.may_retry() {
        return Decision::GiveUp;
    }
    let wished = retry_after_ms(a.retry_after, a.retry_after_ms, a.now_ms)
        .filter(|ms| (0.0..=MAX_RETRY_AFTER_MS).contains(ms));
    Decision::Retry {
        delay_ms: wished.unwrap_or_else(|| backoff_ms(a.attempt, a.random)),
        reason: a.failure.reason(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(method: Method, failure: Failure, n: u32) -> Attempt<'static> {
        Attempt {
            method,
            failure,
            attempt: n,
            max_retries: DEFAULT_MAX_RETRIES,
            can_refresh_token: false,
            retry_after: None,
            retry_after_ms: None,
            now_ms: 0.0,
            random: 0.0,
        }
    }

    fn retries(method: Method, failure: Failure) -> bool {
        matches!(decide(&attempt(method, failure, 1)), Decision::Retry { .. })
    }

    #[test]
    fn reads_retry_transient_failures_only() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retries(Method::Get, Failure::Status(s)), "{s}");
        }
        for s in [400, 403, 404, 405, 409, 422, 501, 505] {
            assert!(!retries(Method::Get, Failure::Status(s)), "{s}");
        }
        for f in [Failure::NotConnected, Failure::Timeout, Failure::Network] {
            assert!(retries(Method::Get, f), "{f:?}");
        }
    }

    #[test]
    fn writes_retry_only_when_the_server_did_nothing() {
        for m in [Method::Post, Method::Put, Method::Delete] {
            assert!(retries(m, Failure::NotConnected));
            assert!(retries(m, Failure::Status(429)));
            for f in [
                Failure::Status(500),
                Failure::Status(502),
                Failure::Status(503),
                Failure::Status(504),
                Failure::Status(408),
                Failure::Timeout,
                Failure::Network,
            ] {
                assert!(!retries(m, f), "{m:?} {f:?}");
            }
        }
    }

    #[test]
    fn network_codes() {
        assert_eq!(
            Failure::from_network_code(Some("ECONNREFUSED")),
            Failure::NotConnected
        );
        assert_eq!(
            Failure::from_network_code(Some("ENOTFOUND")),
            Failure::NotConnected
        );
        assert_eq!(
            Failure::from_network_code(Some("ECONNRESET")),
            Failure::Network
        );
        assert_eq!(Failure::from_network_code(None), Failure::Network);
    }

    #[test]
    fn max_retries_bounds_attempts() {
        let f = Failure::Status(503);
        assert!(matches!(
            decide(&attempt(Method::Get, f, 2)),
            Decision::Retry { .. }
        ));
        assert_eq!(decide(&attempt(Method::Get, f, 3)), Decision::GiveUp);
        let none = Attempt {
            max_retries: 0,
            ..attempt(Method::Get, f, 1)
        };
        assert_eq!(decide(&none), Decision::GiveUp);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        assert_eq!(backoff_ms(1, 0.0), 500.0);
        assert_eq!(backoff_ms(2, 0.0), 1000.0);
        assert_eq!(backoff_ms(5, 0.0), 8000.0);
        assert_eq!(backoff_ms(40, 0.0), 8000.0);
        assert_eq!(backoff_ms(1, 0.999_999), 500.0 * (1.0 - 0.25 * 0.999_999));
        assert!(backoff_ms(3, 0.5) < 2000.0 && backoff_ms(3, 0.5) >= 1500.0);
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(retry_after_ms(Some("1"), None, 0.0), Some(1000.0));
        assert_eq!(retry_after_ms(Some(" 2.5 "), None, 0.0), Some(2500.0));
        assert_eq!(retry_after_ms(Some("1"), Some("250"), 0.0), Some(250.0));
        let now = 1_445_412_480_000.0; // Wed, 21 Oct 2015 07:28:00 GMT
                                       // The three forms of an HTTP date (RFC 9110 §5.6.7).
        for old in [
            "Wednesday, 21-Oct-15 07:28:05 GMT",
            "Wed Oct 21 07:28:05 2015",
        ] {
            assert_eq!(retry_after_ms(Some(old), None, now), Some(5000.0), "{old}");
        }
        assert_eq!(
            retry_after_ms(Some("Wed, 21 Oct 2015 07:28:05 GMT"), None, now),
            Some(5000.0)
        );
        assert_eq!(retry_after_ms(Some("soon"), None, now), None);
        assert_eq!(retry_after_ms(Some("NaN"), Some("inf"), now), None);
    }

    #[test]
    fn numbers_read_as_rust_reads_them() {
        // Every string of up to 4 of these characters, and some longer ones: the same finite
        // value as `str::parse::<f64>`, or none where it gives none.
        let alphabet = ["0", "1", "5", ".", "e", "E", "+", "-", "x"];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(longer);
        }
        texts.extend(
            [
                "inf",
                "-inf",
                "infinity",
                "NaN",
                "nan",
                "1e400",
                "-1e400",
                "1e-400",
                "0e99999",
                "1e99999999999999999999",
                "1e-99999999999999999999",
                "0e99999999999999999999",
                "00012.50",
                "2.5e-3",
                "+.5e+1",
                "123456789012345678901234567890",
                " 1",
                "1 ",
                "0.30000000000000004",
                "1_000",
                "0x10",
                "١",
            ]
            .map(String::from),
        );
        for t in &texts {
            let want = t.parse::<f64>().ok().filter(|v| v.is_finite());
            assert_eq!(
                finite_number(t).map(f64::to_bits),
                want.map(f64::to_bits),
                "{t:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_within_a_minute() {
        let with = |ra: &'static str| Attempt {
            retry_after: Some(ra),
            ..attempt(Method::Get, Failure::Status(503), 1)
        };
        let delay = |a: &Attempt| match decide(a) {
            Decision::Retry { delay_ms, .. } => delay_ms,
            d => panic!("{d:?}"),
        };
        assert_eq!(delay(&with("1")), 1000.0);
        assert_eq!(delay(&with("0")), 0.0);
        assert_eq!(delay(&with("60")), 60_000.0);
        // A day, a negative wait or garbage: the normal backoff.
        assert_eq!(delay(&with("86400")), 500.0);
        assert_eq!(delay(&with("-5")), 500.0);
        assert_eq!(delay(&with("x")), 500.0);
    }

    #[test]
    fn a_401_asks_the_provider_once() {
        let mut a = attempt(Method::Post, Failure::Status(401), 1);
        assert_eq!(decide(&a), Decision::GiveUp);
        a.can_refresh_token = true;
        assert_eq!(decide(&a), Decision::RefreshToken);
    }

    #[test]
    fn reasons() {
        assert_eq!(Failure::Status(503).reason(), "status 503");
        assert_eq!(Failure::Timeout.reason(), "timeout");
        assert_eq!(Failure::NotConnected.reason(), "connection refused");
        assert_eq!(Failure::Network.reason(), "connection error");
    }
}
