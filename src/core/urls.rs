//! Base URLs, path-segment and query encoding, the logs WebSocket URL.

use super::error::{ApiError, Result};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters kept as they are in a path segment: RFC 3986 `pchar` minus nothing that
/// could change the path's structure. `/`, `?`, `#`, `%`, `\` and everything non-ASCII
/// are encoded, so any id stays exactly one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// yarl's query quoting (what the SDK sends): unreserved, `!$'()*,` and `?/:@` stay,
/// `+`, `&`, `=`, `;` and `%` are encoded, a space becomes `+`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b',')
    .remove(b'?')
    .remove(b'/')
    .remove(b':')
    .remove(b'@');

/// One percent-encoded path segment. Empty, `.` and `..` are refused: WHATWG URL parsing
/// (fetch, WebSocket) collapses dot segments even when percent-encoded.
pub fn segment(value: &str) -> Result<String> {
    let mut out = String::with_capacity(value.len());
    push_segment(&mut out, value)?;
    Ok(out)
}

fn push_segment(out: &mut String, value: &str) -> Result<()> {
    match value {
        "" => Err(ApiError::illegal_argument(
            "an id or name must not be empty",
        )),
        "." | ".." => Err(ApiError::illegal_argument(format!(
            "\"{value}\" cannot be sent as a URL path segment"
        ))),
        _ => {
            out.extend(utf8_percent_encode(value, SEGMENT));
            Ok(())
        }
    }
}

/// `base` followed by each of `segments`, each encoded as one segment.
pub fn join(base: &str, segments: &[&str]) -> Result<String> {
    let base = base.trim_end_matches('/');
    let mut url = String::with_capacity(base.len() + 64);
    url.push_str(base);
    push_segments(&mut url, segments)?;
    Ok(url)
}

/// Appends `/segment` for each of `segments`, each encoded as one segment.
pub fn push_segments(url: &mut String, segments: &[&str]) -> Result<()> {
    for s in segments {
        url.push('/');
        push_segment(url, s)?;
    }
    Ok(())
}

// Written into one string, chunk by chunk: each request's URL is built this way, and going
// through `Display`/`format!` took several allocations per pair.
fn push_query_part(out: &mut String, s: &str) {
    for chunk in utf8_percent_encode(s, QUERY) {
        // Each encoded byte comes as its own chunk: a space's goes as `+`.
        out.push_str(if chunk == "%20" { "+" } else { chunk });
    }
}

fn push_encoded_pair(out: &mut String, key: &str, value: &str) {
    push_query_part(out, key);
    out.push('=');
    push_query_part(out, value);
}

/// Appends `key=value` to `url` in the SDK's encoding, after `?` for its first pair, else `&`
/// (a base URL has no `?`: every one is built here, from an origin and encoded segments).
pub fn push_pair(url: &mut String, key: &str, value: &str) {
    url.push(if url.contains('?') { '&' } else { '?' });
    push_encoded_pair(url, key, value);
}

/// `url` with `pairs` appended as by `push_pair`: `?a=1&b=2&b=3` (lists are repeated keys).
pub fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(url.len() + 64);
    out.push_str(url);
    let mut sep = if url.contains('?') { '&' } else { '?' };
    for (k, v) in pairs {
        out.push(sep);
        sep = '&';
        push_encoded_pair(&mut out, k, v);
    }
    out
}

/// Scheme (lower-cased) and authority of an absolute URL. A hand-written split rather
/// than the `url` crate: only these two parts are needed, and that crate's IDNA tables
/// would dominate the .wasm size.
fn origin(url: &str, what: &str) -> Result<(String, String)> {
    let bad = || ApiError::illegal_argument(format!("{what} must be an absolute http(s) URL"));
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty()
        || authority
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(bad());
    }
    Ok((scheme, authority.to_string()))
}

/// `{scheme}://{authority}/apis/apps`: the SDK drops apiUrl's path entirely.
pub fn apps_base(api_url: &str) -> Result<String> {
    let (scheme, authority) = origin(api_url, "apiUrl")?;
    Ok(format!("{scheme}://{authority}/apis/apps"))
}

/// `{apiUrl}/config` (apiUrl keeps its path here, as the SDK does).
pub fn config_url(api_url: &str) -> Result<String> {
    origin(api_url, "apiUrl")?;
    let base = api_url.trim().split(['?', '#']).next().unwrap_or("");
    Ok(format!("{}/config", base.trim_end_matches('/')))
}

