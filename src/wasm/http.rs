//! One HTTP exchange through fetch: gloo-net builds the request; the caller's `fetch` (or the
//! global one) sends it. Abort and timeout share one internal AbortController.

use crate::core::error::{redact, ApiError, ErrorKind};
use crate::core::models::parse_body;
use crate::core::requests::{Method, RequestSpec};
use gloo_net::http::RequestBuilder;
use js_sys::{Function, Promise, Reflect, Uint8Array};
use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// Why a call failed: an API error (becomes an error object) or the caller's abort reason.
pub enum Failure {
    Api(Box<ApiError>),
    Abort(JsValue),
}

impl From<Box<ApiError>> for Failure {
    fn from(e: Box<ApiError>) -> Failure {
        Failure::Api(e)
    }
}

pub type Outcome<T> = std::result::Result<T, Failure>;

/// A successful (< 400) answer with its JSON body (`null` when empty).
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// A successful (< 400) answer's body text, with the request it answered (token redacted).
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub method: &'static str,
    pub url: String,
}

pub struct Http {
    pub token: String,
    pub fetch: Option<Function>,
    pub timeout_ms: Option<f64>,
}

/// Detaches the abort listener and clears the timer whatever way the exchange ends.
struct Guard {
    signal: Option<AbortSignal>,
    on_abort: Option<Closure<dyn FnMut()>>,
    timer: Option<JsValue>,
    _on_timeout: Option<Closure<dyn FnMut()>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let (Some(s), Some(c)) = (&self.signal, &self.on_abort) {
            let _ = s.remove_event_listener_with_callback("abort", c.as_ref().unchecked_ref());
        }
        if let Some(t) = &self.timer {
            clear_timeout(t);
        }
    }
}

fn js_message(e: &JsValue) -> String {
    let get = |v: &JsValue, k: &str| {
        Reflect::get(v, &JsValue::from_str(k))
            .ok()
            .and_then(|m| m.as_string())
    };
    let mut text = get(e, "message")
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "network error".into());
    // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, …) is in `cause`.
    if let Some(cause) = Reflect::get(e, &JsValue::from_str("cause"))
        .ok()
        .filter(|c| c.is_object())
    {
        if let Some(m) = get(&cause, "message") {
            text = format!("{text}: {m}");
        }
    }
    text
}

/// The body's bytes through `arrayBuffer()` (one copy into wasm memory, no UTF-16 string on the
/// way), or through `text()` for a Response-like object without it. `Err(None)`: not a Response.
async fn read_body(response: &JsValue) -> std::result::Result<Vec<u8>, Option<JsValue>> {
    let method = |name: &str| match Reflect::get(response, &JsValue::from_str(name)) {
        Ok(f) if f.is_function() => Some(f.unchecked_into::<Function>()),
        _ => None,
    };
    let (read, as_bytes) = match (method("arrayBuffer"), method("text")) {
        (Some(f), _) => (f, true),
        (None, Some(f)) => (f, false),
        (None, None) => return Err(None),
    };
    let started = read.call0(response).map_err(Some)?;
    let value = JsFuture::from(Promise::resolve(&started))
        .await
        .map_err(Some)?;
    Ok(if as_bytes {
        Uint8Array::new(&value).to_vec()
    } else {
        value.as_string().unwrap_or_default().into_bytes()
    })
}

