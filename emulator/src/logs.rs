//! platform-monitoring's app routes: `log_ws`, `log`, `containers`.

use crate::emu::Emu;
use crate::http::{json_response, text_response, Query};
use crate::record::{is_running, Record};
use crate::util::{parse_iso, ts, ts_nanos};
use axum::body::{Body, Bytes};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Duration as CDuration, Utc};
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::json;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::mpsc;

/// Set by the fault layer: cut the stream after this many payload bytes.
#[derive(Clone, Copy, Debug)]
pub struct DropAfter(pub usize);

/// Set by the fault layer: serve this many bytes of filler lines instead of the app's log.
#[derive(Clone, Copy, Debug)]
pub struct Firehose(pub u64);
const FIREHOSE_CHUNK: usize = 64 * 1024;
const FIREHOSE_LINE: usize = 64;

const MESSAGES: [&str; 8] = [
    "Pulling image",
    "Starting container",
    "Loading configuration",
    "Listening on 0.0.0.0:8080",
    "Health check passed",
    "Handled GET / in 3ms",
    "Cache warmed",
    "Handled POST /api in 12ms",
];
const ARCHIVE_STEP_MS: i64 = 100;
const CHUNK: usize = 16 * 1024;
const PING_EVERY: Duration = Duration::from_secs(30);

pub fn router() -> Router<Arc<Emu>> {
    Router::new()
        .route("/api/v1/apps/{id}/log_ws", get(log_ws))
        .route("/api/v1/apps/{id}/log", get(log_http))
        .route("/api/v1/apps/{id}/containers", get(containers))
}

/// The app id of a monitoring route; an undecodable one is answered like an unknown app.
pub struct MonId(pub String);

impl<St: Send + Sync> axum::extract::FromRequestParts<St> for MonId {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &St,
    ) -> Result<Self, Response> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| MonId(id))
            .map_err(|_| {
                mon_error(
                    StatusCode::NOT_FOUND,
                    &json!({"error": "Platform-apps: Not Found"}),
                    true,
                )
            })
    }
}

/// The text (without prefix/timestamp) of archive line `k`.
pub fn archive_text(rec: &Record, k: usize) -> String {
    let containers = rec.containers();
    let c = &containers[k % containers.len()];
    format!(
        "{} {}: {} (line {})\n",
        rec.app.template_name,
        c,
        MESSAGES[k % MESSAGES.len()],
        k
    )
}

#[derive(Clone, Debug, Default)]
pub struct Params {
    pub since: Option<DateTime<Utc>>,
    pub timestamps: bool,
    pub prefix: bool,
    pub containers: Vec<String>,
    /// `/log` with `Accept: application/x-ndjson`: one JSON object per line.
    pub ndjson: bool,
}

fn bool_param(q: &Query, key: &str) -> Result<bool, String> {
    match q.get(key).map(|s| s.to_ascii_lowercase()) {
        None => Ok(false),
        Some(s) if s == "true" || s == "1" => Ok(true),
        Some(s) if s == "false" || s == "0" => Ok(false),
        Some(_) => Err(format!(
            "\"{key}\" request parameter can be \"true\"/\"1\" or \"false\"/\"0\""
        )),
    }
}

pub fn parse_params(q: &Query) -> Result<Params, String> {
    let since = match q.get("since") {
        None => None,
        Some(s) => Some(parse_iso(s).ok_or_else(|| format!("Invalid isoformat string: '{s}'"))?),
    };
    bool_param(q, "debug")?;
    Ok(Params {
        since,
        timestamps: bool_param(q, "timestamps")?,
        prefix: bool_param(q, "prefix")?,
        containers: q.all("container").into_iter().map(str::to_string).collect(),
        ndjson: false,
    })
}

fn mon_error(status: StatusCode, body: &serde_json::Value, ws: bool) -> Response {
    let mut r = json_response(status, body);
    if ws {
        if let Ok(v) = HeaderValue::from_str(&body.to_string()) {
            r.headers_mut().insert("x-error", v);
        }
    }
    r
}

fn unauthorized() -> Response {
    let mut r = text_response(StatusCode::UNAUTHORIZED, "401: Unauthorized");
    r.headers_mut()
        .insert("x-error", HeaderValue::from_static("401: Unauthorized"));
    r
}

