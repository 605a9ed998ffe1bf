//! Monitoring: the logs WebSocket (archive, separator, live lines, close codes, handshake errors,
//! pings) and the plain-HTTP `/log` variant.

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::*;

async fn ws_connect(
    e: &Emu,
    path: &str,
    protocols: Option<String>,
    header_token: bool,
) -> Result<(Ws, Option<String>), tokio_tungstenite::tungstenite::Error> {
    let mut req = e.ws_url(path).into_client_request().unwrap();
    if let Some(p) = protocols {
        req.headers_mut()
            .insert("sec-websocket-protocol", HeaderValue::from_str(&p).unwrap());
    }
    if header_token {
        req.headers_mut().insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {}", e.token)).unwrap(),
        );
    }
    let (ws, resp) = tokio_tungstenite::connect_async(req).await?;
    let proto = resp
        .headers()
        .get("sec-websocket-protocol")
        .map(|v| v.to_str().unwrap().to_string());
    Ok((ws, proto))
}

/// Opens a log stream with the token in the Authorization header; the handshake must succeed.
async fn ws_open(e: &Emu, path: &str) -> Ws {
    let (ws, _) = ws_connect(e, path, None, true).await.unwrap();
    ws
}

/// Reads binary frames until `pred` holds on the text so far, or the socket closes.
/// Returns (text, close code if closed).
async fn read_until(ws: &mut Ws, pred: impl Fn(&str) -> bool) -> (String, Option<u16>) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("timed out reading logs");
        match msg {
            Some(Ok(Message::Binary(b))) => {
                text.push_str(std::str::from_utf8(&b).unwrap());
                if pred(&text) {
                    return (text, None);
                }
            }
            Some(Ok(Message::Close(f))) => {
                return (text, Some(f.map(|f| u16::from(f.code)).unwrap_or(0)))
            }
            Some(Ok(Message::Text(t))) => panic!("text frame sent: {t}"),
            Some(Ok(_)) => {}
            Some(Err(err)) => panic!("ws error: {err}"),
            None => return (text, Some(0)),
        }
    }
}

#[tokio::test]
async fn logs_archive_separator_live_then_close_on_stop() {
    let e = emu(&["--control", "--speed", "0"]).await;
    let proto = format!("logs.apolo.us, bearer.apolo.us-{}", e.token);
    let (mut ws, selected) = ws_connect(
        &e,
        &format!("/api/v1/apps/{VSCODE}/log_ws"),
        Some(proto),
        false,
    )
    .await
    .unwrap();
    assert_eq!(selected.as_deref(), Some("logs.apolo.us"));
    ws.send(Message::Text("ignored".into())).await.unwrap();
    let (text, closed) = read_until(&mut ws, |t| t.contains("live line 1\n")).await;
    assert_eq!(closed, None);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "vscode vscode: Pulling image (line 0)");
    assert_eq!(
        lines[39],
        "vscode vscode: Handled POST /api in 12ms (line 39)"
    );
    assert!(lines[40].starts_with("=== Live logs ==="));
    assert_eq!(lines[40].len(), "=== Live logs ===".len() + 60);
    assert!(lines[40]["=== Live logs ===".len()..]
        .chars()
        .all(|c| c.is_ascii_hexdigit()));
    assert_eq!(lines[41], "vscode vscode: live line 0");
    // Stopping the app ends the stream with 1000.
    let (s, _) = e
        .post(
            &format!("/_emulator/apps/{VSCODE}/state"),
            json!({"state": "errored"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, closed) = read_until(&mut ws, |_| false).await;
    assert_eq!(closed, Some(1000));
}

#[tokio::test]
async fn logs_of_a_stopped_app_are_archive_then_close() {
    let e = emu(&[]).await;
    let (mut ws, selected) = ws_connect(
        &e,
        &format!(
            "/api/v1/apps/{UNINSTALLED}/log_ws?neuro-auth-token={}&timestamps=true",
            e.token
        ),
        None,
        false,
    )
    .await
    .unwrap();
    assert_eq!(selected, None, "nothing offered, nothing selected");
    let (text, closed) = read_until(&mut ws, |_| false).await;
    assert_eq!(closed, Some(1000));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 40, "no separator without live lines");
    // created_at of the 9th demo app = 2025-05-07T11:00Z + 8 h.
    assert_eq!(
        lines[0],
        "2025-05-07T19:00:00.000000Z shell shell: Pulling image (line 0)"
    );
    assert_eq!(
        lines[1],
        "2025-05-07T19:00:00.100000Z shell shell: Starting container (line 1)"
    );
}

