//! The wasm-bindgen boundary of docs/architecture.md: synchronous functions only. The JS layer does
//! the I/O; each function here converts JS values, asks `crate::core`, and converts the answer.
//! Nothing here awaits, so a trap (if one ever happens) surfaces as an exception the JS layer
//! catches, and no Rust future is left half-polled in a broken instance.
//!
//! Clients and calls in progress live in registries keyed by numbers rather than exported
//! structs: the glue then has no finalizers that could reach into a replacement instance.

mod js;

use crate::core::config::Defaults;
use crate::core::error::{redact, ApiError, ErrorKind, Result};
use crate::core::models;
use crate::core::ops::{
    self, number, push_int, push_number, Call, Client, Effective, Limits, LogsArgs, Op, Output,
    Step,
};
use crate::core::requests::{RequestSpec, Scope};
use crate::core::retry::{self, Attempt, Decision, Failure};
use js::Opts;
use js_sys::{Array, Object, Reflect};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use wasm_bindgen::prelude::*;

struct ClientSlot {
    client: Client,
    /// The tokens this client has used (the current one last), removed from every error.
    tokens: Vec<String>,
}

struct OpSlot {
    client: u32,
    op: Op,
    limits: Effective,
}

/// Keyed by a counter: a multiplicative hash spreads it over the table (SipHash, the default, was
/// ~0.5 µs of each call's lookups). (A HashMap rather than a BTreeMap: the .wasm has hashbrown
/// already, and a BTreeMap per slot type was 13 KB of it.)
type Slots<T> = HashMap<u32, T, BuildHasherDefault<CounterHasher>>;

#[derive(Default)]
struct CounterHasher(u64);

impl Hasher for CounterHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(self.0 ^ u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        // Fibonacci hashing: the high bits, which hashbrown's control bytes use, vary with the key.
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

struct Registry<T> {
    next: u32,
    items: Slots<T>,
}

impl<T> Registry<T> {
    const fn new() -> Self {
        Registry {
            next: 0,
            items: HashMap::with_hasher(BuildHasherDefault::new()),
        }
    }

    fn insert(&mut self, v: T) -> u32 {
        self.next = self.next.wrapping_add(1).max(1);
        self.items.insert(self.next, v);
        self.next
    }
}

thread_local! {
    static CLIENTS: RefCell<Registry<ClientSlot>> = const { RefCell::new(Registry::new()) };
    static OPS: RefCell<Registry<OpSlot>> = const { RefCell::new(Registry::new()) };
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static TEST_TRAP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The last answer step's timestamps, which JS reads in place (see `step_or_error`).
    static TIMES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    /// The last step's JSON text, which JS reads in place (see `out`).
    static OUT: RefCell<String> = const { RefCell::new(String::new()) };
    /// The fields of the last short step, which JS reads in place (see `short_step`).
    static HEAD: std::cell::Cell<[f64; 3]> = const { std::cell::Cell::new([0.0; 3]) };
}

/// Where `write` put its text in this instance's memory: byte offset + length × 2³², which JS
/// reads before its next call. One buffer serves every step: no String made, returned and freed
/// per call (each a crossing of its own).
fn out(write: &mut dyn FnMut(&mut String) -> Result<()>) -> Result<f64> {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        if o.capacity() > 1 << 16 {
            *o = String::new(); // a big request body's room is not kept
        }
        o.clear();
        write(&mut o)?;
        Ok(o.as_ptr() as usize as f64 + o.len() as f64 * 4_294_967_296.0)
    })
}

/// A short step: the most common steps, as numbers in `HEAD` instead of JSON text, which JS
/// reads without `JSON.parse` (parsing a `get`'s two steps was ~5-10% of its CPU, measured):
/// - `SEND` (a request without a body): `[op, timeoutMs, where "METHOD URL" is (see `out`)]`,
///   `op` and `timeoutMs` -1 after the first step (JS reads them from the first only);
/// - `VALUE` (the answer's whole body is the call's value, nothing to fix):
///   `[the model's index in the shapeDates of tables(), times' byte offset, times' count]`.
///
/// Any other step is JSON text (`out`).
const SEND: f64 = -1.0;
const VALUE: f64 = -2.0;