/// Auth, parameters, app: the checks done before any byte of log is sent.
fn prepare(
    emu: &Emu,
    id: &str,
    headers: &HeaderMap,
    raw: Option<&str>,
    ws: bool,
) -> Result<Params, Box<Response>> {
    let q = Query::parse(raw);
    if crate::auth::monitoring_user(headers, q.get("neuro-auth-token")).is_none() {
        return Err(Box::new(unauthorized()));
    }
    let params = parse_params(&q).map_err(|e| {
        Box::new(mon_error(
            StatusCode::BAD_REQUEST,
            &json!({ "error": e }),
            ws,
        ))
    })?;
    if emu.store().get(id).is_none() {
        return Err(Box::new(mon_error(
            StatusCode::NOT_FOUND,
            &json!({"error": "Platform-apps: Not Found"}),
            ws,
        )));
    }
    Ok(params)
}

fn separator() -> String {
    let mut rng = rand::rng();
    let hex: String = (0..60)
        .map(|_| format!("{:x}", rng.random_range(0..16u8)))
        .collect();
    format!("=== Live logs ==={hex}")
}

fn live_period(speed: f64) -> Duration {
    if speed > 0.0 && speed.is_finite() {
        Duration::from_secs_f64((0.2 / speed).clamp(0.005, 60.0))
    } else {
        Duration::from_millis(200)
    }
}

/// Sends what `buf` holds as one chunk and empties it; false when the reader is gone.
async fn flush(tx: &mpsc::Sender<Bytes>, buf: &mut String) -> bool {
    tx.send(Bytes::from(std::mem::take(buf))).await.is_ok()
}

/// Writes the stream into `tx`; every send is awaited, so a slow reader slows the producer.
pub async fn produce(emu: Arc<Emu>, id: String, p: Params, sep: String, tx: mpsc::Sender<Bytes>) {
    let snapshot = {
        let store = emu.store();
        store.get(&id).map(|r| (r.clone_light(), r.containers()))
    };
    let Some((rec, containers)) = snapshot else {
        return;
    };
    let pod = format!("{}-0", rec.app.name);
    let wanted = |c: &str| p.containers.is_empty() || p.containers.iter().any(|x| x == c);
    let created = rec.app.created_at;
    let start = match p.since {
        Some(s) if s > created => s,
        _ => created,
    };
    let first_k =
        ((start - created).num_milliseconds().max(0) as usize).div_ceil(ARCHIVE_STEP_MS as usize);
    let mut buf = String::new();
    let mut sent_archive = false;
    for k in first_k..rec.archive_lines {
        let c = &containers[k % containers.len()];
        if !wanted(c) {
            continue;
        }
        let mut line = String::new();
        if p.timestamps {
            let at = created + CDuration::milliseconds(k as i64 * ARCHIVE_STEP_MS);
            line.push_str(&ts(&at));
            line.push(' ');
        }
        line.push_str(&archive_text(&rec, k));
        if p.ndjson {
            let v =
                json!({"container": c, "log": line, "pod": pod, "namespace": rec.app.namespace});
            buf.push_str(&v.to_string());
            buf.push('\n');
        } else {
            if p.prefix {
                buf.push_str(&format!("{pod}/{c} "));
            }
            buf.push_str(&line);
        }
        sent_archive = true;
        if buf.len() >= CHUNK && !flush(&tx, &mut buf).await {
            return;
        }
    }
    if !buf.is_empty() && !flush(&tx, &mut buf).await {
        return;
    }

    let mut changes = emu.changes.subscribe();
    let mut interval = tokio::time::interval(live_period(emu.speed()));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval.tick().await;
    let mut n: usize = 0;
    let mut need_sep = sent_archive && !p.ndjson;
    loop {
        let running = emu
            .store()
            .get(&id)
            .is_some_and(|r| is_running(&r.app.state));
        if !running {
            return;
        }
        tokio::select! {
            _ = interval.tick() => {
                let c = &containers[n % containers.len()];
                n += 1;
                if !wanted(c) {
                    continue;
                }
                let mut line = String::new();
                if need_sep {
                    line.push_str(&sep);
                    line.push('\n');
                    need_sep = false;
                }
                if p.prefix {
                    line.push_str(&format!("[{pod}/{c}] "));
                }
                if p.timestamps {
                    line.push_str(&ts_nanos(&Utc::now()));
                    line.push(' ');
                }
                line.push_str(&format!("{} {}: live line {}\n", rec.app.template_name, c, n - 1));
                if p.ndjson {
                    let log = line.split_once(&format!("[{pod}/{c}] ")).map_or(line.as_str(), |x| x.1);
                    line = format!("{}\n", json!({"pod": pod, "container": c, "log": log}));
                }
                if tx.send(Bytes::from(line)).await.is_err() {
                    return;
                }
            }
            r = changes.changed() => {
                if r.is_err() { return; }
            }
            _ = tx.closed() => return,
        }
    }
}

