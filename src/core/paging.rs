//! Lazy pagination state, as the SDK pages `list` and `get_events`.

use super::error::{ApiError, Result};
use super::models::{decode_items, App, AppEvent};
use super::requests::{Method, RequestSpec};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageKind {
    /// `?…&page=1&…` from the first request on; `items` is required.
    Apps,
    /// No query on the first request, then `?page=2`, …; `items` defaults to [].
    Events,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Page {
    Apps(Vec<App>),
    Events(Vec<AppEvent>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PageCursor {
    kind: PageKind,
    url: String,
    before: Vec<(String, String)>,
    after: Vec<(String, String)>,
    page: u64,
    done: bool,
}

impl PageCursor {
    pub fn new(
        kind: PageKind,
        url: String,
        before: Vec<(String, String)>,
        after: Vec<(String, String)>,
    ) -> PageCursor {
        PageCursor {
            kind,
            url,
            before,
            after,
            page: 1,
            done: false,
        }
    }

    pub fn kind(&self) -> PageKind {
        self.kind
    }

    /// The request for the next page, or None when every page has been read.
    pub fn next_request(&self) -> Option<RequestSpec> {
        if self.done {
            return None;
        }
        let mut query = self.before.clone();
        if self.kind == PageKind::Apps || self.page > 1 {
            query.push(("page".to_string(), self.page.to_string()));
        }
        query.extend(self.after.iter().cloned());
        Some(RequestSpec {
            method: Method::Get,
            url: self.url.clone(),
            query,
            body: None,
        })
    }

    /// Takes the answer to `next_request()`; stops once `page >= pages` (missing = 1).
    pub fn accept(&mut self, status: u16, body: &Value) -> Result<Page> {
        let parsed = self.parse(status, body);
        match &parsed {
            Ok((_, pages)) if (self.page as f64) < *pages => self.page += 1,
            _ => self.done = true,
        }
        parsed.map(|(page, _)| page)
    }

    fn parse(&self, status: u16, body: &Value) -> Result<(Page, f64)> {
        let pages = match body.get("pages") {
            None | Some(Value::Null) => 1.0,
            Some(Value::Number(n)) => n.as_f64().unwrap_or(1.0),
            Some(_) => return Err(ApiError::bad_response(status, "\"pages\" is not a number")),
        };
        let page = match self.kind {
            PageKind::Apps => Page::Apps(decode_items(status, body, true)?),
            PageKind::Events => Page::Events(decode_items(status, body, false)?),
        };
        Ok((page, pages))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Defaults;
    use crate::core::requests::{Api, Scope};
    use serde_json::json;

    fn api() -> Api {
        Api::new(
            "http://h/api/v1",
            Defaults {
                cluster: Some("default".into()),
                org: Some("superorg".into()),
                project: Some("alpha".into()),
                monitoring_url: None,
            },
        )
        .unwrap()
    }

    fn app(id: &str) -> Value {
        json!({"id":id,"name":"n","display_name":"d","template_name":"t","template_version":"v",
            "project_name":"p","org_name":"o","cluster_name":"c","namespace":"ns","state":"healthy",
            "creator":"u","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","endpoints":[]})
    }

    fn url(c: &PageCursor) -> Option<String> {
        c.next_request()
            .map(|r| r.display_url().trim_start_matches("http://h").to_string())
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
        let Page::Apps(items) = c
            .accept(
                200,
                &json!({"items":[app("a")],"total":2,"page":1,"size":1,"pages":2}),
            )
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(items[0].id, "a");
        assert_eq!(url(&c).unwrap(), "/apis/apps/v2/instances?cluster=default&org=superorg&project=alpha&page=2&states=queued&states=progressing&states=healthy&states=degraded&states=errored&states=uninstalling");
        c.accept(200, &json!({"items":[app("b")],"pages":2}))
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
        c.accept(200, &json!({"items":[]})).unwrap(); // pages missing = 1
        assert_eq!(url(&c), None);
        let mut c = api().list(&Scope::default(), &[]).unwrap();
        c.accept(200, &json!({"items":[],"pages":0})).unwrap();
        assert_eq!(url(&c), None);
        let mut c = api().list(&Scope::default(), &[]).unwrap();
        assert!(c.accept(200, &json!({"pages":3})).is_err()); // items is required
        assert_eq!(url(&c), None);
    }

    #[test]
    fn events_pages() {
        let mut c = api().events(&Scope::default(), "id1").unwrap();
        assert_eq!(
            url(&c).unwrap(),
            "/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/id1/events"
        );
        let ev = json!({"created_at":"2025-11-27T12:23:47.555539Z","state":"queued","reason":null});
        let Page::Events(items) = c.accept(200, &json!({"items":[ev],"pages":3})).unwrap() else {
            panic!()
        };
        assert_eq!(items.len(), 1);
        assert_eq!(
            url(&c).unwrap(),
            "/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/id1/events?page=2"
        );
        c.accept(200, &json!({"pages":3})).unwrap(); // items defaults to []
        assert!(url(&c).unwrap().ends_with("events?page=3"));
        c.accept(200, &json!({"items":[],"pages":3})).unwrap();
        assert_eq!(url(&c), None);
    }
}
