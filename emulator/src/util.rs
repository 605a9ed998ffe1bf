//! Small shared pieces: timestamps, error bodies, query parsing, pagination, JSONPath.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

pub fn ts(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn ts_nanos(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// ISO 8601 as the platform's `iso8601` parser takes it: `T` or space, optional fraction,
/// `Z`/offset or none (= UTC), or a bare date.
pub fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let spaced = s.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&spaced) {
        return Some(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&spaced, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&spaced, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// An error answer, built where the error is found.
#[derive(Debug)]
pub struct HttpError(pub Box<Response>);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        *self.0
    }
}

pub fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub fn text_response(status: StatusCode, s: &str) -> Response {
    let mut r = Response::new(Body::from(s.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

impl HttpError {
    pub fn from_response(r: Response) -> Self {
        HttpError(Box::new(r))
    }
    pub fn detail(status: StatusCode, msg: &str) -> Self {
        HttpError::from_response(json_response(status, &json!({ "detail": msg })))
    }
    pub fn not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, "Not Found")
    }
    pub fn app_not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, "App instance not found")
    }
    pub fn revision_not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, "Revision not found")
    }
    pub fn unauthorized() -> Self {
        Self::detail(StatusCode::UNAUTHORIZED, "Not authenticated")
    }
    /// FastAPI's request-validation shape.
    pub fn validation(loc: &[&str], typ: &str, msg: &str, input: Value) -> Self {
        HttpError::from_response(json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({ "detail": [{ "type": typ, "loc": loc, "msg": msg, "input": input }] }),
        ))
    }
    /// The platform's input-validation shape (`path` items are strings).
    pub fn errors(status: StatusCode, errors: Vec<(Vec<String>, String)>) -> Self {
        let items: Vec<Value> = errors
            .into_iter()
            .map(|(path, message)| json!({ "path": path, "message": message }))
            .collect();
        HttpError::from_response(json_response(status, &json!({ "errors": items })))
    }
    pub fn internal() -> Self {
        HttpError::from_response(text_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
        ))
    }
}

/// Repeated query parameters kept in order (`states=a&states=b`).
pub struct Query(pub Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        Query(
            form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum PagesMode {
    Ceil,
    One,
    Omit,
}

/// The page a list request asked for: `page` (from 1) of `size` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWindow {
    pub page: usize,
    pub size: usize,
}

fn int_param(
    q: &Query,
    key: &str,
    default: usize,
    min: usize,
    max: usize,
) -> Result<usize, HttpError> {
    let Some(raw) = q.get(key) else {
        return Ok(default);
    };
    let n: i64 = raw.trim().parse().map_err(|_| {
        HttpError::validation(
            &["query", key],
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
            json!(raw),
        )
    })?;
    if n < min as i64 {
        return Err(HttpError::validation(
            &["query", key],
            "greater_than_equal",
            &format!("Input should be greater than or equal to {min}"),
            json!(raw),
        ));
    }
    if n > max as i64 {
        return Err(HttpError::validation(
            &["query", key],
            "less_than_equal",
            &format!("Input should be less than or equal to {max}"),
            json!(raw),
        ));
    }
    Ok(n as usize)
}

/// fastapi-pagination's `page` (≥ 1, default 1) and `size` (1–100, default 50).
pub fn page_window(q: &Query) -> Result<PageWindow, HttpError> {
    Ok(PageWindow {
        page: int_param(q, "page", 1, 1, i64::MAX as usize)?,
        size: int_param(q, "size", 50, 1, 100)?,
    })
}

impl PageWindow {
    /// The index range of this page within `total` items.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = (self.page - 1).saturating_mul(self.size).min(total);
        let end = start.saturating_add(self.size).min(total);
        start..end
    }

    pub fn envelope(&self, items: Vec<Value>, total: usize, mode: PagesMode) -> Value {
        let mut v = json!({ "items": items, "total": total, "page": self.page, "size": self.size });
        match mode {
            PagesMode::Ceil => v["pages"] = json!(total.div_ceil(self.size)),
            PagesMode::One => v["pages"] = json!(1),
            PagesMode::Omit => {}
        }
        v
    }
}