#[inline(never)] // one copy for both callers: the .wasm's size
fn short_step(step: &Step, first: Option<(u32, f64)>, times: (usize, usize)) -> Option<f64> {
    match step {
        Step::Send(spec) if spec.body.is_none() => {
            let text = out(&mut |o| {
                o.push_str(spec.method.as_str());
                o.push(' ');
                o.push_str(&spec.url);
                Ok(())
            })
            .ok()?;
            let (op, timeout_ms) = first.map_or((-1.0, -1.0), |(op, t)| (f64::from(op), t));
            HEAD.with(|h| h.set([op, timeout_ms, text]));
            Some(SEND)
        }
        Step::Done(Output::Body { at: "", edits }) if !edits.list && edits.fixes.is_empty() => {
            let shape = edits.shape?;
            // By name: each use of a `const` model may be a copy of its own.
            let index = models::SHAPES.iter().position(|s| s.name == shape.name)?;
            HEAD.with(|h| h.set([index as f64, times.0 as f64, times.1 as f64]));
            Some(VALUE)
        }
        _ => None,
    }
}

/// Where a short step's fields are in this instance's memory (three f64s).
#[wasm_bindgen(js_name = stepHead)]
pub fn step_head() -> usize {
    HEAD.with(|h| h.as_ptr() as usize)
}

/// `text` as a step, written where `out` writes.
fn out_text(text: &str) -> JsResult<f64> {
    out(&mut |o| {
        o.push_str(text);
        Ok(())
    })
    .map_err(|e| reject(&e))
}

/// The calls `opStart` knows, by index: JS passes the index (the name crossed as a string was a
/// crossing of its own per call).
const CALLS: [&str; 17] = [
    "connect",
    "get",
    "getUpgrades",
    "install",
    "configure",
    "uninstall",
    "getValues",
    "listTemplates",
    "listTemplateVersions",
    "getTemplate",
    "getOutput",
    "getRevisions",
    "rollback",
    "getInput",
    "list",
    "getEvents",
    "logs",
];

/// Makes the next `opAnswer` panic: how the package tests prove that a trapped instance is
/// replaced (no input makes this code panic). Not part of the API.
#[wasm_bindgen(js_name = __apoloArmTestTrap)]
pub fn arm_test_trap() {
    TEST_TRAP.with(|t| t.set(true));
}

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen(start)]
fn on_load() {
    // Remember the message: the trap that follows a panic reaches JS as a bare "unreachable".
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        LAST_PANIC.with(|p| {
            if let Ok(mut p) = p.try_borrow_mut() {
                *p = Some(text);
            }
        });
    }));
}

/// The tables the JS layer reads once: `[appStates, calls, shapeDates]`, the app states (for
/// `AppState`), the names of `opStart`'s calls by index, and each model's date keys (a short
/// VALUE step names a model by its index).
#[wasm_bindgen]
pub fn tables() -> Array {
    let strings = |items: &[&str]| -> JsValue {
        items
            .iter()
            .map(|s| JsValue::from_str(s))
            .collect::<Array>()
            .into()
    };
    let dates: Array = models::SHAPES
        .iter()
        .map(|s| strings(s.date_keys()))
        .collect();
    [strings(&ops::APP_STATES), strings(&CALLS), dates.into()]
        .into_iter()
        .collect()
}

/// The message of the last Rust panic, read by the JS layer after a trap.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> Option<String> {
    LAST_PANIC.with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.take()))
}

fn reject(e: &ApiError) -> JsValue {
    js::error_object(e)
}

fn set(obj: &Object, key: &str, v: &JsValue) {
    // A data property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), v);
}

