//! `/api/v1/config` and the Apps API (`/apis/apps/v1|v2/...`): routes, and how the store's refusals
//! and body-validation errors are answered (status codes, bodies).

use crate::catalog;
use crate::emu::Emu;
use crate::http::{json_response, page_window, text_response, HttpError, Query};
use crate::record::{intern_state, Record};
use crate::store::{At, ListFilter, ProjectScope, Store, StoreError};
use crate::validation::{self, BodyError, ConfigureRequest, InstallRequest};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

type S = State<Arc<Emu>>;
type R = Result<Response, HttpError>;

/// Path parameters, percent-decoded by axum; undecodable ones are simply "not found".
pub struct P<T>(pub T);

impl<St: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<St> for P<T> {
    type Rejection = HttpError;
    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, HttpError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| P(t))
            .map_err(|_| HttpError::not_found())
    }
}

pub fn router() -> Router<Arc<Emu>> {
    const V1: &str = "/apis/apps/v1/cluster/{cluster}/org/{org}/project/{project}";
    Router::new()
        .route("/api/v1/config", get(config))
        .route("/apis/apps/v2/instances", get(list_instances))
        .route("/apis/apps/v2/instances/upgrades", get(upgrades))
        .route("/apis/apps/v2/instances/{id}", get(get_instance))
        .route("/apis/apps/v2/instances/{id}/revisions", get(revisions))
        .route("/apis/apps/v2/templates/{name}/{version}", get(v2_template))
        .route(
            "/apis/apps/v2/templates/{name}/{version}/schema",
            get(v2_schema),
        )
        .route(&format!("{V1}/templates"), get(list_templates))
        .route(&format!("{V1}/templates/{{name}}"), get(template_versions))
        .route(
            &format!("{V1}/templates/{{name}}/{{version}}"),
            get(v1_template),
        )
        .route(&format!("{V1}/instances"), axum::routing::post(install))
        .route(&format!("{V1}/instances/values"), get(values_all))
        .route(
            &format!("{V1}/instances/{{id}}"),
            axum::routing::put(configure).delete(uninstall),
        )
        .route(&format!("{V1}/instances/{{id}}/values"), get(values_app))
        .route(
            &format!("{V1}/instances/{{id}}/output"),
            get(get_output).post(post_output),
        )
        .route(&format!("{V1}/instances/{{id}}/events"), get(events))
        .route(&format!("{V1}/instances/{{id}}/input"), get(input))
        .route(
            &format!("{V1}/instances/{{id}}/revisions/{{n}}/input"),
            get(revision_input),
        )
        .route(
            &format!("{V1}/instances/{{id}}/revisions/{{n}}/rollback"),
            axum::routing::post(rollback),
        )
}

fn user(headers: &HeaderMap) -> Result<String, HttpError> {
    crate::auth::http_user(headers).ok_or_else(HttpError::unauthorized)
}

fn ok(v: Value) -> R {
    Ok(json_response(StatusCode::OK, &v))
}

/// FastAPI's 422 for a body it refuses before the handler runs.
impl From<BodyError> for HttpError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::Field {
                loc,
                kind,
                msg,
                input,
            } => HttpError::validation(&loc, kind, msg, *input),
            BodyError::Json { column, error } => HttpError::from_response(json_response(
                StatusCode::UNPROCESSABLE_ENTITY,
                &json!({"detail": [{"type": "json_invalid", "loc": ["body", column], "msg": "JSON decode error",
                    "input": {}, "ctx": {"error": error}}]}),
            )),
        }
    }
}

/// The platform's answer to a refused change; input errors use the configured status.
fn refused(e: StoreError, validation_status: StatusCode) -> HttpError {
    match e {
        StoreError::AppNotFound => HttpError::app_not_found(),
        StoreError::RevisionNotFound => HttpError::revision_not_found(),
        StoreError::TemplateNotFound { name, version } => HttpError::detail(
            StatusCode::NOT_FOUND,
            &format!("App template '{name}' version '{version}' not found"),
        ),
        StoreError::Uninstalled => HttpError::detail(
            StatusCode::CONFLICT,
            "App instance is uninstalled or being uninstalled",
        ),
        // The platform fails on keys its models do not define.
        StoreError::UndefinedInputKeys => HttpError::internal(),
        StoreError::Invalid(errors) => HttpError::errors(validation_status, errors),
        StoreError::Body(e) => e.into(),
    }
}

/// Maps a store refusal with the emulator's current settings.
fn refusal(emu: &Emu) -> impl Fn(StoreError) -> HttpError {
    let status = emu.settings().validation_status();
    move |e| refused(e, status)
}