/// 64 KiB of 64-byte lines, built once and shared by every firehose.
fn firehose_chunk() -> Bytes {
    static CHUNK: OnceLock<Bytes> = OnceLock::new();
    CHUNK
        .get_or_init(|| {
            let mut s = String::with_capacity(FIREHOSE_CHUNK);
            for i in 0..FIREHOSE_CHUNK / FIREHOSE_LINE {
                let head = format!("firehose line {i:04} ");
                s.push_str(&head);
                s.push_str(&"x".repeat(FIREHOSE_LINE - 1 - head.len()));
                s.push('\n');
            }
            Bytes::from(s)
        })
        .clone()
}

/// `total` bytes of filler as fast as the reader takes them (each send is awaited), then the end.
pub async fn firehose(total: u64, tx: mpsc::Sender<Bytes>) {
    let chunk = firehose_chunk();
    let mut left = total;
    while left > 0 {
        let n = left.min(FIREHOSE_CHUNK as u64) as usize;
        if tx.send(chunk.slice(..n)).await.is_err() {
            return;
        }
        left -= n as u64;
    }
}

/// The producer of a stream: the app's log, or a firehose fault's filler.
fn spawn_producer(
    emu: Arc<Emu>,
    id: String,
    params: Params,
    sep: String,
    fire: Option<u64>,
    tx: mpsc::Sender<Bytes>,
) -> tokio::task::JoinHandle<()> {
    match fire {
        Some(n) => tokio::spawn(firehose(n, tx)),
        None => tokio::spawn(produce(emu, id, params, sep, tx)),
    }
}

async fn log_ws(
    State(emu): State<Arc<Emu>>,
    MonId(id): MonId,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    drop_after: Option<axum::Extension<DropAfter>>,
    fire: Option<axum::Extension<Firehose>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let params = match prepare(&emu, &id, &headers, q.as_deref(), true) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(_) => {
            return mon_error(
                StatusCode::BAD_REQUEST,
                &json!({"error": "WebSocket upgrade expected"}),
                true,
            );
        }
    };
    let limit = drop_after.map(|e| e.0 .0);
    let fire = fire.map(|e| e.0 .0);
    ws.protocols(["logs.apolo.us"])
        .on_upgrade(move |socket| session(socket, emu, id, params, limit, fire))
}

async fn session(
    socket: WebSocket,
    emu: Arc<Emu>,
    id: String,
    params: Params,
    limit: Option<usize>,
    fire: Option<u64>,
) {
    let _gauge = emu.log_stream();
    let (tx, mut rx) = mpsc::channel::<Bytes>(2);
    let producer = spawn_producer(emu.clone(), id, params, separator(), fire, tx);
    let (mut sink, mut stream) = socket.split();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut sent = 0usize;
    loop {
        tokio::select! {
            chunk = rx.recv() => match chunk {
                Some(mut b) => {
                    if let Some(max) = limit {
                        if sent + b.len() >= max {
                            b.truncate(max - sent);
                            if !b.is_empty() {
                                let _ = sink.send(Message::Binary(b)).await;
                                let _ = sink.flush().await;
                            }
                            break; // dropping the socket cuts TCP without a close frame
                        }
                    }
                    sent += b.len();
                    emu.count_log_bytes(b.len());
                    if sink.send(Message::Binary(b)).await.is_err() {
                        break;
                    }
                }
                None => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame { code: 1000, reason: "".into() })))
                        .await;
                    // Give the client a moment to answer the close handshake.
                    let _ = tokio::time::timeout(Duration::from_secs(2), async {
                        while let Some(Ok(_)) = stream.next().await {}
                    })
                    .await;
                    break;
                }
            },
            msg = stream.next() => match msg {
                Some(Ok(Message::Close(_))) => {
                    // tungstenite queued the close reply; flush it so the client sees a clean 1000.
                    let _ = sink.close().await;
                    break;
                }
                None | Some(Err(_)) => break,
                Some(Ok(_)) => {} // client frames are ignored, as on the platform
            },
            _ = ping.tick() => {
                if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                    break;
                }
            }
        }
    }
    producer.abort();
}

