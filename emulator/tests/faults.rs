//! Resilience features for client tests: request ids, status/delay/drop/reset/hang/firehose faults, template overrides,
//! token expiry and the control API's Host/Origin guard. A real server on 127.0.0.1, real clients.

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::*;

#[tokio::test]
async fn faults_status_retry_after_times_malformed_delay_drop() {
    let e = emu(&["--control"]).await;
    let (s, v) = e
        .post("/_emulator/faults", json!({"method": "GET", "path": "/apis/apps/v2/instances/*", "status": 503, "body": {"detail": "busy"}, "retry_after": 2, "headers": {"x-test": "1"}, "times": 2}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(v["id"].is_string());
    let path = format!("/apis/apps/v2/instances/{SD}");
    for _ in 0..2 {
        let r = e.send(Method::GET, &path).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()["retry-after"], "2");
        assert_eq!(r.headers()["x-test"], "1");
        assert_eq!(r.json::<Value>().await.unwrap(), json!({"detail": "busy"}));
    }
    let (s, _) = e.get(&path).await;
    assert_eq!(s, StatusCode::OK, "times exhausted");
    // Method mismatch does not match.
    e.post(
        "/_emulator/faults",
        json!({"method": "POST", "path": "/apis/*", "status": 500}),
    )
    .await;
    let (s, _) = e.get(&path).await;
    assert_eq!(s, StatusCode::OK);
    e.send_anon(Method::DELETE, "/_emulator/faults").await;

    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/apps/v2/instances", "malformed_json": true, "times": 1}),
    )
    .await;
    let r = e.send(Method::GET, "/apis/apps/v2/instances").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());

    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/apps/v2/instances", "delay_ms": 300, "times": 1}),
    )
    .await;
    let t0 = std::time::Instant::now();
    let (s, _) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(s, StatusCode::OK);
    assert!(t0.elapsed() >= Duration::from_millis(300));

    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/apps/v2/instances", "drop": true, "times": 1}),
    )
    .await;
    let r = e
        .authed(Method::GET, "/apis/apps/v2/instances")
        .send()
        .await;
    assert!(r.is_err(), "connection dropped without a response");
    let (s, _) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = e.post("/_emulator/faults", json!({"status": 500})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "path is required");
    // Faulted requests are still recorded.
    let (_, log) = e.get("/_emulator/requests").await;
    assert!(log.as_array().unwrap().len() >= 8);
}

/// The logs WebSocket handshake of the VS Code app, the token in the subprotocol as the SDK sends it.
fn logs_request(e: &Emu, token: &str) -> Request {
    let path = format!("/api/v1/apps/{VSCODE}/log_ws");
    let mut req = e.ws_url(&path).into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&format!("logs.apolo.us, bearer.apolo.us-{token}")).unwrap(),
    );
    req
}

/// Opens that stream with the emulator's token; the handshake must succeed.
async fn open_logs(e: &Emu) -> (Ws, Response) {
    tokio_tungstenite::connect_async(logs_request(e, &e.token))
        .await
        .unwrap()
}

