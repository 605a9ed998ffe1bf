//! Command line, router assembly and the connection loop (which adds faults, the request log and
//! the body limit in front of the router, because a dropped connection cannot be expressed in axum).

use crate::emu::{Emu, Fault, Settings};
use crate::http::{json_response, text_response, HttpError, PagesMode};
use crate::logs::{DropAfter, Firehose};
use crate::seed::{GenSizes, SeedKind};
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
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tower::ServiceExt;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};

pub const BODY_LIMIT: usize = 1024 * 1024;
/// Bodies kept in the request log are cut here, so the log stays small.
pub const LOGGED_BODY_LIMIT: usize = 64 * 1024;
/// Control bodies may be large: hostile template schemas of several MB.
pub const CONTROL_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// A `hang` fault gives up after this long even if the client stays.
pub const HANG_LIMIT: Duration = Duration::from_secs(600);
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
    /// Refuse (401) a token after this many requests presented it.
    #[arg(long)]
    pub token_max_uses: Option<u64>,
    /// Refuse (401) a token this many ms after its first request.
    #[arg(long)]
    pub token_ttl_ms: Option<u64>,
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
    HttpError::not_found().into_response()
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

fn build_router(emu: Arc<Emu>, opts: &Options) -> Router {
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
        HttpError::detail(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
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
                header::HeaderName::from_static("x-request-id"),
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

fn record_entry(
    parts: &axum::http::request::Parts,
    body: &Bytes,
    request_id: &str,
    fault: Option<&Fault>,
) -> Value {
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
        "request_id": request_id,
        "fault": fault.map(|f| f.id.as_str()),
    })
}

/// Per connection: set by a `reset` fault so the socket is closed with RST when hyper drops it.
#[derive(Clone, Default)]
pub struct ResetFlag(Arc<AtomicBool>);

/// The accepted socket, closed with a TCP reset when its `ResetFlag` is set.
struct ConnIo {
    inner: TcpStream,
    reset: ResetFlag,
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.reset.0.load(Ordering::SeqCst) {
            // SO_LINGER 0: close() sends RST and discards unsent data.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `host[:port]` split, brackets of an IPv6 literal removed.
fn split_host(authority: &str) -> (String, Option<&str>) {
    let a = authority.trim();
    if let Some(rest) = a.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            return (h.to_ascii_lowercase(), tail.strip_prefix(':'));
        }
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_ascii_lowercase(), Some(p)),
        _ => (a.to_ascii_lowercase(), None),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Control routes only for loopback Hosts and same-origin (or no) Origins, so that a web page a
/// browser has open cannot drive them (DNS rebinding gives a foreign Host; a cross-site fetch an Origin).
fn control_allowed(parts: &axum::http::request::Parts) -> bool {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()));
    let Some(host) = host else {
        return false;
    };
    let (h, port) = split_host(&host);
    if !is_loopback(&h) {
        return false;
    }
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return true;
    };
    let Some((scheme, rest)) = origin.to_str().ok().and_then(|o| o.split_once("://")) else {
        return false; // "null" and other opaque origins
    };
    let default = match scheme.to_ascii_lowercase().as_str() {
        "http" => "80",
        "https" => "443",
        _ => return false,
    };
    let (oh, oport) = split_host(rest.trim_end_matches('/'));
    oh == h && oport.unwrap_or(default) == port.unwrap_or(default)
}

/// The token a request presents (header, then WebSocket subprotocol, then query), as auth reads it.
fn presented_token(parts: &axum::http::request::Parts) -> Option<String> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION) {
        let v = v.to_str().ok()?;
        return Some(v.split_once(' ').map_or(v, |(_, t)| t).trim().to_string());
    }
    for value in parts.headers.get_all(header::SEC_WEBSOCKET_PROTOCOL) {
        if let Ok(s) = value.to_str() {
            if let Some(t) = s
                .split(' ')
                .find_map(|i| i.strip_prefix(crate::auth::SUBPROTOCOL_PREFIX))
            {
                return Some(t.to_string());
            }
        }
    }
    crate::http::Query::parse(parts.uri.query())
        .get("neuro-auth-token")
        .map(str::to_string)
}

fn with_request_id(mut res: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    res
}

fn too_large() -> Response {
    HttpError::detail(StatusCode::PAYLOAD_TOO_LARGE, "Request Entity Too Large").into_response()
}

async fn front(
    emu: Arc<Emu>,
    router: Router,
    req: Request<Incoming>,
) -> Result<Response, BoxError> {
    let is_control = req.uri().path().starts_with("/_emulator/");
    let (mut parts, body) = req.into_parts();
    if is_control && emu.control && !control_allowed(&parts) {
        return Ok(HttpError::detail(
            StatusCode::FORBIDDEN,
            "control API: only from a loopback Host and without a cross-origin Origin",
        )
        .into_response());
    }
    let limit = if is_control {
        CONTROL_BODY_LIMIT
    } else {
        BODY_LIMIT
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Ok(too_large());
    }
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(c) => c.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Ok(too_large()),
        Err(e) => return Err(e),
    };
    if is_control {
        let req = Request::from_parts(parts, Body::from(bytes));
        return match router.oneshot(req).await {
            Ok(r) => Ok(r),
            Err(never) => match never {},
        };
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    emu.tick();
    let fault = emu.take_fault(parts.method.as_str(), parts.uri.path());
    emu.record(record_entry(&parts, &bytes, &request_id, fault.as_ref()));
    if let Some(f) = fault {
        if f.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(f.delay_ms)).await;
        }
        if f.reset {
            if let Some(flag) = parts.extensions.get::<ResetFlag>() {
                flag.0.store(true, Ordering::SeqCst);
            }
            return Err("fault: connection reset".into());
        }
        if f.drop {
            return Err("fault: connection dropped".into());
        }
        if f.hang {
            // Dropped by hyper as soon as the client closes the connection.
            let _gauge = emu.hanging();
            tokio::time::sleep(HANG_LIMIT).await;
            return Err("fault: hang ended".into());
        }
        if f.status.is_some() || f.malformed_json || f.body.as_ref().is_some_and(|b| !b.is_null()) {
            return Ok(with_request_id(fault_response(&f), &request_id));
        }
        if let Some(n) = f.ws_drop_after_bytes {
            parts.extensions.insert(DropAfter(n));
        }
        if let Some(n) = f.firehose_bytes {
            parts.extensions.insert(Firehose(n));
        }
    }
    if presented_token(&parts).is_some_and(|t| emu.spend_token(&t)) {
        // Every route then answers as for an invalid token (the header wins over other token places).
        parts.headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer expired"),
        );
    }
    let req = Request::from_parts(parts, Body::from(bytes));
    match router.oneshot(req).await {
        Ok(r) => Ok(with_request_id(r, &request_id)),
        Err(never) => match never {},
    }
}

pub async fn start(opts: Options) -> std::io::Result<Running> {
    let settings = Settings {
        unknown_template: opts.unknown_template == UnknownTemplate::NotFound,
        validation_status: opts.validation_status,
        pages: opts.pages,
        token_max_uses: opts.token_max_uses,
        token_ttl_ms: opts.token_ttl_ms,
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
            let reset = ResetFlag::default();
            let flag = reset.clone();
            let conn_svc = svc.clone().map_request(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(flag.clone());
                req
            });
            let hyper_svc = TowerToHyperService::new(conn_svc);
            let io = ConnIo {
                inner: stream,
                reset,
            };
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(io), hyper_svc)
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
