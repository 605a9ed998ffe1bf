//! Lazy pagination state, as the SDK pages `list` and `get_events`.

use super::error::{ApiError, Result};
use super::models::{envelope, items, Edits, APP, APP_EVENT};
use super::ops::number;
use super::requests::RequestSpec;
use super::urls::push_pair;
use serde_json::Value;

/// The most pages one cursor follows, so that a server which always claims one more page cannot
/// keep an iterator going forever. When the server still claims more after page `MAX_PAGES`,
/// that page's `accept` is a BadGateway error (its items are dropped) and the cursor is done:
/// the caller learns the listing was cut short instead of silently getting part of it.
pub const MAX_PAGES: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// `?…&page=1&…` from the first request on; `items` is required.
    Apps,
    /// No query on the first request, then `?page=2`, …; `items` defaults to [].
    Events,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageCursor {
    kind: PageKind,
    /// The URL with the query pairs that come before `page`.
    url: String,
    /// The `states` values, sent after `page`.
    states: Vec<String>,
    page: u64,
    done: bool,
}

impl PageCursor {
    pub fn new(kind: PageKind, url: String, states: Vec<String>) -> PageCursor {
        PageCursor {
            kind,
            url,
            states,
            page: 1,
            done: false,
        }
    }

    /// The request for the next page, or None when every page has been read.
    pub fn next_request(&self) -> Option<RequestSpec> {
        if self.done {
            return None;
        }
        let mut url = self.url.clone();
        if self.kind == PageKind::Apps || self.page > 1 {
            push_pair(&mut url, "page", itoa::Buffer::new().format(self.page));
        }
        for s in &self.states {
            push_pair(&mut url, "states", s);
        }
        Some(RequestSpec::get(url))
    }

    /// Takes the body text answering `next_request()`. Iteration ends after an error, an
    /// empty page, or once `page >= pages` (missing = 1); see MAX_PAGES for the ceiling.
    /// The page's items are its body's `items` with the check's edits (None: an empty page).
    pub fn accept(&mut self, status: u16, body: &str) -> Result<Option<Edits>> {
        // Every outcome below but "a next page" ends the iteration.
        self.done = true;
        let (shape, required) = match self.kind {
            PageKind::Apps => (&APP, true),
            PageKind::Events => (&APP_EVENT, false),
        };
        let env = envelope(status, body, shape)?;
        let pages = match &env.pages {
            None | Some(Value::Null) => 1.0,
            Some(Value::Number(n)) => page_count(n).ok_or_else(|| {
                ApiError::bad_response(status, format!("\"pages\" is not a page count: {n}"))
            })?,
            Some(_) => return Err(ApiError::bad_response(status, "\"pages\" is not a number")),
        };
        let page = items(status, env, required)?;
        let count = page.as_ref().map_or(0, |e| e.count);
        if count == 0 || (self.page as f64) >= pages {
            return Ok(page);
        }
        if self.page >= MAX_PAGES {
            return Err(ApiError::bad_response(
                status,
                format!("more than {MAX_PAGES} pages (\"pages\": {})", number(pages)),
            ));
        }
        self.page += 1;
        self.done = false;
        Ok(page)
    }
}