#[tokio::test]
async fn every_answer_carries_a_request_id_that_the_log_records() {
    let e = emu_control(&[]).await;
    let paths = [
        format!("/apis/apps/v2/instances/{SD}"),
        "/api/v1/config".to_string(),
        format!("/api/v1/apps/{VSCODE}/containers"),
        "/apis/apps/v2/instances/no-such-app".to_string(),
        "/no/such/route".to_string(),
    ];
    let mut ids = Vec::new();
    for p in &paths {
        let r = e.send(Method::GET, p).await;
        ids.push(r.headers()["x-request-id"].to_str().unwrap().to_string());
    }
    // A fault's answer has one too.
    e.fault(json!({"path": "/apis/apps/v2/instances/*", "status": 503, "times": 1}))
        .await;
    let r = e
        .send(Method::GET, &format!("/apis/apps/v2/instances/{SD}"))
        .await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    ids.push(r.headers()["x-request-id"].to_str().unwrap().to_string());
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "fresh per request: {ids:?}");
    assert!(ids.iter().all(|i| uuid_like(i)), "{ids:?}");
    let logged: Vec<String> = e
        .log()
        .await
        .iter()
        .map(|r| r["request_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(logged, ids);
    // The WebSocket handshake answer too.
    let (_ws, resp) = open_logs(&e).await;
    let id = resp.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(e.log().await.last().unwrap()["request_id"], id);
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn reset_sends_rst_and_drop_closes_without_an_answer() {
    let e = emu_control(&[]).await;
    let host = e.addr.to_string();
    let path = format!("/apis/apps/v2/instances/{SD}");
    let id = e
        .fault(json!({"path": "/apis/apps/v2/instances/*", "reset": true, "times": 1}))
        .await;
    let err = raw(
        &e,
        &get_request(
            &path,
            &host,
            &format!("authorization: Bearer {}\r\n", e.token),
        ),
    )
    .await
    .expect_err("a reset is a read error");
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}");
    // drop: an orderly close (EOF) with no byte of answer.
    e.fault(json!({"path": "/apis/apps/v2/instances/*", "drop": true, "times": 1}))
        .await;
    let got = raw(&e, &get_request(&path, &host, "")).await.unwrap();
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    // Both faulted requests are in the log, the first with its fault id; then normal service.
    let log = e.log().await;
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["fault"], id.as_str());
    assert!(log[1]["fault"].is_string());
    assert_eq!(e.send(Method::GET, &path).await.status(), StatusCode::OK);
    assert!(e.log().await[2]["fault"].is_null());
}

#[tokio::test]
async fn hang_never_answers_and_ends_when_the_client_leaves() {
    let e = emu_control(&[]).await;
    let host = e.addr.to_string();
    e.fault(json!({"path": "/apis/apps/v2/instances/*", "hang": true}))
        .await;
    let mut s = TcpStream::connect(e.addr).await.unwrap();
    s.write_all(get_request(&format!("/apis/apps/v2/instances/{SD}"), &host, "").as_bytes())
        .await
        .unwrap();
    e.wait_stat("hanging", 1).await;
    let mut buf = [0u8; 64];
    let silent = tokio::time::timeout(Duration::from_millis(500), s.read(&mut buf)).await;
    assert!(silent.is_err(), "no answer, not even a close");
    drop(s);
    e.wait_stat("hanging", 0).await;

    // A WebSocket handshake on the logs path hangs the same way.
    e.fault(json!({"path": "/api/v1/apps/*/log_ws", "hang": true}))
        .await;
    let req = logs_request(&e, &e.token);
    let attempt = tokio::spawn(tokio_tungstenite::connect_async(req));
    e.wait_stat("hanging", 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!attempt.is_finished(), "handshake must stay unanswered");
    attempt.abort();
    let _ = attempt.await;
    e.wait_stat("hanging", 0).await;
    assert_eq!(e.log().await.len(), 2, "hung requests are logged");
}

#[tokio::test]
async fn a_200_body_fault_serves_endless_empty_pages() {
    let e = emu_control(&[]).await;
    let page = json!({"items": [], "total": 0, "page": 1, "size": 50, "pages": 1_000_000_000u64});
    let id = e
        .fault(json!({"method": "GET", "path": "/apis/apps/v2/instances", "status": 200, "body": page}))
        .await;
    for n in 1..=3 {
        let r = e
            .send(Method::GET, &format!("/apis/apps/v2/instances?page={n}"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(r.json::<Value>().await.unwrap(), page);
    }
    // A body without a status is a 200 as well; a null body passes the request through.
    e.control(Method::DELETE, "/_emulator/faults", None).await;
    e.fault(json!({"path": "/apis/apps/v2/instances", "body": {"items": []}, "times": 1}))
        .await;
    let r = e.send(Method::GET, "/apis/apps/v2/instances").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"items": []}));
    e.fault(json!({"path": "/apis/apps/v2/instances", "body": null, "times": 1}))
        .await;
    let r: Value = e
        .send(Method::GET, "/apis/apps/v2/instances")
        .await
        .json()
        .await
        .unwrap();
    assert!(r["total"].as_u64().unwrap() > 0);
    let log = e.log().await;
    assert_eq!(log.len(), 5);
    assert!(log[..3].iter().all(|r| r["fault"] == id.as_str()));
}