#[tokio::test]
async fn logs_since_prefix_container_filters() {
    let e = emu(&[]).await;
    // SD was created 2025-05-07T11:00Z; since +3 s skips 30 lines; containers alternate app/model-loader.
    let path = format!("/api/v1/apps/{SD}/log_ws?since=2025-05-07T11:00:03%2B00:00&prefix=true&container=model-loader");
    let mut ws = ws_open(&e, &path).await;
    let (text, _) = read_until(&mut ws, |t| t.contains("live line")).await;
    let lines: Vec<&str> = text.lines().collect();
    let pod = "superorg-test3-stable-diffusion-704285b2-0";
    assert_eq!(
        lines[0],
        format!(
            "{pod}/model-loader stable-diffusion model-loader: Handled POST /api in 12ms (line 31)"
        )
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("(line ")).count(),
        5,
        "lines 31,33,35,37,39"
    );
    assert!(lines.iter().all(|l| !l.contains(" app: ")));
    let live = lines.iter().find(|l| l.contains("live line")).unwrap();
    assert!(
        live.starts_with(&format!("[{pod}/model-loader] ")),
        "{live}"
    );
    // since before created_at is clamped: the full archive.
    let mut ws = ws_open(&e, &format!("/api/v1/apps/{SD}/log_ws?since=2020-01-01")).await;
    let (text, _) = read_until(&mut ws, |t| t.contains("live line")).await;
    assert!(text.starts_with("stable-diffusion app: Pulling image (line 0)\n"));
    // Live lines with timestamps carry nanoseconds.
    let mut ws = ws_open(
        &e,
        &format!("/api/v1/apps/{SD}/log_ws?timestamps=1&since=2030-01-01T00:00:00Z"),
    )
    .await;
    let (text, _) = read_until(&mut ws, |t| t.contains("live line")).await;
    assert!(
        !text.contains("=== Live logs ==="),
        "no archive, no separator: {text}"
    );
    let ts = text.split(' ').next().unwrap();
    assert_eq!(ts.len(), "2025-05-07T11:00:00.000000000Z".len(), "{ts}");
}

