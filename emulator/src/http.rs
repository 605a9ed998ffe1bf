//! HTTP plumbing shared by the routes: error answers, JSON/text responses, query parsing and
//! fastapi-pagination's page window and envelope.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