fn scope(o: &Opts) -> Result<Scope> {
    Ok(Scope {
        cluster: o.string("cluster")?,
        org: o.string("org")?,
        project: o.string("project")?,
    })
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

fn limits(o: &Opts) -> Result<Limits> {
    Ok(Limits {
        max_retries: o.number("maxRetries")?,
        timeout_ms: o.number("timeoutMs")?,
        max_log_buffer_bytes: o.number("maxLogBufferBytes")?,
    })
}

/// Checks a token; `from_provider` makes a bad one an AuthenticationError (the call cannot
/// authenticate) rather than an argument error.
fn token_of(v: &JsValue, from_provider: bool) -> Result<String> {
    let checked = v
        .as_string()
        .ok_or_else(|| ApiError::illegal_argument("`token` must be a string or a function"))
        .and_then(|t| ops::check_token(&t).map(|()| t));
    match checked {
        Ok(t) => Ok(t),
        Err(e) if from_provider => Err(ApiError::new(
            ErrorKind::Authentication,
            format!("the token provider gave no usable token: {}", e.message),
        )),
        Err(e) => Err(e),
    }
}

fn new_client(options: &JsValue) -> Result<(Client, Vec<String>)> {
    let o = Opts::new(options, "ApoloClient options")?;
    let api_url = o
        .string("apiUrl")?
        .ok_or_else(|| ApiError::illegal_argument("`apiUrl` is required"))?;
    let tokens = match o.get("token")? {
        None => return Err(ApiError::illegal_argument("`token` is required")),
        Some(t) if t.is_function() => Vec::new(),
        Some(t) => vec![token_of(&t, false)?],
    };
    for f in ["fetch", "WebSocket", "onRequest", "onResponse", "onRetry"] {
        o.function(f)?;
    }
    match o.string("logLevel")?.as_deref() {
        None | Some("debug" | "silent") => {}
        Some(_) => {
            return Err(ApiError::illegal_argument(
                "`logLevel` must be 'debug' or 'silent'",
            ))
        }
    }
    o.signal()?;
    let defaults = Defaults {
        cluster: nonempty(o.string("cluster")?),
        org: nonempty(o.string("org")?),
        project: nonempty(o.string("project")?),
        monitoring_url: nonempty(o.string("monitoringUrl")?),
    };
    Ok((Client::new(&api_url, defaults, limits(&o)?)?, tokens))
}

/// Checks the ApoloClient options and registers a client; returns its handle.
#[wasm_bindgen(js_name = clientNew)]
pub fn client_new(options: JsValue) -> JsResult<u32> {
    let (client, tokens) = new_client(&options).map_err(|e| reject(&e))?;
    Ok(CLIENTS.with(|c| c.borrow_mut().insert(ClientSlot { client, tokens })))
}

#[wasm_bindgen(js_name = clientDrop)]
pub fn client_drop(client: u32) {
    CLIENTS.with(|c| c.borrow_mut().items.remove(&client));
}

fn with_client<T>(id: u32, f: impl FnOnce(&mut ClientSlot) -> Result<T>) -> Result<T> {
    CLIENTS.with(|c| match c.borrow_mut().items.get_mut(&id) {
        Some(slot) => f(slot),
        None => Err(ApiError::illegal_argument(
            "this client is no longer usable",
        )),
    })
}

/// `{ cluster, org, project, monitoringUrl }` as the client knows them now.
#[wasm_bindgen(js_name = clientInfo)]
pub fn client_info(client: u32) -> JsResult<JsValue> {
    with_client(client, |s| {
        let d = &s.client.api.defaults;
        let obj = Object::new();
        let opt = |v: &Option<String>| v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str);
        set(&obj, "cluster", &opt(&d.cluster));
        set(&obj, "org", &opt(&d.org));
        set(&obj, "project", &opt(&d.project));
        set(&obj, "monitoringUrl", &opt(&d.monitoring_url));
        Ok(obj.into())
    })
    .map_err(|e| reject(&e))
}

/// Takes the token to use from now on (checked) and returns how it is sent:
/// `{ authorization, protocols }`.
#[wasm_bindgen(js_name = useToken)]
pub fn use_token(client: u32, token: JsValue, from_provider: bool) -> JsResult<JsValue> {
    with_client(client, |s| {
        let t = token_of(&token, from_provider)?;
        if s.tokens.last() != Some(&t) {
            s.tokens.retain(|old| old != &t);
            s.tokens.push(t.clone());
            // Old tokens stay redacted for a while: a late error may still quote one.
            if s.tokens.len() > 8 {
                s.tokens.remove(0);
            }
        }
        let obj = Object::new();
        set(
            &obj,
            "authorization",
            &JsValue::from_str(&ops::authorization(&t)),
        );
        let protocols: Array = ops::logs_protocols(&t)
            .iter()
            .map(|p| JsValue::from_str(p))
            .collect();
        set(&obj, "protocols", &protocols);
        Ok(obj.into())
    })
    .map_err(|e| reject(&e))
}

/// The tokens `client` has used (none for an unknown client).
fn tokens_of(client: u32) -> Vec<String> {
    with_client(client, |c| Ok(c.tokens.clone())).unwrap_or_default()
}

/// Removes every token the client has used from `text` (for messages made in JS).
#[wasm_bindgen]
pub fn redacted(client: u32, text: &str) -> String {
    tokens_of(client)
        .iter()
        .fold(text.to_string(), |t, tok| redact(&t, tok))
}