#[tokio::test]
async fn logs_handshake_errors_have_status_and_x_error() {
    let e = emu(&[]).await;
    let status_of = |r: Result<(Ws, Option<String>), tokio_tungstenite::tungstenite::Error>| match r
    {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let xe = resp
                .headers()
                .get("x-error")
                .map(|v| v.to_str().unwrap().to_string());
            (resp.status().as_u16(), xe)
        }
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("handshake should fail"),
    };
    let (s, xe) =
        status_of(ws_connect(&e, &format!("/api/v1/apps/{SD}/log_ws"), None, false).await);
    assert_eq!((s, xe.as_deref()), (401, Some("401: Unauthorized")));
    // Bearer entry first: the trailing comma spoils the token, as on the platform.
    let (s, _) = status_of(
        ws_connect(
            &e,
            &format!("/api/v1/apps/{SD}/log_ws"),
            Some(format!("bearer.apolo.us-{}, logs.apolo.us", e.token)),
            false,
        )
        .await,
    );
    assert_eq!(s, 401);
    let (s, xe) = status_of(ws_connect(&e, "/api/v1/apps/nope/log_ws", None, true).await);
    assert_eq!(s, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&xe.unwrap()).unwrap(),
        json!({"error": "Platform-apps: Not Found"})
    );
    let (s, xe) = status_of(
        ws_connect(
            &e,
            &format!("/api/v1/apps/{SD}/log_ws?timestamps=maybe"),
            None,
            true,
        )
        .await,
    );
    assert_eq!(s, 400);
    assert!(xe.unwrap().contains("timestamps"));
    let (s, _) = status_of(
        ws_connect(
            &e,
            &format!("/api/v1/apps/{SD}/log_ws?since=not-a-date"),
            None,
            true,
        )
        .await,
    );
    assert_eq!(s, 400);
    // containers route
    let (s, v) = e.get(&format!("/api/v1/apps/{SD}/containers")).await;
    assert_eq!((s, v), (StatusCode::OK, json!(["app", "model-loader"])));
    let r = e
        .send_anon(Method::GET, &format!("/api/v1/apps/{SD}/containers"))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logs_ws_drop_after_bytes_and_http_variant() {
    let e = emu(&[
        "--control",
        "--seed",
        "generated",
        "--gen-apps",
        "5",
        "--gen-log-bytes",
        "200000",
    ])
    .await;
    let healthy = "00000002-0000-4000-8000-000000000000";
    e.post(
        "/_emulator/faults",
        json!({"path": "/api/v1/apps/*/log_ws", "ws_drop_after_bytes": 1000, "times": 1}),
    )
    .await;
    let mut ws = ws_open(&e, &format!("/api/v1/apps/{healthy}/log_ws")).await;
    let mut got = 0usize;
    let mut clean_close = false;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(5), ws.next()).await {
        match msg {
            Ok(Message::Binary(b)) => got += b.len(),
            Ok(Message::Close(_)) => clean_close = true,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert_eq!(got, 1000);
    assert!(!clean_close, "cut without a close frame");
    // HTTP variant of a large stopped-app archive streams completely with the separator header.
    let stopped = "00000004-0000-4000-8000-000000000000"; // errored
    let r = e
        .send(Method::GET, &format!("/api/v1/apps/{stopped}/log"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "x-separator").starts_with("=== Live logs ==="));
    let body = r.text().await.unwrap();
    assert!(body.len() >= 200_000 - 100, "{}", body.len());
    assert!(
        body.starts_with("postgres postgres: Pulling image (line 0)\n"),
        "{}",
        &body[..80]
    );
    assert!(
        !body.contains("=== Live logs ==="),
        "a stopped app has no live part"
    );
}

#[tokio::test]
async fn slow_reader_does_not_stall_the_server() {
    let e = emu(&[
        "--seed",
        "generated",
        "--gen-apps",
        "5",
        "--gen-log-bytes",
        "20000000",
    ])
    .await;
    let healthy = "00000002-0000-4000-8000-000000000000";
    // Open the stream and read nothing: the producer must wait, other requests must go on.
    let mut ws = ws_open(&e, &format!("/api/v1/apps/{healthy}/log_ws")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, _) = e.get(&format!("/apis/apps/v2/instances/{healthy}")).await;
    assert_eq!(s, StatusCode::OK);
    let (text, _) = read_until(&mut ws, |t| t.len() > 100_000).await;
    assert!(
        text.starts_with("vscode vscode: Pulling image (line 0)\n"),
        "{}",
        &text[..80]
    );
}

#[tokio::test]
async fn http_log_plain_and_ndjson() {
    let e = emu(&[]).await;
    let r = e
        .send(
            Method::GET,
            &format!("/api/v1/apps/{UNINSTALLED}/log?timestamps=true"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/plain"));
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 40);
    assert!(text.starts_with("2025-05-07T19:00:00.000000Z shell shell: Pulling image (line 0)\n"));
    let r = e
        .http
        .get(e.url(&format!(
            "/api/v1/apps/{UNINSTALLED}/log?neuro-auth-token={}",
            e.token
        )))
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/x-ndjson");
    let text = r.text().await.unwrap();
    let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        json!({"container": "shell", "log": "shell shell: Pulling image (line 0)\n",
               "pod": "superorg-alpha-shell-e1f3a5c7-0", "namespace": "apolo-superorg-alpha"})
    );
    assert_eq!(text.lines().count(), 40);
    let r = e
        .send_anon(Method::GET, &format!("/api/v1/apps/{UNINSTALLED}/log"))
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["x-error"], "401: Unauthorized");
    assert_eq!(r.text().await.unwrap(), "401: Unauthorized");
}

/// Virtual time: the runtime jumps over idle waits, so 30 s of stream take milliseconds.
#[tokio::test(start_paused = true)]
async fn logs_ping_every_30_seconds() {
    let e = emu(&[]).await;
    let mut ws = ws_open(
        &e,
        &format!("/api/v1/apps/{VSCODE}/log_ws?timestamps=false"),
    )
    .await;
    let started = tokio::time::Instant::now();
    let mut live = 0;
    loop {
        match ws.next().await {
            Some(Ok(Message::Ping(_))) => break,
            Some(Ok(Message::Binary(b))) => {
                live += std::str::from_utf8(&b)
                    .unwrap()
                    .matches("live line")
                    .count()
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(31),
        "{waited:?}"
    );
    assert!(
        (140..=151).contains(&live),
        "one live line per 200 ms before the ping: {live}"
    );
}
