//! Lazy pagination state, as the SDK pages `list` and `get_events`.

use super::error::{ApiError, Result};
use super::models::{App, AppEvent};
use super::requests::{Method, RequestSpec};
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::marker::PhantomData;

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

    /// Takes the body text answering `next_request()`; stops once `page >= pages` (missing = 1).
    pub fn accept(&mut self, status: u16, body: &str) -> Result<Page> {
        let parsed = match self.kind {
            PageKind::Apps => parse_page(status, body, true).map(|(i, n)| (Page::Apps(i), n)),
            PageKind::Events => parse_page(status, body, false).map(|(i, n)| (Page::Events(i), n)),
        };
        match &parsed {
            Ok((_, pages)) if (self.page as f64) < *pages => self.page += 1,
            _ => self.done = true,
        }
        parsed.map(|(page, _)| page)
    }
}

/// A page's `items` and `pages`, read from the body text in one pass: the other keys are
/// skipped instead of built into a tree first. A repeated key counts once, the last time.
struct Envelope<T> {
    items: Option<Vec<T>>,
    pages: Option<Value>,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Envelope<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = Envelope<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut m: A,
            ) -> std::result::Result<Envelope<T>, A::Error> {
                let mut env = Envelope {
                    items: None,
                    pages: None,
                };
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "items" => env.items = m.next_value()?,
                        "pages" => env.pages = Some(m.next_value()?),
                        _ => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(env)
            }
        }
        d.deserialize_map(Fields(PhantomData))
    }
}

/// The items (required for apps; absent or null is [] for events) and the page count of a page.
fn parse_page<T: DeserializeOwned>(
    status: u16,
    body: &str,
    required: bool,
) -> Result<(Vec<T>, f64)> {
    let env: Envelope<T> = serde_json::from_str(body).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ApiError::bad_response(status, format!("not JSON ({e})"))
        } else {
            ApiError::bad_response(status, e)
        }
    })?;
    let pages = match env.pages {
        None | Some(Value::Null) => 1.0,
        Some(Value::Number(n)) => n.as_f64().unwrap_or(1.0),
        Some(_) => return Err(ApiError::bad_response(status, "\"pages\" is not a number")),
    };
    match env.items {
        Some(items) => Ok((items, pages)),
        None if !required => Ok((Vec::new(), pages)),
        None => Err(ApiError::bad_response(
            status,
            "no \"items\" list in the answer",
        )),
    }
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
                &json!({"items":[app("a")],"total":2,"page":1,"size":1,"pages":2}).to_string(),
            )
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(items[0].id, "a");
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
        let Page::Events(items) = c
            .accept(200, &json!({"items":[ev],"pages":3}).to_string())
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(items.len(), 1);
        assert_eq!(
            url(&c).unwrap(),
            "/apis/apps/v1/cluster/default/org/superorg/project/alpha/instances/id1/events?page=2"
        );
        c.accept(200, &json!({"pages":3}).to_string()).unwrap(); // items defaults to []
        assert!(url(&c).unwrap().ends_with("events?page=3"));
        c.accept(200, &json!({"items":[],"pages":3}).to_string())
            .unwrap();
        assert_eq!(url(&c), None);
    }
}