/// `pages` as a finite non-negative integer (3.0 counts as 3), else None.
fn page_count(n: &serde_json::Number) -> Option<f64> {
    if let Some(u) = n.as_u64() {
        return Some(u as f64);
    }
    n.as_f64()
        .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::requests::tests::api_at;
    use crate::core::requests::{Api, Scope};
    use serde_json::json;

    fn api() -> Api {
        api_at("http://h/api/v1")
    }

    fn app(id: &str) -> Value {
        json!({"id":id,"name":"n","display_name":"d","template_name":"t","template_version":"v",
            "project_name":"p","org_name":"o","cluster_name":"c","namespace":"ns","state":"healthy",
            "creator":"u","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","endpoints":[]})
    }

    fn url(c: &PageCursor) -> Option<String> {
        c.next_request()
            .map(|r| r.url.trim_start_matches("http://h").to_string())
    }

    #[test]
    fn list_pages_with_states() {
        let states: Vec<String> = [
            "queued",
            "progressing",
            "healthy",
            "degraded",
            "errored",
            "uninstalling",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut c = api().list(&Scope::default(), &states).unwrap();
        assert_eq!(url(&c).unwrap(), "/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=1&states=queued&states=progressing&states=healthy&states=degraded&states=errored&states=uninstalling");
        let page = c
            .accept(
                200,
                &json!({"items":[app("a")],"total":2,"page":1,"size":1,"pages":2}).to_string(),
            )
            .unwrap();
        assert_eq!(page.map(|e| e.count), Some(1));
        assert_eq!(url(&c).unwrap(), "/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=2&states=queued&states=progressing&states=healthy&states=degraded&states=errored&states=uninstalling");
        c.accept(200, &json!({"items":[app("b")],"pages":2}).to_string())
            .unwrap();
        assert_eq!(url(&c), None);
    }

    #[test]
    fn list_without_states_and_pages_variants() {
        let mut c = api()
            .list(
                &Scope {
                    project: Some("p2".into()),
                    ..Default::default()
                },
                &[],
            )
            .unwrap();
        assert_eq!(
            url(&c).unwrap(),
            "/apis/apps/v2/instances?cluster=default&org=superorg&project=p2&page=1"
        );
        c.accept(200, &json!({"items":[]}).to_string()).unwrap(); // pages missing = 1
        assert_eq!(url(&c), None);
        let mut c = api().list(&Scope::default(), &[]).unwrap();
        c.accept(200, &json!({"items":[],"pages":0}).to_string())
            .unwrap();
        assert_eq!(url(&c), None);
        let mut c = api().list(&Scope::default(), &[]).unwrap();
        assert!(c.accept(200, &json!({"pages":3}).to_string()).is_err()); // items is required
        assert_eq!(url(&c), None);
    }

    #[test]
    fn malformed_pages_are_bad_responses_and_stop() {
        for body in [
            "not json",
            "",
            "[]",
            r#"{"items":"x"}"#,
            r#"{"items":[],"pages":"2"}"#,
            r#"{"items":[{"id":"a"}]}"#,
            r#"{"items":[]} trailing"#,
        ] {
            let mut c = api().list(&Scope::default(), &[]).unwrap();
            let e = c.accept(201, body).unwrap_err();
            assert_eq!(
                (e.kind.name(), e.status),
                ("BadGateway", Some(201)),
                "{body}"
            );
            assert_eq!(url(&c), None, "{body}");
        }
        let mut c = api().list(&Scope::default(), &[]).unwrap();
        assert!(c
            .accept(200, "not json")
            .unwrap_err()
            .message
            .contains("not JSON"));
    }

    #[test]
    fn events_pages() {
        let mut c = api().events(&Scope::default(), "id1").unwrap();
        assert_eq!(
            url(&c).unwrap(),
            "/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/id1/events"
        );
        let ev = json!({"created_at":"2025-11-27T12:23:47.555539Z","state":"queued","reason":null});
        let page = c
            .accept(200, &json!({"items":[ev],"pages":3}).to_string())
            .unwrap();
        let page = page.unwrap();
        assert_eq!(page.count, 1);
        assert_eq!(page.shape.map(|s| s.name), Some("AppEvent"));
        assert_eq!(
            url(&c).unwrap(),
            "/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/id1/events?page=2"
        );
        c.accept(200, &json!({"items":[ev],"pages":3}).to_string())
            .unwrap();
        assert!(url(&c).unwrap().ends_with("events?page=3"));
        // items defaults to [], and an empty page is the last one
        let page = c.accept(200, &json!({"pages":3}).to_string()).unwrap();
        assert_eq!(page, None);
        assert_eq!(url(&c), None);
    }

    fn cursor(kind: PageKind) -> PageCursor {
        PageCursor::new(kind, "http://h/x".into(), vec![])
    }

    #[test]
    fn an_empty_page_ends_iteration() {
        for kind in [PageKind::Apps, PageKind::Events] {
            for body in [
                r#"{"items":[],"pages":5}"#,
                r#"{"items":[],"pages":1e300}"#,
                r#"{"items":null,"pages":5}"#,
            ] {
                let mut c = cursor(kind);
                let accepted = c.accept(200, body);
                if kind == PageKind::Apps && body.contains("null") {
                    assert!(accepted.is_err(), "{body}"); // items is required for apps
                } else {
                    assert!(accepted.is_ok(), "{body}");
                }
                assert_eq!(c.next_request(), None, "{body}");
            }
        }
    }

    #[test]
    fn pages_must_be_a_finite_non_negative_integer() {
        let item = json!({"created_at":"2025-11-27T12:23:47Z","state":"x","reason":null});
        for pages in [
            "1.5", "-1", "-0.5", "1e400", "-1e400", "\"3\"", "true", "[]", "{}",
        ] {
            let body = format!(r#"{{"items":[{item}],"pages":{pages}}}"#);
            let mut c = cursor(PageKind::Events);
            let e = c.accept(200, &body).unwrap_err();
            assert_eq!(
                (e.kind.name(), e.status),
                ("BadGateway", Some(200)),
                "{pages}"
            );
            assert_eq!(c.next_request(), None, "{pages}");
        }
        for (pages, more) in [
            ("0", false),
            ("-0", false),
            ("1", false),
            ("2", true),
            ("2.0", true),
            ("1e300", true),
            ("null", false),
        ] {
            let body = format!(r#"{{"items":[{item}],"pages":{pages}}}"#);
            let mut c = cursor(PageKind::Events);
            assert!(c.accept(200, &body).is_ok(), "{pages}");
            assert_eq!(c.next_request().is_some(), more, "{pages}");
        }
    }

    #[test]
    fn at_most_max_pages_are_followed() {
        let item = json!({"created_at":"2025-11-27T12:23:47Z","state":"x","reason":null});
        let endless = json!({"items":[item],"pages":u64::MAX}).to_string();
        let mut c = cursor(PageKind::Events);
        for n in 1..MAX_PAGES {
            assert!(c.accept(200, &endless).is_ok(), "{n}");
            assert!(c.next_request().is_some(), "{n}");
        }
        let last = c.next_request().unwrap();
        assert_eq!(last.query(), [("page", MAX_PAGES.to_string().as_str())]);
        let e = c.accept(200, &endless).unwrap_err();
        assert_eq!(e.kind.name(), "BadGateway");
        assert!(e.message.contains("more than 10000 pages"), "{}", e.message);
        assert_eq!(c.next_request(), None);
        // A server that says exactly MAX_PAGES ends normally on the last one.
        let exact = json!({"items":[item],"pages":MAX_PAGES}).to_string();
        let mut c = cursor(PageKind::Events);
        for _ in 0..MAX_PAGES {
            c.accept(200, &exact).unwrap();
        }
        assert_eq!(c.next_request(), None);
    }
}
