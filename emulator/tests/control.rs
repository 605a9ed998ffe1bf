//! The `/_emulator/` control API: off without `--control`, the request log and reset.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod common;
use common::*;

#[tokio::test]
async fn control_api_is_off_without_the_flag() {
    let e = emu(&[]).await;
    let (s, v) = e.post("/_emulator/reset", json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v, json!({"detail": "Not Found"}));
}

#[tokio::test]
async fn request_log_and_reset() {
    let e = emu(&["--control"]).await;
    e.get("/apis/apps/v2/instances?cluster=default&states=queued&states=healthy")
        .await;
    e.post(
        &format!("{V1_ALPHA}/instances/{VSCODE}/revisions/1/rollback"),
        json!({"comment": "c"}),
    )
    .await;
    e.get("/apis/apps/v2/instances/a%2Fb").await;
    let (_, log) = e.get("/_emulator/requests").await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3, "control routes are not recorded: {log:?}");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/apis/apps/v2/instances");
    assert_eq!(
        log[0]["query"],
        "cluster=default&states=queued&states=healthy"
    );
    assert_eq!(log[0]["body"], Value::Null);
    assert_eq!(
        log[0]["headers"]["authorization"],
        format!("Bearer {}", e.token)
    );
    assert_eq!(log[1]["body"], r#"{"comment":"c"}"#);
    assert_eq!(log[1]["headers"]["content-type"], "application/json");
    assert_eq!(log[2]["path"], "/apis/apps/v2/instances/a%2Fb");
    let r = e.send_anon(Method::DELETE, "/_emulator/requests").await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, log) = e.get("/_emulator/requests").await;
    assert_eq!(log, json!([]));

    let (s, v) = e.post("/_emulator/reset", json!({"seed": "empty"})).await;
    assert_eq!((s, v), (StatusCode::OK, json!({"apps": 0})));
    let (_, v) = e.get("/apis/apps/v2/instances").await;
    assert_eq!(v["total"], 0);
    let (_, v) = e
        .post(
            "/_emulator/reset",
            json!({"seed": "generated", "apps": 7, "events": 3, "log_bytes": 10}),
        )
        .await;
    assert_eq!(v["apps"], 7);
    let (_, v) = e.post("/_emulator/reset", json!({})).await;
    assert_eq!(v["apps"], 9, "default: the startup seed (demo)");
    let (s, _) = e.post("/_emulator/reset", json!({"seed": "bogus"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