async fn log_http(
    State(emu): State<Arc<Emu>>,
    MonId(id): MonId,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    drop_after: Option<axum::Extension<DropAfter>>,
    fire: Option<axum::Extension<Firehose>>,
) -> Response {
    let mut params = match prepare(&emu, &id, &headers, q.as_deref(), false) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    params.ndjson = headers
        .get_all(header::ACCEPT)
        .iter()
        .any(|v| v.to_str().is_ok_and(|s| s.contains("application/x-ndjson")));
    let content_type = if params.ndjson {
        "application/x-ndjson"
    } else {
        "text/plain; charset=utf-8"
    };
    let sep = separator();
    let (tx, rx) = mpsc::channel::<Bytes>(2);
    let gauge = Arc::new(emu.log_stream());
    let counter = emu.clone();
    spawn_producer(emu, id, params, sep.clone(), fire.map(|e| e.0 .0), tx);
    let limit = drop_after.map(|e| e.0 .0);
    let stream = futures_util::stream::unfold(
        (rx, 0usize, false),
        move |(mut rx, sent, done)| async move {
            if done {
                return None;
            }
            let mut b = rx.recv().await?;
            if let Some(max) = limit {
                if sent + b.len() >= max {
                    b.truncate(max - sent);
                    let item: Result<Bytes, std::io::Error> = if b.is_empty() {
                        Err(std::io::Error::other("fault: stream cut"))
                    } else {
                        Ok(b)
                    };
                    return Some((item, (rx, max, true)));
                }
            }
            let n = sent + b.len();
            Some((Ok(b), (rx, n, false)))
        },
    );
    let stream = stream.map(move |item| {
        if let Ok(b) = &item {
            counter.count_log_bytes(b.len());
        }
        item
    });
    // After a cut, end with an error so hyper aborts the connection instead of finishing cleanly.
    let stream = stream.chain(futures_util::stream::once(async move {
        drop(gauge);
        if limit.is_some() {
            Err(std::io::Error::other("fault: stream cut"))
        } else {
            Ok(Bytes::new())
        }
    }));
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&sep) {
        r.headers_mut().insert("x-separator", v);
    }
    r
}

async fn containers(
    State(emu): State<Arc<Emu>>,
    MonId(id): MonId,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let qq = Query::parse(q.as_deref());
    if crate::auth::monitoring_user(&headers, qq.get("neuro-auth-token")).is_none() {
        return unauthorized();
    }
    let store = emu.store();
    match store.get(&id) {
        Some(r) => json_response(StatusCode::OK, &json!(r.containers())),
        None => mon_error(
            StatusCode::NOT_FOUND,
            &json!({"error": "Platform-apps: Not Found"}),
            false,
        ),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emu::Settings;
    use crate::seed::{GenSizes, SeedKind};

    #[test]
    fn boolean_and_since_params() {
        let p = parse_params(&Query::parse(Some(
            "timestamps=TRUE&prefix=0&container=a&container=b",
        )))
        .unwrap();
        assert!(p.timestamps && !p.prefix);
        assert_eq!(p.containers, vec!["a", "b"]);
        let e = parse_params(&Query::parse(Some("timestamps=yes"))).unwrap_err();
        assert!(e.contains("\"timestamps\""), "{e}");
        assert!(parse_params(&Query::parse(Some("debug=2"))).is_err());
        assert!(parse_params(&Query::parse(Some("since=nope"))).is_err());
        let p = parse_params(&Query::parse(Some("since=2025-05-07T11:00:00%2B00:00"))).unwrap();
        assert_eq!(
            p.since.map(|t| ts(&t)).as_deref(),
            Some("2025-05-07T11:00:00.000000Z")
        );
    }

    #[tokio::test]
    async fn producer_waits_for_a_slow_reader() {
        let sizes = GenSizes {
            apps: 3,
            events: 0,
            log_bytes: 50_000_000,
        };
        let settings = Settings {
            unknown_template: false,
            validation_status: 422,
            pages: crate::http::PagesMode::Ceil,
            token_max_uses: None,
            token_ttl_ms: None,
        };
        let emu = Arc::new(Emu::new(SeedKind::Generated, sizes, 0.0, settings, false));
        let id = "00000002-0000-4000-8000-000000000000".to_string();
        let (tx, mut rx) = mpsc::channel::<Bytes>(2);
        let task = tokio::spawn(produce(emu, id, Params::default(), separator(), tx));
        tokio::time::sleep(Duration::from_millis(300)).await;
        // 50 MB of archive, but only the channel's two chunks exist while nobody reads.
        assert!(!task.is_finished());
        assert_eq!(rx.len(), 2);
        let first = rx.recv().await.unwrap();
        assert!(first.len() >= CHUNK && first.len() < 2 * CHUNK);
        drop(rx);
        // The producer notices the reader is gone and ends.
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .unwrap()
            .unwrap();
    }
}