/// `n` definitions, each an anyOf of two refs to the next: 2^n paths for a naive expander.
fn any_of_ladder(n: usize) -> Value {
    let mut defs = serde_json::Map::new();
    for i in 0..n {
        let next = format!("#/$defs/d{}", i + 1);
        defs.insert(
            format!("d{i}"),
            json!({"anyOf": [{"$ref": next}, {"$ref": next}]}),
        );
    }
    defs.insert(format!("d{n}"), json!({"type": "string"}));
    json!({"type": "object", "properties": {"x": {"$ref": "#/$defs/d0"}}, "$defs": defs})
}

fn ref_chain(n: usize) -> Value {
    let mut defs = serde_json::Map::new();
    for i in 0..n {
        defs.insert(
            format!("r{i}"),
            json!({"$ref": format!("#/$defs/r{}", i + 1)}),
        );
    }
    defs.insert(format!("r{n}"), json!({"type": "object"}));
    json!({"$ref": "#/$defs/r0", "$defs": defs})
}

#[tokio::test]
async fn templates_can_be_given_any_input_schema() {
    let e = emu_control(&[]).await;
    let ladder = any_of_ladder(40);
    e.control(
        Method::POST,
        "/_emulator/templates",
        Some(json!({"name": "shell", "version": "v25.5.1", "input": ladder})),
    )
    .await;
    let v1 = format!("{V1_ALPHA}/templates/shell/v25.5.1");
    let d: Value = e.send(Method::GET, &v1).await.json().await.unwrap();
    assert_eq!(d["input"], ladder);
    assert_eq!(d["title"], "Shell", "other fields stay the catalogue's");
    let d: Value = e
        .send(Method::GET, "/apis/apps/v2/templates/shell/v25.5.1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["input"], ladder);
    let s: Value = e
        .send(Method::GET, "/apis/apps/v2/templates/shell/v25.5.1/schema")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(s, ladder);
    // Other versions are untouched; latest of a catalogue template resolves first.
    let d: Value = e
        .send(Method::GET, &format!("{V1_ALPHA}/templates/shell/latest"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["version"], "v25.7.0");
    assert_ne!(d["input"], ladder);

    // A 200,000-long $ref chain (several MB) under a new name; latest = the newest set.
    let chain = ref_chain(200_000);
    let body = json!({"name": "hostile", "version": "1.0.0", "input": chain});
    assert!(body.to_string().len() > 1024 * 1024);
    e.control(Method::POST, "/_emulator/templates", Some(body))
        .await;
    for p in ["hostile/1.0.0", "hostile/latest"] {
        let d: Value = e
            .send(Method::GET, &format!("{V1_ALPHA}/templates/{p}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(d["name"], "hostile");
        assert_eq!(d["input"]["$defs"].as_object().unwrap().len(), 200_001);
    }
    // Bad calls are 400s; reset forgets the overrides.
    for bad in [
        json!({"version": "1", "input": {}}),
        json!({"name": "x", "input": {}}),
        json!({"name": "x", "version": "latest", "input": {}}),
        json!({"name": "x", "version": "1"}),
    ] {
        let r = e
            .http
            .post(e.url("/_emulator/templates"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    e.control(Method::POST, "/_emulator/reset", Some(json!({})))
        .await;
    let d: Value = e.send(Method::GET, &v1).await.json().await.unwrap();
    assert_ne!(d["input"], ladder);
    assert_eq!(
        e.send(Method::GET, &format!("{V1_ALPHA}/templates/hostile/1.0.0"))
            .await
            .json::<Value>()
            .await
            .unwrap(),
        Value::Null
    );
}

#[tokio::test]
async fn firehose_streams_exactly_n_bytes_then_closes() {
    let e = emu_control(&[]).await;
    let total: usize = 10 * 1024 * 1024 + 64;
    e.fault(json!({"path": "/api/v1/apps/*/log_ws", "firehose_bytes": total, "times": 1}))
        .await;
    let (mut ws, _) = open_logs(&e).await;
    let (mut got, mut frames) = (0usize, 0usize);
    let mut close = None;
    while let Some(m) = ws.next().await {
        match m.unwrap() {
            Message::Binary(b) => {
                assert!(b.len() <= 64 * 1024);
                if got == 0 {
                    let first = std::str::from_utf8(&b[..64]).unwrap();
                    assert!(first.starts_with("firehose line 0000 ") && first.ends_with('\n'));
                }
                got += b.len();
                frames += 1;
            }
            Message::Close(c) => {
                close = c.map(|c| u16::from(c.code));
                break;
            }
            _ => {}
        }
    }
    assert_eq!(got, total);
    assert_eq!(frames, 161);
    assert_eq!(close, Some(1000));
    e.wait_stat("log_streams", 0).await;

    // /log too; and the stream stops when the reader goes away (nothing runs on).
    e.fault(json!({"path": "/api/v1/apps/*/log", "firehose_bytes": 300_000_000u64, "times": 1}))
        .await;
    let r = e
        .send(Method::GET, &format!("/api/v1/apps/{VSCODE}/log"))
        .await;
    let mut body = r.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(first.starts_with(b"firehose line"));
    e.wait_stat("log_streams", 1).await;
    drop(body);
    e.wait_stat("log_streams", 0).await;
    // Bounded: a firehose always ends by itself.
    let r = e
        .http
        .post(e.url("/_emulator/faults"))
        .json(&json!({"path": "/api/*", "firehose_bytes": 5u64 << 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_slow_reader_of_a_firehose_holds_the_producer_back() {
    let e = emu_control(&[]).await;
    e.fault(json!({"path": "/api/v1/apps/*/log_ws", "firehose_bytes": 300_000_000u64}))
        .await;
    let (mut ws, _) = open_logs(&e).await;
    let _ = ws.next().await;
    // Nobody reads: once socket buffers and the 2-chunk channel are full, the server stops sending.
    let sent = || async { e.stats().await["log_bytes_sent"].as_u64().unwrap() };
    let mut last = sent().await;
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = sent().await;
        if now == last {
            break;
        }
        assert!(Instant::now() < until, "still sending: {now}");
        last = now;
    }
    assert!(
        last < 64 * 1024 * 1024,
        "{last} bytes went out to a reader that took one frame"
    );
    // Reading again resumes the stream.
    for _ in 0..50 {
        ws.next().await.unwrap().unwrap();
    }
    assert!(sent().await > last);
    drop(ws);
    e.wait_stat("log_streams", 0).await;
}

#[tokio::test]
async fn tokens_expire_after_max_uses_on_http_and_websocket() {
    let e = emu_control(&[]).await;
    let s = e.settings(json!({"token_max_uses": 3})).await;
    assert_eq!(s["token_max_uses"], 3);
    assert_eq!(s["token_ttl_ms"], Value::Null);
    let p = format!("/apis/apps/v2/instances/{SD}");
    for _ in 0..3 {
        assert_eq!(e.send(Method::GET, &p).await.status(), StatusCode::OK);
    }
    let r = e.send(Method::GET, &p).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"detail": "Not authenticated"})
    );
    // A fresh token works (per token string); its logs handshake counts as a use too.
    let fresh = e.mint_token("user").await;
    assert_ne!(fresh, e.token);
    assert_eq!(e.get_with(&p, &fresh).await.status(), StatusCode::OK);
    for _ in 0..2 {
        let (ws, resp) = tokio_tungstenite::connect_async(logs_request(&e, &fresh))
            .await
            .unwrap();
        assert_eq!(resp.status(), 101);
        drop(ws);
    }
    match tokio_tungstenite::connect_async(logs_request(&e, &fresh)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 401)
        }
        other => panic!(
            "expected a 401 before the upgrade: {:?}",
            other.map(|x| x.1)
        ),
    }
    // The query-string token of /log counts as well; /config treats a spent token as no token.
    let r = e
        .http
        .get(e.url(&format!(
            "/api/v1/apps/{VSCODE}/log?neuro-auth-token={fresh}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let cfg: Value = e
        .send(Method::GET, "/api/v1/config")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["authorized"], false);
    // Faulted answers do not use the token.
    e.fault(json!({"path": "/apis/*", "status": 503, "times": 5}))
        .await;
    let third = e.mint_token("bob").await;
    for _ in 0..5 {
        assert_eq!(e.get_with(&p, &third).await.status(), 503);
    }
    assert_eq!(e.get_with(&p, &third).await.status(), StatusCode::OK);
    // Reset clears the counts (not the setting).
    e.control(Method::POST, "/_emulator/reset", Some(json!({})))
        .await;
    assert_eq!(e.send(Method::GET, &p).await.status(), StatusCode::OK);
    let s = e.settings(json!({"token_max_uses": null})).await;
    assert_eq!(s["token_max_uses"], Value::Null);
    for _ in 0..5 {
        assert_eq!(e.send(Method::GET, &p).await.status(), StatusCode::OK);
    }
    let r = e
        .http
        .put(e.url("/_emulator/settings"))
        .json(&json!({"token_max_uses": -1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_expire_after_a_ttl_and_by_command_line() {
    let e = emu_control(&["--token-ttl-ms", "300"]).await;
    let p = format!("/apis/apps/v2/instances/{SD}");
    assert_eq!(e.send(Method::GET, &p).await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        e.send(Method::GET, &p).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let e = emu_control(&["--token-max-uses", "1"]).await;
    assert_eq!(e.send(Method::GET, &p).await.status(), StatusCode::OK);
    assert_eq!(
        e.send(Method::GET, &p).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let s = e.control(Method::GET, "/_emulator/settings", None).await;
    assert_eq!(s["token_max_uses"], 1);
}

#[tokio::test]
async fn control_routes_refuse_foreign_hosts_and_cross_origin_pages() {
    let e = emu_control(&["--cors-origin", "*"]).await;
    let port = e.addr.port();
    let own = e.addr.to_string();
    let status = |resp: &[u8]| -> u16 {
        let s = String::from_utf8_lossy(resp);
        s.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0)
    };
    let cases = [
        (own.clone(), "", 200),
        (format!("localhost:{port}"), "", 200),
        (format!("[::1]:{port}"), "", 200),
        (format!("127.0.0.2:{port}"), "", 200),
        (own.clone(), &*format!("origin: http://{own}\r\n"), 200),
        (
            format!("localhost:{port}"),
            &*format!("origin: http://LOCALHOST:{port}\r\n"),
            200,
        ),
        (format!("evil.example:{port}"), "", 403),
        (format!("10.0.0.1:{port}"), "", 403),
        (own.clone(), "origin: http://evil.example\r\n", 403),
        (
            own.clone(),
            &*format!("origin: http://127.0.0.1:{}\r\n", port.wrapping_add(1)),
            403,
        ),
        (own.clone(), "origin: null\r\n", 403),
    ];
    for (host, extra, want) in cases {
        let resp = raw(&e, &get_request("/_emulator/settings", &host, extra))
            .await
            .unwrap();
        assert_eq!(status(&resp), want, "host {host}, {extra:?}");
    }
    // The API itself stays open to any origin (CORS), and a fault can't be set cross-origin.
    let r = e
        .http
        .request(Method::POST, e.url("/_emulator/faults"))
        .header("origin", "http://evil.example")
        .json(&json!({"path": "/*", "status": 500}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = e
        .http
        .get(e.url(&format!("/apis/apps/v2/instances/{SD}")))
        .bearer_auth(&e.token)
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
}
