//! The request every call sends (method, URL, query, JSON body), as SDK 26.9.0 sends it.

use super::config::Defaults;
use super::error::{ApiError, Result};
use super::models::App;
use super::paging::{PageCursor, PageKind};
use super::urls::{apps_base, push_pair, push_segments, with_query};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One HTTP request. `url` is the whole URL, its query in the SDK's encoding: built once, as it
/// is sent and as errors name it.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    pub method: Method,
    pub url: String,
    pub body: Option<Value>,
}

impl RequestSpec {
    pub fn get(url: String) -> RequestSpec {
        RequestSpec {
            method: Method::Get,
            url,
            body: None,
        }
    }

    fn with_query(mut self, key: &str, value: &str) -> RequestSpec {
        push_pair(&mut self.url, key, value);
        self
    }

    /// The query's pairs as sent (still encoded), for tests.
    #[cfg(test)]
    pub fn query(&self) -> Vec<(&str, &str)> {
        self.url
            .split_once('?')
            .map(|(_, q)| q.split('&').filter_map(|p| p.split_once('=')).collect())
            .unwrap_or_default()
    }

    /// `e`, naming this request unless it names one already.
    pub fn named(&self, e: Box<ApiError>) -> Box<ApiError> {
        match e.method {
            Some(_) => e,
            None => e.with_request(self.method.as_str(), &self.url),
        }
    }
}

/// Per-call cluster/org/project overrides; empty strings count as absent (the SDK's `or`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub cluster: Option<String>,
    pub org: Option<String>,
    pub project: Option<String>,
}

fn pick(given: &Option<String>, default: &Option<String>) -> Option<String> {
    given
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| default.clone().filter(|s| !s.is_empty()))
}

/// Builds requests against one API host with the client's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    apps: String,
    pub defaults: Defaults,
}

impl Api {
    pub fn new(api_url: &str, defaults: Defaults) -> Result<Api> {
        Ok(Api {
            apps: apps_base(api_url)?,
            defaults,
        })
    }

    /// `{apps}/{version}` and `segments`, written into one string (every request's URL starts here).
    fn versioned(&self, version: &str, segments: &[&str]) -> Result<String> {
        let mut url = String::with_capacity(self.apps.len() + 96);
        url.push_str(&self.apps);
        url.push('/');
        url.push_str(version);
        push_segments(&mut url, segments)?;
        Ok(url)
    }

    fn v2(&self, segments: &[&str]) -> Result<String> {
        self.versioned("v2", segments)
    }

    /// cluster, org, project for a per-project call; refused before sending when unknown.
    pub fn project_key(&self, scope: &Scope) -> Result<(String, String, String)> {
        let cluster = pick(&scope.cluster, &self.defaults.cluster);
        let org = pick(&scope.org, &self.defaults.org);
        let project = pick(&scope.project, &self.defaults.project);
        let missing = |what: &str| {
            ApiError::illegal_argument(format!(
                "No {what} selected: pass `{what}` to the call or to ApoloClient, or create the client with ApoloClient.connect()"
            ))
        };
        Ok((
            cluster.ok_or_else(|| missing("cluster"))?,
            org.ok_or_else(|| missing("org"))?,
            project.ok_or_else(|| missing("project"))?,
        ))
    }

    fn v1(&self, scope: &Scope, segments: &[&str]) -> Result<String> {
        let (c, o, p) = self.project_key(scope)?;
        let mut url = self.versioned("v1", &["cluster", &c, "org", &o, "project", &p])?;
        push_segments(&mut url, segments)?;
        Ok(url)
    }

    /// `GET v2/instances/{id}`.
    pub fn get(&self, app_id: &str) -> Result<RequestSpec> {
        Ok(RequestSpec::get(self.v2(&["instances", app_id])?))
    }

    /// `GET v2/instances/upgrades?id=…`, one request per 100 ids, none for no ids.
    pub fn upgrades(&self, app_ids: &[String]) -> Result<Vec<RequestSpec>> {
        let url = self.v2(&["instances", "upgrades"])?;
        Ok(app_ids
            .chunks(100)
            .map(|batch| {
                let ids: Vec<_> = batch.iter().map(|id| ("id", id.as_str())).collect();
                RequestSpec::get(with_query(&url, &ids))
            })
            .collect())
    }

