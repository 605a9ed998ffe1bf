//! `/_emulator/...`: the test-control API (mounted only with `--control`).

use crate::api::P;
use crate::emu::{Emu, Fault};
use crate::http::{json_response, HttpError, PagesMode};
use crate::record::{app_name, intern_state, App, Event, Record};
use crate::seed::{GenSizes, SeedKind};
use crate::util::parse_iso;
use crate::validation::{parse_json, parse_json_or_empty};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;

type S = State<Arc<Emu>>;

/// A firehose always ends by itself, even for a reader that keeps up.
const FIREHOSE_MAX: u64 = 4 << 30;
type R = Result<Response, HttpError>;

pub fn router() -> Router<Arc<Emu>> {
    Router::new()
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/clock", put(clock))
        .route("/_emulator/settings", put(settings).get(get_settings))
        .route("/_emulator/faults", post(add_fault).delete(clear_faults))
        .route("/_emulator/requests", get(requests).delete(clear_requests))
        .route("/_emulator/apps", post(create_app))
        .route("/_emulator/apps/{id}/state", post(force_state))
        .route("/_emulator/token", post(token))
        .route("/_emulator/templates", post(set_template))
        .route("/_emulator/stats", get(stats))
        // The connection loop already bounds bodies (CONTROL_BODY_LIMIT); axum's 2 MB default would cut templates.
        .layer(axum::extract::DefaultBodyLimit::disable())
}

fn bad(msg: &str) -> HttpError {
    HttpError::detail(StatusCode::BAD_REQUEST, msg)
}

fn ok(v: Value) -> R {
    Ok(json_response(StatusCode::OK, &v))
}

fn opt_usize(v: &Value, key: &str, default: usize) -> Result<usize, HttpError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => x
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| bad(&format!("'{key}' must be a non-negative integer"))),
    }
}

async fn reset(State(emu): S, body: Bytes) -> R {
    let b = parse_json_or_empty(&body)?;
    let kind = match b.get("seed") {
        None | Some(Value::Null) => emu.seed,
        Some(v) => serde_json::from_value::<SeedKind>(v.clone())
            .map_err(|_| bad("'seed' must be demo, empty or generated"))?,
    };
    let sizes = GenSizes {
        apps: opt_usize(&b, "apps", emu.sizes.apps)?,
        events: opt_usize(&b, "events", emu.sizes.events)?,
        log_bytes: opt_usize(&b, "log_bytes", emu.sizes.log_bytes)?,
    };
    let n = emu.reset(kind, sizes);
    ok(json!({ "apps": n }))
}

async fn clock(State(emu): S, body: Bytes) -> R {
    let b = parse_json(&body)?;
    let speed = b
        .get("speed")
        .and_then(Value::as_f64)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| bad("'speed' must be a number >= 0"))?;
    emu.set_speed(speed);
    ok(json!({ "speed": speed }))
}

async fn get_settings(State(emu): S) -> R {
    ok(serde_json::to_value(emu.settings()).unwrap_or(Value::Null))
}

async fn settings(State(emu): S, body: Bytes) -> R {
    let b = parse_json(&body)?;
    let unknown = match b.get("unknown_template") {
        None => None,
        Some(v) if v == "null" || v.is_null() => Some(false),
        Some(v) if v == "404" || v == 404 => Some(true),
        Some(_) => return Err(bad("'unknown_template' must be \"null\" or \"404\"")),
    };
    let status = match b.get("validation_status") {
        None => None,
        Some(v) if v == 400 || v == 422 => v.as_u64().map(|n| n as u16),
        Some(_) => return Err(bad("'validation_status' must be 400 or 422")),
    };
    let limit = |key: &str| -> Result<Option<Option<u64>>, HttpError> {
        match b.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => v
                .as_u64()
                .map(|n| Some(Some(n)))
                .ok_or_else(|| bad(&format!("'{key}' must be a non-negative integer or null"))),
        }
    };
    let max_uses = limit("token_max_uses")?;
    let ttl = limit("token_ttl_ms")?;
    let pages = match b.get("pages") {
        None => None,
        Some(v) => Some(
            serde_json::from_value::<PagesMode>(v.clone())
                .map_err(|_| bad("'pages' must be ceil, one or omit"))?,
        ),
    };
    let s = emu.update_settings(|s| {
        if let Some(u) = unknown {
            s.unknown_template = u;
        }
        if let Some(v) = status {
            s.validation_status = v;
        }
        if let Some(p) = pages {
            s.pages = p;
        }
        if let Some(m) = max_uses {
            s.token_max_uses = m;
        }
        if let Some(t) = ttl {
            s.token_ttl_ms = t;
        }
    });
    ok(serde_json::to_value(s).unwrap_or(Value::Null))
}