/// An app of the route's project, or 404.
fn scoped<'a>(store: &'a Store, id: &str, scope: &ProjectScope) -> Result<&'a Record, HttpError> {
    store
        .get_scoped(id, scope)
        .ok_or_else(HttpError::app_not_found)
}

#[derive(Deserialize)]
struct V1 {
    cluster: String,
    org: String,
    project: String,
}

#[derive(Deserialize)]
struct V1Id {
    cluster: String,
    org: String,
    project: String,
    id: String,
}

#[derive(Deserialize)]
struct V1Rev {
    cluster: String,
    org: String,
    project: String,
    id: String,
    n: String,
}

#[derive(Deserialize)]
struct V1Tpl {
    name: String,
    version: Option<String>,
}

macro_rules! scope {
    ($p:expr) => {
        ProjectScope {
            cluster: &$p.cluster,
            org: &$p.org,
            project: &$p.project,
        }
    };
}

fn rev_number(n: &str) -> Result<u32, HttpError> {
    n.parse::<u32>().map_err(|_| {
        HttpError::validation(
            &["path", "revision_number"],
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
            json!(n),
        )
    })
}

async fn config(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let base = format!("http://{host}");
    let mut v = json!({
        "auth_url": format!("{base}/oauth/authorize"),
        "token_url": format!("{base}/oauth/token"),
        "logout_url": format!("{base}/oauth/logout"),
        "client_id": "emulator-client",
        "audience": "https://platform.emulator.local",
        "callback_urls": ["http://127.0.0.1:54540", "http://127.0.0.1:54541"],
        "headless_callback_url": format!("{base}/oauth/show-code"),
    });
    if crate::auth::http_user(&headers).is_none() {
        v["authorized"] = json!(false);
        return json_response(StatusCode::OK, &v);
    }
    let extra = json!({
        "authorized": true,
        "admin_url": format!("{base}/apis/admin/v1"),
        "vcluster_url": format!("{base}/apis/vcluster/v1"),
        "orgs": [{"name": "superorg", "role": "admin"}],
        "clusters": [{
            "name": "default",
            "orgs": ["superorg"],
            "registry_url": format!("{base}/registry"),
            "storage_url": format!("{base}/api/v1/storage"),
            "users_url": format!("{base}/api/v1/users"),
            "monitoring_url": format!("{base}/api/v1/jobs"),
            "secrets_url": format!("{base}/api/v1/secrets"),
            "grafana_url": format!("{base}/grafana"),
            "prometheus_url": format!("{base}/prometheus"),
            "disks_url": format!("{base}/api/v1/disk"),
            "buckets_url": format!("{base}/api/v1/buckets"),
            "resource_pool_types": [{"name": "cpu-pool", "min_size": 0, "max_size": 4, "cpu": 8.0, "memory": 34359738368u64, "disk_size": 107374182400u64}],
            "resource_presets": [
                {"name": "cpu-small", "credits_per_hour": "1.0", "cpu": 1.0, "memory": 2147483648u64},
                {"name": "cpu-medium", "credits_per_hour": "2.0", "cpu": 2.0, "memory": 4294967296u64}
            ],
            "timezone": "UTC",
            "energy_schedules": [],
            "storage_volumes": [],
            "apps": {"apps_hostname_templates": ["{app_name}.apps.emulator.local"], "app_proxy_url": format!("{base}/proxy"), "launchpad_use_subdomain": false}
        }],
        "projects": [
            {"name": "alpha", "role": "admin", "cluster_name": "default", "org_name": "superorg"},
            {"name": "beta", "role": "writer", "cluster_name": "default", "org_name": "superorg"},
            {"name": "test3", "role": "admin", "cluster_name": "default", "org_name": "superorg"}
        ]
    });
    if let (Some(dst), Some(src)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in src {
            dst.insert(k.clone(), val.clone());
        }
    }
    json_response(StatusCode::OK, &v)
}

async fn list_instances(State(emu): S, headers: HeaderMap, RawQuery(q): RawQuery) -> R {
    user(&headers)?;
    let q = Query::parse(q.as_deref());
    let pr = page_window(&q)?;
    let mut states = Vec::new();
    for s in q.all("states") {
        let st = intern_state(s).ok_or_else(|| {
            HttpError::validation(
                &["query", "states", "0"],
                "enum",
                "Input should be 'queued', 'progressing', 'healthy', 'degraded', 'errored', 'uninstalling' or 'uninstalled'",
                json!(s),
            )
        })?;
        states.push(st.to_string());
    }
    let filter = ListFilter {
        cluster: q.get("cluster").map(str::to_string),
        org: q.get("org").map(str::to_string),
        project: q.get("project").map(str::to_string),
        name: q.get("name").map(str::to_string),
        states,
    };
    let mode = emu.settings().pages;
    let store = emu.store();
    let all = store.list(&filter);
    let items = all[pr.range(all.len())]
        .iter()
        .map(|r| r.app.to_json())
        .collect();
    ok(pr.envelope(items, all.len(), mode))
}