fn call_of(name: &str, a: &JsValue, b: &JsValue, o: &Opts) -> Result<Call> {
    let id = |v: &JsValue, what: &str| js::string_arg(v, what);
    Ok(match name {
        "connect" => Call::Connect,
        "get" => Call::Get {
            app_id: id(a, "appId")?,
        },
        "getUpgrades" => Call::Upgrades {
            app_ids: js::string_list(a, "appIds")?,
        },
        "install" => Call::Install {
            scope: scope(o)?,
            data: js::js_to_object(a, "appData")?,
        },
        "configure" => Call::Configure {
            app_id: id(a, "appId")?,
            data: js::js_to_object(b, "appData")?,
            comment: o.string("comment")?,
            upgrade: o.bool("upgrade")?,
        },
        "uninstall" => Call::Uninstall {
            scope: scope(o)?,
            app_id: id(a, "appId")?,
            force: o.bool("force")?,
        },
        "getValues" => Call::Values {
            scope: scope(o)?,
            app_id: o.string("appId")?,
            value_type: o.string("valueType")?,
        },
        "listTemplates" => Call::Templates { scope: scope(o)? },
        "listTemplateVersions" => Call::TemplateVersions {
            scope: scope(o)?,
            name: id(a, "name")?,
        },
        "getTemplate" => Call::Template {
            scope: scope(o)?,
            name: id(a, "name")?,
            version: o.string("version")?,
        },
        "getOutput" => Call::Output {
            scope: scope(o)?,
            app_id: id(a, "appId")?,
        },
        "getRevisions" => Call::Revisions {
            app_id: id(a, "appId")?,
        },
        "rollback" => Call::Rollback {
            scope: scope(o)?,
            app_id: id(a, "appId")?,
            revision: js::integer_arg(b, "revisionNumber")?,
            comment: o.string("comment")?,
        },
        "getInput" => Call::Input {
            scope: scope(o)?,
            app_id: id(a, "appId")?,
            revision: o.integer("revision")?,
        },
        "list" => Call::List {
            scope: scope(o)?,
            states: o.strings("states")?.unwrap_or_default(),
        },
        "getEvents" => Call::Events {
            scope: scope(o)?,
            app_id: id(a, "appId")?,
        },
        "logs" => Call::Logs(LogsArgs {
            app_id: id(a, "appId")?,
            since: o.date_or_string("since")?,
            timestamps: o.bool("timestamps")?,
            cluster: o.string("cluster")?,
        }),
        other => return Err(ApiError::illegal_argument(format!("unknown call {other}"))),
    })
}

/// An error about op `id`'s request, naming it, without any token.
fn op_error(slot: &OpSlot, e: Box<ApiError>, spec: Option<&RequestSpec>) -> JsValue {
    let e = match spec {
        Some(s) => s.named(e),
        None => e,
    };
    reject_redacted(slot.client, e)
}

/// The boundary error for `e`, with every token `client` has used removed from its text.
fn reject_redacted(client: u32, e: Box<ApiError>) -> JsValue {
    let e = tokens_of(client).iter().fold(e, |e, t| e.redacted(t));
    reject(&e)
}

/// Starts call `CALLS[call]` (`a`, `b`: its positional arguments, `opts`: its options, all
/// checked here). Returns the first step (see `short_step` and `out`), with `op` (for a call
/// with a request), `timeoutMs` and for logs `maxLogBufferBytes`.
#[wasm_bindgen(js_name = opStart)]
pub fn op_start(client: u32, call: u32, a: JsValue, b: JsValue, opts: JsValue) -> JsResult<f64> {
    let name = CALLS.get(call as usize).copied().unwrap_or("?");
    let started = with_client(client, |slot| {
        let o = Opts::new(&opts, "options")?;
        o.signal()?;
        let limits = slot.client.effective(&limits(&o)?)?;
        let call = call_of(name, &a, &b, &o)?;
        let logs = matches!(call, Call::Logs(_));
        let (op, step) = Op::start(&slot.client, call)?;
        Ok((op, step, limits, logs))
    });
    let (op, step, limits, logs) = started.map_err(|e| reject(&e))?;
    let id = op
        .current()
        .is_some()
        .then(|| OPS.with(|o| o.borrow_mut().insert(OpSlot { client, op, limits })));
    // Logs' first step carries maxLogBufferBytes, which a short step has no place for.
    if !logs {
        if let Some(short) = short_step(&step, id.map(|id| (id, limits.timeout_ms)), (0, 0)) {
            return Ok(short);
        }
    }
    out(&mut |o| {
        step.write_json(o, &|o| {
            if let Some(id) = id {
                o.push_str("\"op\":");
                push_int(o, i64::from(id));
                o.push(',');
            }
            o.push_str("\"timeoutMs\":");
            push_number(o, limits.timeout_ms);
            o.push(',');
            if logs {
                o.push_str("\"maxLogBufferBytes\":");
                push_number(o, limits.max_log_buffer_bytes);
                o.push(',');
            }
        })
    })
    .map_err(|e| reject(&e))
}