fn parse_fault(b: &Value) -> Result<Fault, HttpError> {
    let path = b
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("'path' (a glob) is required"))?;
    let method = match b.get("method") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) => Some(m.to_ascii_uppercase()),
        Some(_) => return Err(bad("'method' must be a string")),
    };
    let status = match b.get("status") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|s| (100..=999).contains(s))
                .map(|s| s as u16)
                .ok_or_else(|| bad("'status' must be an HTTP status code"))?,
        ),
    };
    let headers = match b.get("headers") {
        None | Some(Value::Null) => Default::default(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(bad("'headers' must be an object")),
    };
    let flag = |k: &str| b.get(k).and_then(Value::as_bool).unwrap_or(false);
    let times = match b.get("times") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|t| *t > 0)
                .ok_or_else(|| bad("'times' must be a positive integer"))?,
        ),
    };
    Ok(Fault {
        id: uuid::Uuid::new_v4().to_string(),
        method,
        path: path.to_string(),
        status,
        body: b.get("body").filter(|v| !v.is_null()).cloned(),
        headers,
        retry_after: b.get("retry_after").filter(|v| !v.is_null()).cloned(),
        delay_ms: b.get("delay_ms").and_then(Value::as_u64).unwrap_or(0),
        malformed_json: flag("malformed_json"),
        drop: flag("drop"),
        reset: flag("reset"),
        hang: flag("hang"),
        firehose_bytes: match b.get("firehose_bytes") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|n| *n <= FIREHOSE_MAX)
                    .ok_or_else(|| bad("'firehose_bytes' must be an integer from 0 to 4 GiB"))?,
            ),
        },
        ws_drop_after_bytes: b
            .get("ws_drop_after_bytes")
            .and_then(Value::as_u64)
            .map(|n| n as usize),
        times,
    })
}

async fn add_fault(State(emu): S, body: Bytes) -> R {
    let f = parse_fault(&parse_json(&body)?)?;
    let id = f.id.clone();
    emu.add_fault(f);
    Ok(json_response(StatusCode::CREATED, &json!({ "id": id })))
}

async fn clear_faults(State(emu): S) -> Response {
    emu.clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

async fn requests(State(emu): S) -> R {
    ok(Value::Array(emu.requests()))
}

async fn clear_requests(State(emu): S) -> Response {
    emu.clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

fn str_field(b: &Value, key: &str, default: &str) -> Result<String, HttpError> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad(&format!("'{key}' must be a string"))),
    }
}