    /// `POST {v1}/instances` with the app data exactly as given.
    pub fn install(&self, scope: &Scope, app_data: Value) -> Result<RequestSpec> {
        Ok(RequestSpec {
            method: Method::Post,
            url: self.v1(scope, &["instances"])?,
            body: Some(app_data),
        })
    }

    fn instance_scope(app: &App) -> Scope {
        Scope {
            cluster: Some(app.cluster_name.clone()),
            org: Some(app.org_name.clone()),
            project: Some(app.project_name.clone()),
        }
    }

    /// The schema-guard fetch: the template of an existing app, in the app's own project.
    pub fn template_for_app(&self, app: &App, version: &str) -> Result<RequestSpec> {
        self.template(
            &Self::instance_scope(app),
            &app.template_name,
            Some(version),
        )
    }

    /// `PUT {v1 of the instance}/instances/{id}`.
    pub fn configure(&self, app: &App, app_id: &str, body: Value) -> Result<RequestSpec> {
        Ok(RequestSpec {
            method: Method::Put,
            url: self.v1(&Self::instance_scope(app), &["instances", app_id])?,
            body: Some(body),
        })
    }

    /// `DELETE {v1}/instances/{id}[?force=true]`.
    pub fn uninstall(&self, scope: &Scope, app_id: &str, force: bool) -> Result<RequestSpec> {
        let mut r = RequestSpec::get(self.v1(scope, &["instances", app_id])?);
        r.method = Method::Delete;
        Ok(if force {
            r.with_query("force", "true")
        } else {
            r
        })
    }

    /// `GET {v1}/instances[/{id}]/values[?type=T]`.
    pub fn values(
        &self,
        scope: &Scope,
        app_id: Option<&str>,
        value_type: Option<&str>,
    ) -> Result<RequestSpec> {
        let url = match app_id {
            Some(id) => self.v1(scope, &["instances", id, "values"])?,
            None => self.v1(scope, &["instances", "values"])?,
        };
        let r = RequestSpec::get(url);
        Ok(match value_type {
            Some(t) => r.with_query("type", t),
            None => r,
        })
    }

    pub fn templates(&self, scope: &Scope) -> Result<RequestSpec> {
        Ok(RequestSpec::get(self.v1(scope, &["templates"])?))
    }

    pub fn template_versions(&self, scope: &Scope, name: &str) -> Result<RequestSpec> {
        Ok(RequestSpec::get(self.v1(scope, &["templates", name])?))
    }

    /// `GET {v1}/templates/{name}/{version or "latest"}`.
    pub fn template(
        &self,
        scope: &Scope,
        name: &str,
        version: Option<&str>,
    ) -> Result<RequestSpec> {
        let version = version.unwrap_or("latest");
        Ok(RequestSpec::get(
            self.v1(scope, &["templates", name, version])?,
        ))
    }

    pub fn output(&self, scope: &Scope, app_id: &str) -> Result<RequestSpec> {
        Ok(RequestSpec::get(
            self.v1(scope, &["instances", app_id, "output"])?,
        ))
    }

    /// `GET v2/instances/{id}/revisions`.
    pub fn revisions(&self, app_id: &str) -> Result<RequestSpec> {
        Ok(RequestSpec::get(self.v2(&[
            "instances",
            app_id,
            "revisions",
        ])?))
    }

    /// `POST {v1}/instances/{id}/revisions/{n}/rollback` with `{}` or `{"comment"}`.
    pub fn rollback(
        &self,
        scope: &Scope,
        app_id: &str,
        revision: i64,
        comment: Option<&str>,
    ) -> Result<RequestSpec> {
        let n = revision.to_string();
        let mut body = Map::new();
        if let Some(c) = comment {
            body.insert("comment".into(), Value::String(c.to_string()));
        }
        Ok(RequestSpec {
            method: Method::Post,
            url: self.v1(scope, &["instances", app_id, "revisions", &n, "rollback"])?,
            body: Some(Value::Object(body)),
        })
    }