/// The body decoded as `Response.text()` does: UTF-8 without a leading BOM, invalid bytes as
/// U+FFFD; valid UTF-8 (the usual case) is taken without a copy.
fn utf8_text(mut bytes: Vec<u8>) -> String {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

impl Http {
    /// A failure of this exchange, its message redacted; `url` is already redacted.
    fn failure(&self, kind: ErrorKind, msg: &str, method: &str, url: &str) -> Failure {
        let mut e = ApiError::new(kind, redact(msg, &self.token));
        e.method = Some(method.to_string());
        e.url = Some(url.to_string());
        Failure::Api(e)
    }

    /// Sends `spec`; an answer ≥ 400 becomes the SDK's error, anything else is parsed as JSON.
    pub async fn send(&self, spec: &RequestSpec, signal: Option<&AbortSignal>) -> Outcome<Answer> {
        let r = self.exchange(spec, signal).await?;
        match parse_body(r.status, &r.text) {
            Ok(body) => Ok(Answer {
                status: r.status,
                body,
            }),
            Err(e) => Err(self.body_error(&r, e)),
        }
    }

    /// An error about a reply's body, naming the request it answered, without the token.
    pub fn body_error(&self, r: &Reply, e: Box<ApiError>) -> Failure {
        Failure::Api(e.with_request(r.method, &r.url).redacted(&self.token))
    }

    /// Sends `spec`; an answer ≥ 400 becomes the SDK's error, anything else is returned as text.
    pub async fn exchange(
        &self,
        spec: &RequestSpec,
        signal: Option<&AbortSignal>,
    ) -> Outcome<Reply> {
        let method = spec.method.as_str();
        let shown_url = redact(&spec.display_url(), &self.token);
        let fail = |kind: ErrorKind, msg: String| self.failure(kind, &msg, method, &shown_url);
        if let Some(s) = signal {
            if s.aborted() {
                return Err(Failure::Abort(s.reason()));
            }
        }
        let timed_out = Rc::new(Cell::new(false));
        let mut guard = Guard {
            signal: signal.cloned(),
            on_abort: None,
            timer: None,
            _on_timeout: None,
        };
        // A controller only for a timeout (joined with the caller's signal, if any); without one
        // the caller's signal goes to fetch as is, and a plain call needs no signal at all.
        let fetch_signal = match self.timeout_ms {
            None => signal.cloned(),
            Some(ms) => {
                let controller = AbortController::new().map_err(|e| {
                    fail(
                        ErrorKind::Connection,
                        format!("AbortController unavailable: {}", js_message(&e)),
                    )
                })?;
                if let Some(s) = signal {
                    let (c, s2) = (controller.clone(), s.clone());
                    let cb = Closure::<dyn FnMut()>::new(move || c.abort_with_reason(&s2.reason()));
                    let _ =
                        s.add_event_listener_with_callback("abort", cb.as_ref().unchecked_ref());
                    guard.on_abort = Some(cb);
                }
                let (c, flag) = (controller.clone(), timed_out.clone());
                let cb = Closure::<dyn FnMut()>::new(move || {
                    flag.set(true);
                    c.abort();
                });
                guard.timer = Some(set_timeout(
                    cb.as_ref().unchecked_ref(),
                    ms.min(2_147_483_647.0),
                ));
                guard._on_timeout = Some(cb);
                Some(controller.signal())
            }
        };

        let mut builder = RequestBuilder::new(&spec.url)
            .method(match spec.method {
                Method::Get => gloo_net::http::Method::GET,
                Method::Post => gloo_net::http::Method::POST,
                Method::Put => gloo_net::http::Method::PUT,
                Method::Delete => gloo_net::http::Method::DELETE,
            })
            .query(spec.query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .header("Authorization", &format!("Bearer {}", self.token))
            .abort_signal(fetch_signal.as_ref());
        let request = match &spec.body {
            Some(body) => {
                let text = serde_json::to_string(body).map_err(|e| {
                    fail(
                        ErrorKind::IllegalArgument,
                        format!("cannot encode the body: {e}"),
                    )
                })?;
                builder = builder.header("Content-Type", "application/json");
                builder.body(text)
            }
            None => builder.build(),
        }
        .map_err(|e| {
            fail(
                ErrorKind::IllegalArgument,
                format!("cannot build the request: {e}"),
            )
        })?;
        let raw: web_sys::Request = request.into();
        let sent_url = redact(&raw.url(), &self.token);
        let fail = |kind: ErrorKind, msg: String| self.failure(kind, &msg, method, &sent_url);
        // Whether a rejection was the caller's abort, our timeout or the network.
        let classify = |e: JsValue| match signal {
            Some(s) if s.aborted() => Failure::Abort(s.reason()),
            _ if timed_out.get() => fail(
                ErrorKind::Timeout,
                format!(
                    "no answer within {} ms",
                    self.timeout_ms.unwrap_or_default()
                ),
            ),
            _ => fail(ErrorKind::Connection, js_message(&e)),
        };

        let fetch = match &self.fetch {
            Some(f) => f.clone(),
            None => match Reflect::get(&js_sys::global(), &JsValue::from_str("fetch")) {
                Ok(f) if f.is_function() => f.unchecked_into(),
                _ => {
                    return Err(fail(
                        ErrorKind::Connection,
                        "no global fetch; pass the `fetch` option".into(),
                    ))
                }
            },
        };
        let started = fetch.call1(&JsValue::UNDEFINED, &raw).map_err(&classify)?;
        let response = JsFuture::from(Promise::resolve(&started))
            .await
            .map_err(&classify)?;

        // Duck-typed so that a caller's fetch may return any Response-like object.
        let status = Reflect::get(&response, &JsValue::from_str("status"))
            .ok()
            .and_then(|s| s.as_f64())
            .filter(|s| (0.0..1000.0).contains(s))
            .ok_or_else(|| {
                fail(
                    ErrorKind::Connection,
                    "fetch did not return a Response".into(),
                )
            })? as u16;
        let bytes = read_body(&response).await.map_err(|e| match e {
            Some(e) => classify(e),
            None => fail(
                ErrorKind::Connection,
                "fetch did not return a Response".into(),
            ),
        })?;
        let text = utf8_text(bytes);
        drop(guard);

        if status >= 400 || status == 0 {
            let e = ApiError::from_response(status, &text).with_request(method, &sent_url);
            return Err(Failure::Api(e.redacted(&self.token)));
        }
        Ok(Reply {
            status,
            text,
            method,
            url: sent_url,
        })
    }
}