async fn create_app(State(emu): S, body: Bytes) -> R {
    let b = parse_json(&body)?;
    if !b.is_object() {
        return Err(bad("a JSON object (a partial App) is expected"));
    }
    let now = chrono::Utc::now();
    let id = str_field(&b, "id", &uuid::Uuid::new_v4().to_string())?;
    if id.is_empty() {
        return Err(bad("'id' must not be empty"));
    }
    let cluster = str_field(&b, "cluster_name", "default")?;
    let org = str_field(&b, "org_name", "superorg")?;
    let project = str_field(&b, "project_name", "alpha")?;
    let template = str_field(&b, "template_name", "shell")?;
    let state = str_field(&b, "state", "healthy")?;
    let state = intern_state(&state).map(str::to_string).unwrap_or(state);
    let name = str_field(&b, "name", &app_name(&org, &project, &template, &id))?;
    let time = |k: &str| -> Result<chrono::DateTime<chrono::Utc>, HttpError> {
        match b.get(k) {
            None | Some(Value::Null) => Ok(now),
            Some(Value::String(s)) => {
                parse_iso(s).ok_or_else(|| bad(&format!("'{k}' must be an ISO 8601 timestamp")))
            }
            Some(_) => Err(bad(&format!("'{k}' must be a string"))),
        }
    };
    let created_at = time("created_at")?;
    let endpoints = match b.get("endpoints") {
        None | Some(Value::Null) => vec![],
        Some(v) => serde_json::from_value::<Vec<String>>(v.clone())
            .map_err(|_| bad("'endpoints' must be a list of strings"))?,
    };
    let app = App {
        id: id.clone(),
        display_name: str_field(&b, "display_name", &name)?,
        template_version: str_field(&b, "template_version", "v25.5.1")?,
        namespace: str_field(&b, "namespace", &format!("apolo-{org}-{project}"))?,
        creator: str_field(&b, "creator", "user")?,
        name,
        template_name: template,
        project_name: project,
        org_name: org,
        cluster_name: cluster,
        state: "queued".into(),
        created_at,
        updated_at: time("updated_at")?,
        endpoints,
    };
    let input = b.get("input").cloned().unwrap_or(json!({}));
    let mut store = emu.store();
    let seq = store.next_seq();
    let mut rec = Record::new(app, input, seq);
    rec.events.push(Event::created(created_at));
    if state != "queued" {
        let keep = rec.app.endpoints.clone();
        let updated = rec.app.updated_at;
        rec.transition(
            &state,
            created_at.max(updated),
            "Created",
            Some("Created through the emulator control API"),
        );
        if !keep.is_empty() {
            rec.app.endpoints = keep;
        }
    }
    if let Some(o) = b.get("output").filter(|o| o.is_object()) {
        rec.output = Some(o.clone());
    }
    rec.synthetic_events = opt_usize(&b, "events", 0)?;
    let out = rec.app.to_json();
    store.insert(rec);
    drop(store);
    emu.notify();
    Ok(json_response(StatusCode::CREATED, &out))
}

async fn force_state(State(emu): S, P(id): P<String>, body: Bytes) -> R {
    let b = parse_json(&body)?;
    let state = b
        .get("state")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("'state' is required"))?;
    let app = emu
        .store()
        .force_state(&id, state, chrono::Utc::now())
        .ok_or_else(HttpError::app_not_found)?;
    emu.notify();
    ok(app.to_json())
}

async fn token(body: Bytes) -> R {
    let b = parse_json_or_empty(&body)?;
    let user = b.get("user").and_then(Value::as_str).unwrap_or("user");
    if user.is_empty() {
        return Err(bad("'user' must not be empty"));
    }
    ok(json!({ "token": crate::auth::mint_token(user) }))
}

/// `{name, version, input, ...}`: what `GET .../templates/{name}/{version}` (and `/schema`) answer from
/// now on; other detail fields default to the catalogue's (or empty ones for a new name).
async fn set_template(State(emu): S, body: Bytes) -> R {
    let Value::Object(fields) = parse_json(&body)? else {
        return Err(bad("a JSON object {name, version, input} is expected"));
    };
    let text = |k: &str| {
        fields
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && *s != "latest")
            .map(str::to_string)
    };
    let name = text("name").ok_or_else(|| bad("'name' (a non-empty string) is required"))?;
    let version = text("version")
        .ok_or_else(|| bad("'version' (a non-empty string, not latest) is required"))?;
    if !fields.contains_key("input") {
        return Err(bad("'input' (a JSON Schema) is required"));
    }
    let mut detail = match crate::catalog::find(&name) {
        Some(t) => t.detail(&version),
        None => json!({"name": name, "title": name, "version": version, "short_description": "",
            "description": "", "tags": []}),
    };
    if let Some(d) = detail.as_object_mut() {
        // Moved, not cloned: hostile schemas are megabytes.
        d.extend(fields);
    }
    let created = json!({"name": name, "version": version});
    emu.set_template(name, version, &detail);
    Ok(json_response(StatusCode::CREATED, &created))
}

async fn stats(State(emu): S) -> R {
    ok(emu.stats())
}