    /// `GET {v1}/instances/{id}/input` or `…/revisions/{n}/input`.
    pub fn input(&self, scope: &Scope, app_id: &str, revision: Option<i64>) -> Result<RequestSpec> {
        let url = match revision {
            Some(n) => self.v1(
                scope,
                &["instances", app_id, "revisions", &n.to_string(), "input"],
            )?,
            None => self.v1(scope, &["instances", app_id, "input"])?,
        };
        Ok(RequestSpec::get(url))
    }

    /// `GET v2/instances?cluster&org&project&page=N[&states=…]`, page 1 upwards.
    pub fn list(&self, scope: &Scope, states: &[String]) -> Result<PageCursor> {
        let (c, o, p) = self.project_key(scope)?;
        let url = with_query(
            &self.v2(&["instances"])?,
            &[("cluster", &c), ("org", &o), ("project", &p)],
        );
        Ok(PageCursor::new(PageKind::Apps, url, states.to_vec()))
    }

    /// `GET {v1}/instances/{id}/events`, then `?page=2`, … .
    pub fn events(&self, scope: &Scope, app_id: &str) -> Result<PageCursor> {
        let url = self.v1(scope, &["instances", app_id, "events"])?;
        Ok(PageCursor::new(PageKind::Events, url, Vec::new()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4";

    /// The tests' client: default/superorg/alpha on `api_url`.
    pub(crate) fn api_at(api_url: &str) -> Api {
        Api::new(
            api_url,
            Defaults {
                cluster: Some("default".into()),
                org: Some("superorg".into()),
                project: Some("alpha".into()),
                monitoring_url: None,
            },
        )
        .unwrap()
    }

    fn api() -> Api {
        api_at("https://api.example/api/v1")
    }

    fn path(r: &RequestSpec) -> String {
        r.url.trim_start_matches("https://api.example").to_string()
    }

    const V1: &str = "/apis/apps/v1/cluster/default/org/superorg/project/alpha";

    #[test]
    fn appendix_b_requests() {
        let a = api();
        let none = Scope::default();
        let ids = vec![ID.to_string(), "b".to_string()];
        let up = a.upgrades(&ids).unwrap();
        assert_eq!(up.len(), 1);
        assert_eq!(
            path(&up[0]),
            format!("/apis/apps/v2/instances/upgrades?id={ID}&id=b")
        );
        assert_eq!(
            path(&a.get(ID).unwrap()),
            format!("/apis/apps/v2/instances/{ID}")
        );

        let r = a
            .install(
                &none,
                json!({"template_name":"shell","template_version":"latest","input":{}}),
            )
            .unwrap();
        assert_eq!(
            (r.method, path(&r)),
            (Method::Post, format!("{V1}/instances"))
        );
        assert_eq!(
            serde_json::to_string(&r.body).unwrap(),
            r#"{"template_name":"shell","template_version":"latest","input":{}}"#
        );

        let r = a.uninstall(&none, ID, false).unwrap();
        assert_eq!(
            (r.method, path(&r)),
            (Method::Delete, format!("{V1}/instances/{ID}"))
        );
        assert_eq!(
            path(&a.uninstall(&none, ID, true).unwrap()),
            format!("{V1}/instances/{ID}?force=true")
        );
        assert_eq!(
            path(&a.values(&none, None, Some("RestAPI")).unwrap()),
            format!("{V1}/instances/values?type=RestAPI")
        );
        assert_eq!(
            path(&a.values(&none, Some(ID), None).unwrap()),
            format!("{V1}/instances/{ID}/values")
        );
        assert_eq!(
            path(&a.templates(&none).unwrap()),
            format!("{V1}/templates")
        );
        assert_eq!(
            path(&a.template_versions(&none, "shell").unwrap()),
            format!("{V1}/templates/shell")
        );
        assert_eq!(
            path(&a.template(&none, "shell", None).unwrap()),
            format!("{V1}/templates/shell/latest")
        );
        assert_eq!(
            path(&a.output(&none, ID).unwrap()),
            format!("{V1}/instances/{ID}/output")
        );
        assert_eq!(
            path(&a.revisions(ID).unwrap()),
            format!("/apis/apps/v2/instances/{ID}/revisions")
        );

        let r = a.rollback(&none, ID, 1, None).unwrap();
        assert_eq!(
            (r.method, path(&r)),
            (
                Method::Post,
                format!("{V1}/instances/{ID}/revisions/1/rollback")
            )
        );
        assert_eq!(r.body, Some(json!({})));
        assert_eq!(
            a.rollback(&none, ID, 1, Some("back")).unwrap().body,
            Some(json!({"comment":"back"}))
        );
        assert_eq!(
            path(&a.input(&none, ID, None).unwrap()),
            format!("{V1}/instances/{ID}/input")
        );
        assert_eq!(
            path(&a.input(&none, ID, Some(1)).unwrap()),
            format!("{V1}/instances/{ID}/revisions/1/input")
        );
    }

    #[test]
    fn configure_uses_the_instance_project() {
        let app = App::decode(200, &json!({"id":ID,"name":"n","display_name":"d",
            "template_name":"shell","template_version":"v25.6.0","project_name":"test3","org_name":"superorg",
            "cluster_name":"default","namespace":"ns","state":"healthy","creator":"u",
            "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z","endpoints":[]}).to_string()).unwrap();
        let a = api();
        let r = a.configure(&app, ID, json!({"input":{}})).unwrap();
        assert_eq!(
            (r.method, path(&r)),
            (
                Method::Put,
                format!("/apis/apps/v1/cluster/default/org/superorg/project/test3/instances/{ID}")
            )
        );
        assert_eq!(
            path(&a.template_for_app(&app, "v25.6.0").unwrap()),
            "/apis/apps/v1/cluster/default/org/superorg/project/test3/templates/shell/v25.6.0"
        );
    }

    #[test]
    fn overrides_and_missing_project() {
        let a = api();
        let scope = Scope {
            project: Some("test3".into()),
            org: Some(String::new()),
            cluster: None,
        };
        assert_eq!(
            path(&a.templates(&scope).unwrap()),
            "/apis/apps/v1/cluster/default/org/superorg/project/test3/templates"
        );
        let bare = Api::new(
            "http://h",
            Defaults {
                cluster: Some("c".into()),
                org: Some("o".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let e = bare.templates(&Scope::default()).unwrap_err();
        assert_eq!(e.kind.name(), "IllegalArgumentError");
        assert!(e.message.contains("project"));
        assert!(bare.list(&Scope::default(), &[]).is_err());
        assert!(bare.get(ID).is_ok());
    }

    #[test]
    fn ids_are_one_segment() {
        let a = api();
        assert_eq!(
            path(&a.get("../x").unwrap()),
            "/apis/apps/v2/instances/..%2Fx"
        );
        assert_eq!(
            path(&a.get("a/b").unwrap()),
            "/apis/apps/v2/instances/a%2Fb"
        );
        assert_eq!(
            path(&a.get("50% off é").unwrap()),
            "/apis/apps/v2/instances/50%25%20off%20%C3%A9"
        );
        assert!(a.get("..").is_err());
        assert!(a.get(".").is_err());
        assert!(a.output(&Scope::default(), "").is_err());
    }

    #[test]
    fn upgrades_batch_by_100_in_order() {
        let ids: Vec<String> = (0..250).map(|i| format!("id{i}")).collect();
        let reqs = api().upgrades(&ids).unwrap();
        assert_eq!(
            reqs.iter().map(|r| r.query().len()).collect::<Vec<_>>(),
            vec![100, 100, 50]
        );
        assert_eq!(reqs[1].query()[0].1, "id100");
        assert_eq!(reqs[2].query()[49].1, "id249");
        assert!(api().upgrades(&[]).unwrap().is_empty());
    }
}