async fn upgrades(State(emu): S, headers: HeaderMap, RawQuery(q): RawQuery) -> R {
    user(&headers)?;
    let q = Query::parse(q.as_deref());
    let ids = q.all("id");
    if ids.len() > 100 {
        return Err(HttpError::validation(
            &["query", "id"],
            "too_long",
            "List should have at most 100 items after validation",
            json!(ids.len()),
        ));
    }
    let store = emu.store();
    let mut out = Vec::new();
    for id in ids {
        let r = store.get(id).ok_or_else(HttpError::app_not_found)?;
        let available = r
            .template()
            .map(|t| t.newer_than(&r.app.template_version))
            .unwrap_or_default();
        out.push(json!({
            "id": r.app.id, "template_name": r.app.template_name,
            "template_version": r.app.template_version, "available_versions": available,
        }));
    }
    ok(Value::Array(out))
}

async fn get_instance(State(emu): S, headers: HeaderMap, P(id): P<String>) -> R {
    user(&headers)?;
    let store = emu.store();
    let r = store.get(&id).ok_or_else(HttpError::app_not_found)?;
    ok(r.app.to_json())
}

async fn revisions(State(emu): S, headers: HeaderMap, P(id): P<String>) -> R {
    user(&headers)?;
    let store = emu.store();
    let r = store.get(&id).ok_or_else(HttpError::app_not_found)?;
    ok(Value::Array(
        r.revisions.iter().rev().map(|r| r.to_json()).collect(),
    ))
}

