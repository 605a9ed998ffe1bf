//! Command line, router assembly and the connection loop (which adds faults, the request log and
//! the body limit in front of the router, because a dropped connection cannot be expressed in axum).

use crate::emu::{Emu, Fault, Settings};
use crate::logs::DropAfter;
use crate::seed::{GenSizes, SeedKind};
use crate::util::{json_response, text_response, ApiError, PagesMode};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use clap::Parser;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use serde_json::{json, Map, Value};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

pub const BODY_LIMIT: usize = 1024 * 1024;
/// Bodies kept in the request log are cut here, so the log stays small.
pub const LOGGED_BODY_LIMIT: usize = 64 * 1024;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum UnknownTemplate {
    #[value(name = "null")]
    Null,
    #[value(name = "404")]
    NotFound,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "apolo-apps-emulator",
    version,
    about = "Local emulator of the Apolo Apps API (see emulator/README.md)"
)]
pub struct Options {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port; 0 = any free port.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Initial data.
    #[arg(long, value_enum, default_value_t = SeedKind::Demo)]
    pub seed: SeedKind,
    /// Generated seed: number of apps.
    #[arg(long, default_value_t = 1000)]
    pub gen_apps: usize,
    /// Generated seed: events per app.
    #[arg(long, default_value_t = 200)]
    pub gen_events: usize,
    /// Generated seed: bytes of archived log per app.
    #[arg(long, default_value_t = 1_048_576)]
    pub gen_log_bytes: usize,
    /// Clock speed; 0 = instant mode.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Enable the /_emulator/ control API.
    #[arg(long)]
    pub control: bool,
    /// Answer for an unknown template: 200 null, or 404.
    #[arg(long, value_enum, default_value_t = UnknownTemplate::Null)]
    pub unknown_template: UnknownTemplate,
    /// Status of input-validation errors.
    #[arg(long, default_value_t = 422, value_parser = parse_validation_status)]
    pub validation_status: u16,
    /// The `pages` field of pagination envelopes.
    #[arg(long, value_enum, default_value_t = PagesMode::Ceil)]
    pub pages: PagesMode,
    /// Serve a static folder: PREFIX=DIR (repeatable).
    #[arg(long = "serve", value_parser = parse_serve)]
    pub serve: Vec<(String, PathBuf)>,
    /// Allow this origin (or `*`) through CORS.
    #[arg(long)]
    pub cors_origin: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options::parse_from(["apolo-apps-emulator"])
    }
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err("a number >= 0".into()),
    }
}

fn parse_validation_status(s: &str) -> Result<u16, String> {
    match s {
        "400" => Ok(400),
        "422" => Ok(422),
        _ => Err("400 or 422".into()),
    }
}

fn parse_serve(s: &str) -> Result<(String, PathBuf), String> {
    let (prefix, dir) = s.split_once('=').ok_or("PREFIX=DIR expected")?;
    if !prefix.starts_with('/') || dir.is_empty() {
        return Err("PREFIX must start with '/' and DIR must not be empty".into());
    }
    let prefix = prefix.trim_end_matches('/');
    Ok((
        if prefix.is_empty() {
            "/".into()
        } else {
            prefix.into()
        },
        PathBuf::from(dir),
    ))
}

pub struct Running {
    pub addr: SocketAddr,
    pub token: String,
    pub emu: Arc<Emu>,
    pub task: tokio::task::JoinHandle<()>,
}

fn not_found() -> Response {
    ApiError::not_found().into_response()
}

/// ServeDir plus the MIME types browsers insist on for modules and wasm.
fn static_service(
    dir: PathBuf,
) -> tower::util::BoxCloneSyncService<Request<Body>, Response, Infallible> {
    let serve = tower_http::services::ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .fallback(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(not_found())
        }));
    tower::util::BoxCloneSyncService::new(tower::service_fn(move |req: Request<Body>| {
        let serve = serve.clone();
        async move {
            let path = req.uri().path().to_string();
            let mut res = match serve.oneshot(req).await {
                Ok(r) => r.map(Body::new),
                Err(_) => not_found(),
            };
            let mime = if path.ends_with(".wasm") {
                Some("application/wasm")
            } else if path.ends_with(".js") || path.ends_with(".mjs") {
                Some("text/javascript; charset=utf-8")
            } else {
                None
            };
            if let (Some(m), true) = (mime, res.status().is_success()) {
                res.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static(m));
            }
            Ok::<_, Infallible>(res)
        }
    }))
}

pub fn build_router(emu: Arc<Emu>, opts: &Options) -> Router {
    let mut r = crate::api::router().merge(crate::logs::router());
    if emu.control {
        r = r.merge(crate::control::router());
    }
    let mut root = None;
    for (prefix, dir) in &opts.serve {
        if prefix == "/" {
            root = Some(static_service(dir.clone()));
        } else {
            r = r.nest_service(prefix, static_service(dir.clone()));
        }
    }
    let r = r.method_not_allowed_fallback(|| async {
        ApiError::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
    });
    let r = match root {
        Some(svc) => r.fallback_service(svc),
        None => r.fallback(|| async { not_found() }),
    };
    r.with_state(emu)
}