/// `ws(s)://{monitoring host}/api/v1/apps/{id}/log_ws[?since=…][&timestamps=true]`.
/// The monitoring URL's path is replaced; `wss` only for `https`.
pub fn logs_url(
    monitoring_url: &str,
    app_id: &str,
    since: Option<&str>,
    timestamps: bool,
) -> Result<String> {
    let (scheme, authority) = origin(monitoring_url, "monitoringUrl")?;
    let ws = if scheme == "https" { "wss" } else { "ws" };
    let mut url = join(
        &format!("{ws}://{authority}/api/v1"),
        &["apps", app_id, "log_ws"],
    )?;
    if let Some(s) = since {
        push_pair(&mut url, "since", s);
    }
    if timestamps {
        push_pair(&mut url, "timestamps", "true");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_base_drops_path() {
        assert_eq!(
            apps_base("https://api.apolo.us/api/v1").unwrap(),
            "https://api.apolo.us/apis/apps"
        );
        assert_eq!(
            apps_base("HTTP://127.0.0.1:8080/some/where/?q=1").unwrap(),
            "http://127.0.0.1:8080/apis/apps"
        );
        assert_eq!(apps_base("http://h:1").unwrap(), "http://h:1/apis/apps");
        for bad in [
            "",
            "api.apolo.us/api/v1",
            "ftp://x/y",
            "http:///x",
            "http://a b/",
        ] {
            assert!(apps_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_url_keeps_path() {
        assert_eq!(
            config_url("https://api.apolo.us/api/v1/").unwrap(),
            "https://api.apolo.us/api/v1/config"
        );
        assert_eq!(
            config_url("http://h:9/api/v1").unwrap(),
            "http://h:9/api/v1/config"
        );
    }

    #[test]
    fn segments_stay_single() {
        assert_eq!(segment("a/b").unwrap(), "a%2Fb");
        assert_eq!(segment("../x").unwrap(), "..%2Fx");
        assert_eq!(segment("50%").unwrap(), "50%25");
        assert_eq!(segment("a b").unwrap(), "a%20b");
        assert_eq!(segment("é?#").unwrap(), "%C3%A9%3F%23");
        assert_eq!(segment("a\\b").unwrap(), "a%5Cb");
        assert_eq!(segment("v1.2+x:y@z").unwrap(), "v1.2+x:y@z");
        assert_eq!(
            segment("704285b2-aab1-4b0a-b8ff-bfbeb37f89e4").unwrap(),
            "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4"
        );
        for bad in ["", ".", ".."] {
            let e = segment(bad).unwrap_err();
            assert_eq!(e.kind.name(), "IllegalArgumentError");
        }
        assert_eq!(segment("...").unwrap(), "...");
    }

    #[test]
    fn query_like_yarl() {
        let q = [
            ("since", "2025-05-07T11:00:00+00:00"),
            ("id", "a b&c=d"),
            ("id", "x/y%z"),
        ];
        assert_eq!(
            with_query("http://h/p", &q),
            "http://h/p?since=2025-05-07T11:00:00%2B00:00&id=a+b%26c%3Dd&id=x/y%25z"
        );
        assert_eq!(with_query("http://h/p", &[]), "http://h/p");
        let q = [(" k ", "  é%\u{7f} ")];
        assert_eq!(
            with_query("http://h/p", &q),
            "http://h/p?+k+=++%C3%A9%25%7F+"
        );
        assert_eq!(
            join("http://h/", &["a b", "é/"]).unwrap(),
            "http://h/a%20b/%C3%A9%2F"
        );
    }

    #[test]
    fn logs_url_shapes() {
        assert_eq!(
            logs_url(
                "https://c.example/api/v1/jobs",
                "704285b2",
                Some("2025-05-07T11:00:00+00:00"),
                true
            )
            .unwrap(),
            "wss://c.example/api/v1/apps/704285b2/log_ws?since=2025-05-07T11:00:00%2B00:00&timestamps=true"
        );
        assert_eq!(
            logs_url("http://127.0.0.1:5000/api/v1/jobs", "a/b", None, false).unwrap(),
            "ws://127.0.0.1:5000/api/v1/apps/a%2Fb/log_ws"
        );
        assert!(logs_url("http://h/", "..", None, false).is_err());
        assert!(logs_url("nope", "a", None, false).is_err());
    }
}
