//! `--cors-origin` on every route and `--serve` static folders.

use reqwest::{Method, StatusCode};
use serde_json::json;

mod common;
use common::*;

#[tokio::test]
async fn cors_preflight_and_headers() {
    let e = emu(&["--cors-origin", "*", "--control"]).await;
    let r = e
        .http
        .request(Method::OPTIONS, e.url("/apis/apps/v2/instances"))
        .header("origin", "http://127.0.0.1:9999")
        .header("access-control-request-method", "PUT")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let allowed = header(&r, "access-control-allow-headers").to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert!(header(&r, "access-control-allow-methods").contains("PUT"));
    // The same cross-origin GET, before and after a fault is set.
    let cross_origin_get = || {
        e.authed(Method::GET, "/apis/apps/v2/instances")
            .header("origin", "http://x")
            .send()
    };
    let r = cross_origin_get().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    // Fault answers carry CORS headers too, so browsers can read them.
    e.post(
        "/_emulator/faults",
        json!({"path": "/apis/*", "status": 503, "retry_after": 1, "times": 1}),
    )
    .await;
    let r = cross_origin_get().await.unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(header(&r, "access-control-expose-headers")
        .to_ascii_lowercase()
        .contains("retry-after"));
}

#[tokio::test]
async fn static_folders_with_module_and_wasm_mime_types() {
    let dir = std::env::temp_dir().join(format!("emu-static-{}", std::process::id()));
    let pkg = dir.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>demo</h1>").unwrap();
    std::fs::write(pkg.join("web.js"), "export {}").unwrap();
    std::fs::write(pkg.join("m.mjs"), "export {}").unwrap();
    std::fs::write(pkg.join("x.wasm"), [0u8, 97, 115, 109]).unwrap();
    let root = format!("/={}", dir.display());
    let pk = format!("/pkg={}", pkg.display());
    let e = emu(&["--serve", &root, "--serve", &pk]).await;
    let r = e.send_anon(Method::GET, "/").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let r = e.send_anon(Method::GET, "/pkg/web.js").await;
    assert!(
        header(&r, "content-type").starts_with("text/javascript"),
        "{}",
        header(&r, "content-type")
    );
    let r = e.send_anon(Method::GET, "/pkg/m.mjs").await;
    assert!(header(&r, "content-type").starts_with("text/javascript"));
    let r = e.send_anon(Method::GET, "/pkg/x.wasm").await;
    assert_eq!(header(&r, "content-type"), "application/wasm");
    let r = e.send_anon(Method::GET, "/pkg/none.js").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = e.send_anon(Method::GET, "/missing.html").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // API routes still win.
    let (s, _) = e.get(&format!("/apis/apps/v2/instances/{SD}")).await;
    assert_eq!(s, StatusCode::OK);
    let _ = std::fs::remove_dir_all(&dir);
}