fn with_op<T>(id: u32, f: impl FnOnce(&mut OpSlot) -> JsResult<T>) -> JsResult<T> {
    let mut slot = OPS
        .with(|o| o.borrow_mut().items.remove(&id))
        .ok_or_else(|| {
            reject(&ApiError::illegal_argument(
                "this call has already finished",
            ))
        })?;
    let out = f(&mut slot);
    if slot.op.current().is_some() {
        OPS.with(|o| o.borrow_mut().items.insert(id, slot));
    }
    out
}

/// The answer to attempt `attempt` of op `id`'s request, in one call: `{ delayMs, reason }` to
/// send again after a wait, `{ refreshToken: true }` when the answer refuses the token and a
/// provider may give another, else the next step or the call's error. `headers` (anything with
/// `get(name)`) is read only when a retry is possible.
#[wasm_bindgen(js_name = opAnswer)]
#[allow(clippy::too_many_arguments)]
pub fn op_answer(
    id: u32,
    attempt: u32,
    status: u16,
    headers: &JsValue,
    body: &[u8],
    can_refresh_token: bool,
    now_ms: f64,
    random: f64,
) -> JsResult<f64> {
    // Bytes, not a string: a copy into memory instead of a JS loop over every character.
    // Invalid UTF-8 reads as the JS layer's TextDecoder reads it (U+FFFD).
    let body = match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    };
    if TEST_TRAP.with(|t| t.replace(false)) {
        // Mid-update, as a real trap would be: the registry stays borrowed, so an instance that
        // was not replaced fails every later call.
        CLIENTS.with(|c| {
            let _held = c.borrow_mut();
            panic!("test trap armed by __apoloArmTestTrap");
        });
    }
    with_op(id, |slot| {
        let failure = Failure::of_status(status);
        let wish = || {
            let h: &HeaderBag = headers.unchecked_ref();
            let get = |name| h.get(name).ok().flatten();
            (get("retry-after"), get("retry-after-ms"))
        };
        let turn = Turn {
            attempt,
            can_refresh_token,
            now_ms,
            random,
        };
        if let Some(again) = retry_step(slot, failure, &turn, wish) {
            return out_text(&again);
        }
        let step = with_client(slot.client, |cs| {
            slot.op
                .answer(&mut cs.client, status, &body, can_refresh_token)
        });
        // The answer's own errors name the request already; a client gone still has it current.
        step_or_error(slot, step, slot.op.current())
    })
}

#[wasm_bindgen]
extern "C" {
    /// A response's headers: `Headers`, or the Node transport's own (anything with `get`).
    type HeaderBag;
    #[wasm_bindgen(method, catch)]
    fn get(this: &HeaderBag, name: &str) -> std::result::Result<Option<String>, JsValue>;
}

/// The retry policy's decision on a failed attempt as a step (`{ delayMs, reason }` or
/// `{ refreshToken: true }`), or None to go on with the answer or the failure. The server's
/// wish (Retry-After) is read only when a retry is possible.
/// What the JS layer says of an attempt besides its outcome.
struct Turn {
    attempt: u32,
    can_refresh_token: bool,
    now_ms: f64,
    random: f64,
}

fn retry_step(
    slot: &OpSlot,
    failure: Failure,
    turn: &Turn,
    wish: impl FnOnce() -> (Option<String>, Option<String>),
) -> Option<String> {
    let spec = slot.op.current()?;
    let mut a = Attempt {
        method: spec.method,
        failure,
        attempt: turn.attempt,
        max_retries: slot.limits.max_retries,
        can_refresh_token: turn.can_refresh_token,
        retry_after: None,
        retry_after_ms: None,
        now_ms: turn.now_ms,
        random: turn.random,
    };
    let (after, after_ms) = if a.may_retry() { wish() } else { (None, None) };
    a.retry_after = after.as_deref();
    a.retry_after_ms = after_ms.as_deref();
    match retry::decide(&a) {
        Decision::GiveUp => None,
        Decision::RefreshToken => Some("{\"refreshToken\":true}".to_string()),
        Decision::Retry { delay_ms, reason } => Some(format!(
            "{{\"delayMs\":{},\"reason\":{}}}",
            number(delay_ms),
            models::quoted(&reason)
        )),
    }
}