/// A 200 with JSON text that is already serialized.
fn raw_json(text: Bytes) -> Response {
    let mut r = Response::new(axum::body::Body::from(text));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

fn template_detail(emu: &Emu, name: &str, version: &str) -> R {
    if let Some(d) = emu.template(name, version) {
        return Ok(raw_json(d.detail));
    }
    match catalog::find(name).and_then(|t| t.resolve(version).map(|v| t.detail(v))) {
        Some(v) => ok(v),
        None if emu.settings().unknown_template => Err(HttpError::not_found()),
        None => ok(Value::Null),
    }
}

async fn v2_template(State(emu): S, headers: HeaderMap, P(p): P<V1Tpl>) -> R {
    user(&headers)?;
    template_detail(&emu, &p.name, p.version.as_deref().unwrap_or("latest"))
}

async fn v2_schema(State(emu): S, headers: HeaderMap, P(p): P<V1Tpl>) -> R {
    user(&headers)?;
    let version = p.version.as_deref().unwrap_or("latest");
    if let Some(d) = emu.template(&p.name, version) {
        return Ok(raw_json(d.input));
    }
    match catalog::find(&p.name).and_then(|t| t.resolve(version).map(|v| t.schema(v))) {
        Some(s) => ok(s),
        None => Err(HttpError::not_found()),
    }
}

async fn list_templates(headers: HeaderMap, P(_p): P<V1>) -> R {
    user(&headers)?;
    ok(Value::Array(
        catalog::templates()
            .iter()
            .map(|t| t.summary(t.latest(), true))
            .collect(),
    ))
}

async fn template_versions(headers: HeaderMap, P(p): P<(String, String, String, String)>) -> R {
    user(&headers)?;
    let items = match catalog::find(&p.3) {
        Some(t) => t
            .versions
            .iter()
            .rev()
            .map(|v| t.summary(v, false))
            .collect(),
        None => Vec::new(),
    };
    ok(Value::Array(items))
}

async fn v1_template(
    State(emu): S,
    headers: HeaderMap,
    P(p): P<(String, String, String, String, String)>,
) -> R {
    user(&headers)?;
    template_detail(&emu, &p.3, &p.4)
}

async fn install(State(emu): S, headers: HeaderMap, P(p): P<V1>, body: Bytes) -> R {
    let u = user(&headers)?;
    let req = InstallRequest::from_body(&validation::parse_json(&body)?)?;
    let at = At::now(emu.speed());
    let app = emu
        .store()
        .install(&scope!(p), req, &u, at)
        .map_err(refusal(&emu))?;
    emu.notify();
    Ok(json_response(StatusCode::CREATED, &app.to_json()))
}

async fn configure(State(emu): S, headers: HeaderMap, P(p): P<V1Id>, body: Bytes) -> R {
    let u = user(&headers)?;
    let req = ConfigureRequest::from_body(&validation::parse_json(&body)?)?;
    let at = At::now(emu.speed());
    let app = emu
        .store()
        .configure(&scope!(p), &p.id, req, &u, at)
        .map_err(refusal(&emu))?;
    emu.notify();
    ok(app.to_json())
}

async fn uninstall(State(emu): S, headers: HeaderMap, P(p): P<V1Id>, RawQuery(q): RawQuery) -> R {
    user(&headers)?;
    let q = Query::parse(q.as_deref());
    let force = match q.get("force").map(|s| s.to_ascii_lowercase()) {
        None => false,
        Some(s) if matches!(s.as_str(), "true" | "1" | "yes" | "on") => true,
        Some(s) if matches!(s.as_str(), "false" | "0" | "no" | "off") => false,
        Some(s) => {
            return Err(HttpError::validation(
                &["query", "force"],
                "bool_parsing",
                "Input should be a valid boolean, unable to interpret input",
                json!(s),
            ))
        }
    };
    let at = At::now(emu.speed());
    emu.store()
        .uninstall(&scope!(p), &p.id, force, at)
        .map_err(refusal(&emu))?;
    emu.notify();
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn values_all(State(emu): S, headers: HeaderMap, P(p): P<V1>, RawQuery(q): RawQuery) -> R {
    user(&headers)?;
    let q = Query::parse(q.as_deref());
    let store = emu.store();
    let filter = ListFilter {
        cluster: Some(p.cluster.clone()),
        org: Some(p.org.clone()),
        project: Some(p.project.clone()),
        ..Default::default()
    };
    ok(Store::values(
        store.list(&filter).into_iter(),
        q.get("type"),
    ))
}

async fn values_app(State(emu): S, headers: HeaderMap, P(p): P<V1Id>, RawQuery(q): RawQuery) -> R {
    user(&headers)?;
    let q = Query::parse(q.as_deref());
    let store = emu.store();
    let r = scoped(&store, &p.id, &scope!(p))?;
    ok(Store::values(std::iter::once(r), q.get("type")))
}

async fn get_output(State(emu): S, headers: HeaderMap, P(p): P<V1Id>) -> R {
    user(&headers)?;
    let store = emu.store();
    let r = scoped(&store, &p.id, &scope!(p))?;
    match &r.output {
        Some(o) => ok(o.clone()),
        None => Ok(text_response(StatusCode::NOT_FOUND, "Not Found")),
    }
}

async fn post_output(State(emu): S, headers: HeaderMap, P(p): P<V1Id>, body: Bytes) -> R {
    user(&headers)?;
    let output = validation::output_field(&validation::parse_json(&body)?)?;
    emu.store()
        .set_output(&scope!(p), &p.id, output.clone())
        .map_err(refusal(&emu))?;
    ok(output)
}

async fn events(State(emu): S, headers: HeaderMap, P(p): P<V1Id>, RawQuery(q): RawQuery) -> R {
    user(&headers)?;
    let q = Query::parse(q.as_deref());
    let pr = page_window(&q)?;
    let mode = emu.settings().pages;
    let store = emu.store();
    let r = scoped(&store, &p.id, &scope!(p))?;
    let total = r.total_events();
    let items = pr
        .range(total)
        .filter_map(|i| r.event_newest_first(i))
        .collect();
    ok(pr.envelope(items, total, mode))
}

async fn input(State(emu): S, headers: HeaderMap, P(p): P<V1Id>) -> R {
    user(&headers)?;
    let store = emu.store();
    let r = scoped(&store, &p.id, &scope!(p))?;
    let rev = r.current_revision().ok_or_else(HttpError::not_found)?;
    ok(r.input_json(rev))
}

async fn revision_input(State(emu): S, headers: HeaderMap, P(p): P<V1Rev>) -> R {
    user(&headers)?;
    let n = rev_number(&p.n)?;
    let store = emu.store();
    let r = scoped(&store, &p.id, &scope!(p))?;
    let rev = r
        .revisions
        .iter()
        .find(|x| x.number == n)
        .ok_or_else(HttpError::revision_not_found)?;
    ok(r.input_json(rev))
}

async fn rollback(State(emu): S, headers: HeaderMap, P(p): P<V1Rev>, body: Bytes) -> R {
    let u = user(&headers)?;
    let n = rev_number(&p.n)?;
    let body = validation::parse_json_or_empty(&body)?;
    let comment = validation::optional_str(&body, "comment")?;
    let at = At::now(emu.speed());
    let app = emu
        .store()
        .rollback(&scope!(p), &p.id, n, comment, &u, at)
        .map_err(refusal(&emu))?;
    emu.notify();
    ok(app.to_json())
}