fn cors(opts: &Options) -> Option<CorsLayer> {
    let origin = opts.cors_origin.as_deref()?;
    let allow = if origin == "*" {
        AllowOrigin::any()
    } else {
        AllowOrigin::exact(HeaderValue::from_str(origin).ok()?)
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::HEAD,
                Method::OPTIONS,
            ])
            // `*` would not cover Authorization, so echo what the preflight asks for.
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers([
                header::RETRY_AFTER,
                header::HeaderName::from_static("x-error"),
                header::HeaderName::from_static("x-separator"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

fn fault_response(f: &Fault) -> Response {
    let status = f
        .status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = if f.malformed_json {
        let mut r = Response::new(Body::from(r#"{"items": [{"id": "#));
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        r
    } else {
        match &f.body {
            None | Some(Value::Null) => Response::new(Body::empty()),
            Some(Value::String(s)) => text_response(StatusCode::OK, s),
            Some(v) => json_response(StatusCode::OK, v),
        }
    };
    *res.status_mut() = status;
    for (k, v) in &f.headers {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let (Ok(n), Ok(v)) = (
            header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&text),
        ) {
            res.headers_mut().insert(n, v);
        }
    }
    if let Some(ra) = &f.retry_after {
        let text = match ra {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if let Ok(v) = HeaderValue::from_str(&text) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}

fn record_entry(parts: &axum::http::request::Parts, body: &Bytes) -> Value {
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.get_mut(name.as_str()) {
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&v);
            }
            _ => {
                headers.insert(name.as_str().to_string(), Value::String(v));
            }
        }
    }
    json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query().unwrap_or(""),
        "headers": headers,
        "body": if body.is_empty() { Value::Null } else { Value::String(String::from_utf8_lossy(&body[..body.len().min(LOGGED_BODY_LIMIT)]).into_owned()) },
    })
}

fn too_large() -> Response {
    ApiError::detail(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large").into_response()
}

async fn front(
    emu: Arc<Emu>,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response, BoxError> {
    let is_control = req.uri().path().starts_with("/_emulator/");
    let (mut parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return Ok(too_large());
    }
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Ok(too_large()),
        Err(e) => return Err(e),
    };
    if !is_control {
        emu.tick();
        emu.record(record_entry(&parts, &bytes));
        if let Some(f) = emu.take_fault(parts.method.as_str(), parts.uri.path()) {
            if f.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
            }
            if f.drop {
                return Err("fault: connection dropped".into());
            }
            if f.status.is_some() || f.malformed_json {
                return Ok(fault_response(&f));
            }
            if let Some(n) = f.ws_drop_after_bytes {
                parts.extensions.insert(DropAfter(n));
            }
        }
    }
    let req = Request::from_parts(parts, Body::from(bytes));
    match router.oneshot(req).await {
        Ok(r) => Ok(r),
        Err(never) => match never {},
    }
}

pub async fn start(opts: Options) -> std::io::Result<Running> {
    let settings = Settings {
        unknown_template: opts.unknown_template == UnknownTemplate::NotFound,
        validation_status: opts.validation_status,
        pages: opts.pages,
    };
    let sizes = GenSizes {
        apps: opts.gen_apps,
        events: opts.gen_events,
        log_bytes: opts.gen_log_bytes,
    };
    let emu = Arc::new(Emu::new(
        opts.seed,
        sizes,
        opts.speed,
        settings,
        opts.control,
    ));
    let listener = tokio::net::TcpListener::bind((opts.host.as_str(), opts.port)).await?;
    let addr = listener.local_addr()?;
    for (prefix, dir) in &opts.serve {
        if !dir.is_dir() {
            eprintln!(
                "warning: --serve {prefix}={}: not a directory (everything under it is 404)",
                dir.display()
            );
        }
    }
    let router = build_router(emu.clone(), &opts);

    // The clock: due transitions are applied even when no request comes in.
    let weak = Arc::downgrade(&emu);
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(20));
        loop {
            iv.tick().await;
            match weak.upgrade() {
                Some(e) => e.tick(),
                None => return,
            }
        }
    });

    let front_emu = emu.clone();
    let inner = tower::service_fn(move |req: Request<Incoming>| {
        front(front_emu.clone(), router.clone(), req)
    });
    let svc = tower::ServiceBuilder::new()
        .option_layer(cors(&opts))
        .service(inner);
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok((s, _)) => s,
                Err(e) => {
                    eprintln!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let hyper_svc = TowerToHyperService::new(svc.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(stream), hyper_svc)
                    .await;
            });
        }
    });
    Ok(Running {
        addr,
        token: emu.dev_token.clone(),
        emu,
        task,
    })
}