/// The next step (short, or JSON text), or the error naming `spec`'s request.
fn step_or_error(slot: &OpSlot, step: Result<Step>, spec: Option<&RequestSpec>) -> JsResult<f64> {
    let step = step.map_err(|e| op_error(slot, e, spec))?;
    // The answer's timestamps stay here, and the step says where (`"times"`: their byte offset
    // in this instance's memory, and count): JS reads them in place before its next call, each
    // object's in `dates` order, in epoch milliseconds (NaN: null). Measured per list page: JSON
    // numbers ~9 µs to parse, a copied Float64Array ~5 µs, read in place ~0.1 µs.
    let times = TIMES.with(|t| {
        let mut t = t.borrow_mut();
        t.clear();
        t.extend(
            step.times()
                .iter()
                .map(|ms| ms.map_or(f64::NAN, |ms| ms as f64)),
        );
        (t.as_ptr() as usize, t.len())
    });
    if let Some(short) = short_step(&step, None, times) {
        return Ok(short);
    }
    out(&mut |o| {
        step.write_json(o, &|o| {
            if times.1 > 0 {
                o.push_str("\"times\":[");
                push_int(o, times.0 as i64);
                o.push(',');
                push_int(o, times.1 as i64);
                o.push_str("],");
            }
        })
    })
    .map_err(|e| op_error(slot, e, spec))
}

/// This instance's memory, where a step's `times` are.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Attempt `attempt` of op `id`'s request got no answer (the runtime's error `code`, or
/// "timeout"): `{ delayMs, reason }` to send again after a wait, else the next step (configure
/// goes on without its schema guard) or the ConnectionError/TimeoutError.
#[wasm_bindgen(js_name = opFailed)]
pub fn op_failed(
    id: u32,
    attempt: u32,
    code: Option<String>,
    message: &str,
    can_refresh_token: bool,
    now_ms: f64,
    random: f64,
) -> JsResult<f64> {
    with_op(id, |slot| {
        let failure = Failure::from_network_code(code.as_deref());
        let turn = Turn {
            attempt,
            can_refresh_token,
            now_ms,
            random,
        };
        if let Some(again) = retry_step(slot, failure, &turn, || (None, None)) {
            return out_text(&again);
        }
        let e = match failure {
            Failure::Timeout => ApiError::new(
                ErrorKind::Timeout,
                format!(
                    "no answer within {} ms",
                    slot.limits.timeout_ms.round() as u64
                ),
            ),
            _ => ApiError::new(ErrorKind::Connection, message),
        };
        let step = with_client(slot.client, |cs| slot.op.failed(&cs.client, e));
        step_or_error(slot, step, slot.op.current())
    })
}

/// How many calls are in progress in the core (a leak shows here; the Node tests read it).
#[wasm_bindgen(js_name = opsInUse)]
pub fn ops_in_use() -> u32 {
    OPS.with(|o| o.borrow().items.len() as u32)
}

/// Forgets an op that will not be continued (abort, `break`).
#[wasm_bindgen(js_name = opDrop)]
pub fn op_drop(id: u32) {
    OPS.with(|o| o.borrow_mut().items.remove(&id));
}

/// The error for a refused logs WebSocket handshake with this HTTP status (0: unknown).
#[wasm_bindgen(js_name = handshakeError)]
pub fn handshake_error(client: u32, status: u16, url: &str) -> JsValue {
    let mut e = if status > 0 {
        let mut e = ApiError::new(
            ErrorKind::from_status(status),
            format!("the logs WebSocket handshake was refused (HTTP {status})"),
        );
        e.status = Some(status);
        e
    } else {
        ApiError::new(
            ErrorKind::Connection,
            "the logs WebSocket could not connect",
        )
    };
    e = e.with_request("GET", url);
    reject_redacted(client, e)
}

/// An error of a kind the JS layer names (e.g. a log buffer overflow), its text redacted.
#[wasm_bindgen(js_name = errorOf)]
pub fn error_of(
    client: u32,
    kind: &str,
    message: &str,
    method: Option<String>,
    url: Option<String>,
) -> JsValue {
    let kind = ErrorKind::from_name(kind).unwrap_or(ErrorKind::Connection);
    let mut e = ApiError::new(kind, message);
    e.method = method;
    e.url = url;
    reject_redacted(client, e)
}