/// Every nested object carrying `__type__`, with its JSONPath (`$.a.b[1]`), root excluded.
pub fn typed_values(output: &Value) -> Vec<(String, String, Value)> {
    fn walk(v: &Value, path: &str, out: &mut Vec<(String, String, Value)>, root: bool) {
        match v {
            Value::Object(m) => {
                if !root {
                    if let Some(t) = m.get("__type__").and_then(Value::as_str) {
                        out.push((path.to_string(), t.to_string(), v.clone()));
                    }
                }
                for (k, child) in m {
                    if k != "__type__" {
                        walk(child, &format!("{path}.{k}"), out, false);
                    }
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    walk(child, &format!("{path}[{i}]"), out, false);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(output, "$", &mut out, true);
    out
}

/// A tiny JSONPath subset: `$`, `.key`, `[index]`, `['key']`.
pub fn json_path<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let rest = path.strip_prefix('$')?;
    let mut cur = root;
    let bytes: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            '.' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != '.' && bytes[j] != '[' {
                    j += 1;
                }
                let key: String = bytes[start..j].iter().collect();
                if key.is_empty() {
                    return None;
                }
                cur = cur.get(key.as_str())?;
                i = j;
            }
            '[' => {
                let close = bytes[i..].iter().position(|c| *c == ']')? + i;
                let inner: String = bytes[i + 1..close].iter().collect();
                let inner = inner.trim();
                if let Ok(n) = inner.parse::<usize>() {
                    cur = cur.get(n)?;
                } else {
                    let key = inner.trim_matches(|c| c == '\'' || c == '"');
                    cur = cur.get(key)?;
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_micro_z() {
        let t = parse_iso("2025-05-07T11:00:00+00:00").unwrap();
        assert_eq!(ts(&t), "2025-05-07T11:00:00.000000Z");
        assert_eq!(ts_nanos(&t), "2025-05-07T11:00:00.000000000Z");
    }

    #[test]
    fn lenient_iso_parsing() {
        let want = parse_iso("2025-05-07T11:00:00Z").unwrap();
        for s in [
            "2025-05-07 11:00:00+00:00",
            "2025-05-07T11:00:00",
            "2025-05-07T13:00:00+02:00",
            "2025-05-07T11:00:00.000Z",
        ] {
            assert_eq!(parse_iso(s), Some(want), "{s}");
        }
        assert_eq!(
            parse_iso("2025-05-07").map(|t| ts(&t)).as_deref(),
            Some("2025-05-07T00:00:00.000000Z")
        );
        assert_eq!(parse_iso("yesterday"), None);
        assert_eq!(parse_iso(""), None);
    }

    #[test]
    fn pagination_defaults_bounds_and_envelope() {
        let q = Query::parse(None);
        let p = page_window(&q).unwrap();
        assert_eq!(p, PageWindow { page: 1, size: 50 });
        assert_eq!(p.range(120), 0..50);
        let p3 = page_window(&Query::parse(Some("page=3&size=50"))).unwrap();
        assert_eq!(p3.range(120), 100..120);
        assert_eq!(
            page_window(&Query::parse(Some("page=9")))
                .unwrap()
                .range(120),
            120..120
        );
        for bad in [
            "page=0", "size=0", "size=101", "page=x", "page=-1", "size=1.5",
        ] {
            let e = page_window(&Query::parse(Some(bad))).unwrap_err();
            assert_eq!(e.0.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        }
        assert!(page_window(&Query::parse(Some("size=100&page=1"))).is_ok());
        let env = p.envelope(vec![], 0, PagesMode::Ceil);
        assert_eq!(env["pages"], 0);
        assert_eq!(p.envelope(vec![], 101, PagesMode::Ceil)["pages"], 3);
        assert_eq!(p.envelope(vec![], 101, PagesMode::One)["pages"], 1);
        assert!(p
            .envelope(vec![], 101, PagesMode::Omit)
            .get("pages")
            .is_none());
    }

    #[test]
    fn repeated_query_params_keep_order() {
        let q = Query::parse(Some(
            "states=queued&page=2&states=healthy&since=2025-05-07T11%3A00%3A00%2B00%3A00",
        ));
        assert_eq!(q.all("states"), vec!["queued", "healthy"]);
        assert_eq!(q.get("since"), Some("2025-05-07T11:00:00+00:00"));
    }

    #[test]
    fn typed_values_walk_nested_objects_and_lists() {
        let out = json!({
            "app_url": {"internal_url": {"host": "a", "__type__": "WebApp"}, "__type__": "ServiceAPI[WebApp]"},
            "users": {"users": [{"u": 1, "__type__": "User"}, {"u": 2, "__type__": "User"}], "__type__": "Users"},
            "plain": {"x": 1},
            "__type__": "RootIgnored"
        });
        let vals = typed_values(&out);
        let paths: Vec<(&str, &str)> = vals
            .iter()
            .map(|(p, t, _)| (p.as_str(), t.as_str()))
            .collect();
        assert!(paths.contains(&("$.app_url", "ServiceAPI[WebApp]")));
        assert!(paths.contains(&("$.app_url.internal_url", "WebApp")));
        assert!(paths.contains(&("$.users.users[1]", "User")));
        assert!(!paths.iter().any(|(_, t)| *t == "RootIgnored"));
        assert_eq!(vals.len(), 5);
        assert_eq!(json_path(&out, "$.users.users[1].u"), Some(&json!(2)));
        assert_eq!(json_path(&out, "$['plain'].x"), Some(&json!(1)));
        assert_eq!(json_path(&out, "$.nope"), None);
        assert_eq!(json_path(&out, "users"), None);
        assert_eq!(json_path(&out, "$"), Some(&out));
    }
}
