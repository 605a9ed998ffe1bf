//! Every call of the API as a small state machine: `start` gives the first request (or the
//! result), each answer gives the next request or the result. The JS layer only sends what it is
//! told and hands back what came; every decision (which request, how to decode, what is an
//! error, when to stop) is made here, synchronously.

use super::config::{Defaults, ServerConfig};
use super::configure::{self, ConfigurePlan};
use super::error::{ApiError, ErrorKind, Result};
use super::models::{
    array, envelope, is_json, items, object, parse_body, push_quoted, push_strings, quoted,
    template_detail, template_input, template_summaries, App, Edits, APP,
    APP_CONFIGURATION_REVISION, APP_UPGRADES, APP_VALUE,
};
use super::paging::PageCursor;
use super::requests::{Api, RequestSpec, Scope};
use super::retry::{self, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS};
use super::urls;
use serde_json::{Map, Value};
use std::collections::VecDeque;

/// The states an app goes through (the JS `AppState`); a newer server may report others.
pub const APP_STATES: [&str; 7] = [
    "queued",
    "progressing",
    "healthy",
    "degraded",
    "errored",
    "uninstalling",
    "uninstalled",
];

/// A template answer larger than this skips configure's schema guard, before it is parsed: real
/// input schemas are tens of KB, and decoding megabytes of hostile schema would cost seconds.
pub const MAX_GUARD_TEMPLATE_BYTES: usize = 1 << 20;

/// High-water mark of log bytes queued for a consumer when the caller gives none.
pub const DEFAULT_MAX_LOG_BUFFER_BYTES: f64 = 8.0 * 1024.0 * 1024.0;

/// A client's settings and what it learnt from the server.
#[derive(Debug, Clone)]
pub struct Client {
    pub api_url: String,
    pub api: Api,
    pub config: Option<ServerConfig>,
    pub max_retries: u32,
    pub timeout_ms: f64,
    pub max_log_buffer_bytes: f64,
}

/// Per-client (and per-call) limits; `None` keeps the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub max_retries: Option<f64>,
    pub timeout_ms: Option<f64>,
    pub max_log_buffer_bytes: Option<f64>,
}

/// The effective limits of one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effective {
    pub max_retries: u32,
    pub timeout_ms: f64,
    pub max_log_buffer_bytes: f64,
}

fn check_limits(l: &Limits) -> Result<()> {
    if let Some(n) = l.max_retries {
        if !(n.fract() == 0.0 && (0.0..=100.0).contains(&n)) {
            return Err(ApiError::illegal_argument(
                "`maxRetries` must be an integer from 0 to 100",
            ));
        }
    }
    if let Some(ms) = l.timeout_ms {
        if !(ms.is_finite() && ms > 0.0) {
            return Err(ApiError::illegal_argument(
                "`timeoutMs` must be a positive number",
            ));
        }
    }
    if let Some(b) = l.max_log_buffer_bytes {
        if !(b.is_finite() && b >= 1.0) {
            return Err(ApiError::illegal_argument(
                "`maxLogBufferBytes` must be a positive number",
            ));
        }
    }
    Ok(())
}

impl Client {
    pub fn new(api_url: &str, defaults: Defaults, limits: Limits) -> Result<Client> {
        check_limits(&limits)?;
        if let Some(m) = &defaults.monitoring_url {
            urls::logs_url(m, "x", None, false)?;
        }
        Ok(Client {
            api_url: api_url.to_string(),
            api: Api::new(api_url, defaults)?,
            config: None,
            max_retries: limits.max_retries.map_or(DEFAULT_MAX_RETRIES, |n| n as u32),
            timeout_ms: limits.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS),
            max_log_buffer_bytes: limits
                .max_log_buffer_bytes
                .unwrap_or(DEFAULT_MAX_LOG_BUFFER_BYTES),
        })
    }

    /// The client's limits overridden by a call's own options.
    pub fn effective(&self, call: &Limits) -> Result<Effective> {
        check_limits(call)?;
        Ok(Effective {
            max_retries: call.max_retries.map_or(self.max_retries, |n| n as u32),
            timeout_ms: call.timeout_ms.unwrap_or(self.timeout_ms),
            max_log_buffer_bytes: call
                .max_log_buffer_bytes
                .unwrap_or(self.max_log_buffer_bytes),
        })
    }
}

/// A call with its arguments, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Connect,
    Get {
        app_id: String,
    },
    Upgrades {
        app_ids: Vec<String>,
    },
    Install {
        scope: Scope,
        data: Map<String, Value>,
    },
    Configure {
        app_id: String,
        data: Map<String, Value>,
        comment: Option<String>,
        upgrade: bool,
    },
    Uninstall {
        scope: Scope,
        app_id: String,
        force: bool,
    },
    Values {
        scope: Scope,
        app_id: Option<String>,
        value_type: Option<String>,
    },
    Templates {
        scope: Scope,
    },
    TemplateVersions {
        scope: Scope,
        name: String,
    },
    Template {
        scope: Scope,
        name: String,
        version: Option<String>,
    },
    Output {
        scope: Scope,
        app_id: String,
    },
    Revisions {
        app_id: String,
    },
    Rollback {
        scope: Scope,
        app_id: String,
        revision: i64,
        comment: Option<String>,
    },
    Input {
        scope: Scope,
        app_id: String,
        revision: Option<i64>,
    },
    List {
        scope: Scope,
        states: Vec<String>,
    },
    Events {
        scope: Scope,
        app_id: String,
    },
    Logs(LogsArgs),
}

/// What `logs` is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsArgs {
    pub app_id: String,
    pub since: Option<String>,
    pub timestamps: bool,
    pub cluster: Option<String>,
}

/// Revision numbers start at 1 (the server's and the SDK's numbering).
pub fn check_revision(n: i64, what: &str) -> Result<i64> {
    if n >= 1 {
        Ok(n)
    } else {
        Err(ApiError::illegal_argument(format!(
            "{what} must be a positive integer"
        )))
    }
}

/// A non-empty id or name argument.
pub fn check_id(v: String, what: &str) -> Result<String> {
    if v.is_empty() {
        Err(ApiError::illegal_argument(format!(
            "{what} must be a non-empty string"
        )))
    } else {
        Ok(v)
    }
}

/// What a finished call gives the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Nothing,
    /// JSON text made here.
    Json(String),
    /// The answer's body is the value (or its member `at`), as JS parses it, with the edits its
    /// check found.
    Body {
        at: &'static str,
        edits: Edits,
    },
    /// The logs WebSocket's URL (the JS layer opens it).
    LogsUrl(String),
}

/// `x` as a JSON number (integers without a fraction). Not `{x}`: f64's Display would bring its
/// own float formatting (~14 KB) into the .wasm beside serde_json's.
pub fn number(x: f64) -> String {
    let mut s = String::new();
    push_number(&mut s, x);
    s
}

/// `n` in decimal at the end of `out` (one integer type for all, so one copy of the code).
pub fn push_int(out: &mut String, n: i64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// `number(x)` at the end of `out`.
pub fn push_number(out: &mut String, x: f64) {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        push_int(out, x as i64);
    } else {
        out.push_str(&serde_json::to_string(&x).unwrap_or_else(|_| "null".to_string()));
    }
}

fn json<T: serde::Serialize + ?Sized>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ApiError::bad_response(200, format!("cannot encode: {e}")))
}

impl Output {
    fn body(edits: Edits) -> Output {
        Output::Body { at: "", edits }
    }
}

// Steps are written with push_str, not format!: they are made for every request, and core::fmt
// costs more than the rest of a small step in the .wasm.
fn push_request(out: &mut String, spec: &RequestSpec) -> Result<()> {
    out.push_str("\"method\":\"");
    out.push_str(spec.method.as_str());
    out.push_str("\",\"url\":");
    push_quoted(out, &spec.url);
    if let Some(body) = &spec.body {
        out.push_str(",\"body\":");
        out.push_str(&quoted(&json(body)?));
        out.push_str(",\"contentType\":\"application/json\"");
    }
    Ok(())
}

/// `,"key":value`, or for a body `,"answer":{…}`: what JS takes from `JSON.parse` of the answer
/// (`at`: the whole body or one member), where it goes (`to`), the keys of the timestamps to make
/// `Date`s of (`dates`; their times cross apart: `Step::times`), and `fix` (see `Edits::fixes`).
fn push_output(out: &mut String, key: &str, o: &Output) -> Result<()> {
    let value = match o {
        Output::Nothing => return Ok(()),
        Output::Json(text) => text.clone(),
        Output::LogsUrl(u) => quoted(u),
        Output::Body { at, edits } => {
            // `at` "" and `list` false are left out (JS reads them as absent): a shorter text
            // to parse per answer.
            out.push_str(",\"answer\":{\"to\":\"");
            out.push_str(key);
            out.push('"');
            if !at.is_empty() {
                out.push_str(",\"at\":");
                push_quoted(out, at);
            }
            if edits.list {
                out.push_str(",\"list\":true");
            }
            let dates = edits.shape.map(|s| s.date_keys()).unwrap_or_default();
            if !dates.is_empty() {
                out.push_str(",\"dates\":");
                push_strings(out, dates);
            }
            if !edits.fixes.is_empty() {
                out.push_str(",\"fix\":[");
                out.push_str(&edits.fixes);
                out.push(']');
            }
            out.push('}');
            return Ok(());
        }
    };
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
    out.push_str(&value);
    Ok(())
}

impl Step {
    /// The step as one JSON object, which is all that crosses to JS: `{ method, url, body?,
    /// contentType? }` to send, `{ done: true, value?, dates? }` at the end, `items` (and `dates`)
    /// on a page with the next request or `done`, `{ refreshToken: true }`. `head` holds extra
    /// members, already JSON (`"op":1,`), or is empty.
    #[cfg(test)]
    pub fn to_json(&self, head: &str) -> Result<String> {
        let mut out = String::new();
        self.write_json(&mut out, &|o| o.push_str(head))?;
        Ok(out)
    }

    /// The step as JSON text at the end of `out`, `head` writing members first (each ending with
    /// a comma).
    pub fn write_json(&self, out: &mut String, head: &dyn Fn(&mut String)) -> Result<()> {
        // Room for a step with its URL, so that writing it does not grow the string.
        let url = match self {
            Step::Send(s) | Step::Page(_, Some(s)) => s.url.len(),
            _ => 0,
        };
        out.reserve(url + 256);
        out.push('{');
        head(out);
        match self {
            Step::Send(spec) => push_request(out, spec)?,
            Step::Done(o) => {
                out.push_str("\"done\":true");
                push_output(out, "value", o)?;
            }
            Step::Page(items, next) => {
                match next {
                    Some(spec) => push_request(out, spec)?,
                    None => out.push_str("\"done\":true"),
                }
                push_output(out, "items", items)?;
            }
            Step::RefreshToken => out.push_str("\"refreshToken\":true"),
        }
        out.push('}');
        Ok(())
    }

    /// The answer's timestamps, each object's in its `dates` order, as epoch milliseconds (None:
    /// null). They cross beside the JSON, as numbers: parsing a page's 100 timestamps out of
    /// JSON text took longer than the rest of its step.
    pub fn times(&self) -> &[Option<i64>] {
        match self {
            Step::Done(Output::Body { edits, .. }) | Step::Page(Output::Body { edits, .. }, _) => {
                &edits.times
            }
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this request and hand its answer to `Op::answer`.
    Send(RequestSpec),
    /// The call's result.
    Done(Output),
    /// A page's items, and the next page's request if there is one.
    Page(Output, Option<RequestSpec>),
    /// The answer says the token is not accepted (a `/config` with `authorized: false`, which is
    /// a 200): ask the token provider again and resend, or answer again without `can_refresh`.
    RefreshToken,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Decode {
    App,
    Nothing,
    Json,
    Values,
    Templates,
    Revisions,
}

#[derive(Debug, Clone)]
enum State {
    Single(Decode),
    TemplateVersions(String),
    Template(String),
    Upgrades {
        rest: VecDeque<RequestSpec>,
    },
    ConfigureGet {
        app_id: String,
        data: Map<String, Value>,
        comment: Option<String>,
        upgrade: bool,
    },
    ConfigureTemplate(Box<Planned>),
    ConfigurePut,
    Pages(PageCursor),
    Connect,
    LogsConfig(LogsArgs),
    Finished,
}

/// A configure call once the app is known: what its PUT is made of.
#[derive(Debug, Clone)]
struct Planned {
    app_id: String,
    data: Map<String, Value>,
    comment: Option<String>,
    existing: App,
    plan: ConfigurePlan,
}

impl Planned {
    /// The PUT, unless the schema guard found input fields the template does not define.
    fn put(&self, client: &Client, undefined: &[String]) -> Result<Step> {
        let target = self.plan.target_version.as_deref();
        if !undefined.is_empty() {
            return Err(configure::undefined_error(
                &self.existing,
                target,
                undefined,
            ));
        }
        let body = configure::body(&self.data, self.comment.as_deref(), target);
        Ok(Step::Send(client.api.configure(
            &self.existing,
            &self.app_id,
            body,
        )?))
    }
}

/// One call in progress.
#[derive(Debug, Clone)]
pub struct Op {
    state: State,
    current: Option<RequestSpec>,
}

/// An answer's status that is an error: ≥ 400, or no real HTTP status (an opaque response).
pub fn status_error(status: u16, body: &str) -> Option<Box<ApiError>> {
    if !retry::is_http_status(status) {
        return Some(ApiError::new(
            ErrorKind::Connection,
            format!("no HTTP answer (status {status}: an opaque or blocked response)"),
        ));
    }
    (status >= 400).then(|| ApiError::from_response(status, body))
}

fn body_text(body: &str) -> &str {
    body.strip_prefix('\u{feff}').unwrap_or(body)
}

impl LogsArgs {
    /// The logs WebSocket's URL, or None when `/config` must be read first to find it.
    fn url(&self, client: &Client) -> Result<Option<String>> {
        let (app_id, since, timestamps) =
            (self.app_id.as_str(), self.since.as_deref(), self.timestamps);
        let cluster = self.cluster.as_deref().filter(|c| !c.is_empty());
        urls::segment(app_id)?;
        let d = &client.api.defaults;
        let same_cluster = cluster.is_none() || cluster == d.cluster.as_deref();
        let monitoring = match (&d.monitoring_url, &client.config) {
            (Some(m), _) if same_cluster => m.clone(),
            (_, None) => return Ok(None),
            (_, Some(cfg)) => {
                let name = cluster
                    .map(str::to_string)
                    .or_else(|| d.cluster.clone())
                    .or_else(|| cfg.clusters.first().map(|c| c.name.clone()));
                name.as_deref()
                    .and_then(|n| cfg.cluster(n))
                    .and_then(|c| c.monitoring_url.clone())
                    .ok_or_else(|| {
                        ApiError::illegal_argument(format!(
                            "no monitoring URL known for cluster {}",
                            name.as_deref().unwrap_or("(none)")
                        ))
                    })?
            }
        };
        urls::logs_url(&monitoring, app_id, since, timestamps).map(Some)
    }
}

impl Op {
    pub fn start(client: &Client, call: Call) -> Result<(Op, Step)> {
        let api = &client.api;
        let single = |spec: RequestSpec, d: Decode| (State::Single(d), Step::Send(spec));
        let (state, step) = match call {
            Call::Connect => (
                State::Connect,
                Step::Send(RequestSpec::get(urls::config_url(&client.api_url)?)),
            ),
            Call::Get { app_id } => single(api.get(&check_id(app_id, "appId")?)?, Decode::App),
            Call::Upgrades { app_ids } => {
                let ids = app_ids
                    .into_iter()
                    .map(|id| check_id(id, "every app id"))
                    .collect::<Result<Vec<_>>>()?;
                let mut rest: VecDeque<_> = api.upgrades(&ids)?.into();
                match rest.pop_front() {
                    None => (State::Finished, Step::Done(Output::Json("[]".to_string()))),
                    Some(first) => (State::Upgrades { rest }, Step::Send(first)),
                }
            }
            Call::Install { scope, data } => {
                single(api.install(&scope, Value::Object(data))?, Decode::App)
            }
            Call::Configure {
                app_id,
                data,
                comment,
                upgrade,
            } => {
                let app_id = check_id(app_id, "appId")?;
                let get = api.get(&app_id)?;
                (
                    State::ConfigureGet {
                        app_id,
                        data,
                        comment,
                        upgrade,
                    },
                    Step::Send(get),
                )
            }
            Call::Uninstall {
                scope,
                app_id,
                force,
            } => single(
                api.uninstall(&scope, &check_id(app_id, "appId")?, force)?,
                Decode::Nothing,
            ),
            Call::Values {
                scope,
                app_id,
                value_type,
            } => {
                let app_id = app_id.map(|a| check_id(a, "appId")).transpose()?;
                single(
                    api.values(&scope, app_id.as_deref(), value_type.as_deref())?,
                    Decode::Values,
                )
            }
            Call::Templates { scope } => single(api.templates(&scope)?, Decode::Templates),
            Call::TemplateVersions { scope, name } => {
                let name = check_id(name, "name")?;
                let spec = api.template_versions(&scope, &name)?;
                (State::TemplateVersions(name), Step::Send(spec))
            }
            Call::Template {
                scope,
                name,
                version,
            } => {
                let name = check_id(name, "name")?;
                let spec = api.template(&scope, &name, version.as_deref())?;
                (State::Template(name), Step::Send(spec))
            }
            Call::Output { scope, app_id } => single(
                api.output(&scope, &check_id(app_id, "appId")?)?,
                Decode::Json,
            ),
            Call::Revisions { app_id } => single(
                api.revisions(&check_id(app_id, "appId")?)?,
                Decode::Revisions,
            ),
            Call::Rollback {
                scope,
                app_id,
                revision,
                comment,
            } => {
                let app_id = check_id(app_id, "appId")?;
                let n = check_revision(revision, "revisionNumber")?;
                single(
                    api.rollback(&scope, &app_id, n, comment.as_deref())?,
                    Decode::App,
                )
            }
            Call::Input {
                scope,
                app_id,
                revision,
            } => {
                let app_id = check_id(app_id, "appId")?;
                let revision = revision
                    .map(|r| check_revision(r, "revision"))
                    .transpose()?;
                single(api.input(&scope, &app_id, revision)?, Decode::Json)
            }
            Call::List { scope, states } => Self::pages(api.list(&scope, &states)?),
            Call::Events { scope, app_id } => {
                Self::pages(api.events(&scope, &check_id(app_id, "appId")?)?)
            }
            Call::Logs(args) => {
                let args = LogsArgs {
                    app_id: check_id(args.app_id, "appId")?,
                    ..args
                };
                match args.url(client)? {
                    Some(url) => (State::Finished, Step::Done(Output::LogsUrl(url))),
                    None => (
                        State::LogsConfig(args),
                        Step::Send(RequestSpec::get(urls::config_url(&client.api_url)?)),
                    ),
                }
            }
        };
        let mut op = Op {
            state,
            current: None,
        };
        op.note(&step);
        Ok((op, step))
    }

    fn pages(cursor: PageCursor) -> (State, Step) {
        match cursor.next_request() {
            Some(first) => (State::Pages(cursor), Step::Send(first)),
            None => (
                State::Finished,
                Step::Page(Output::Json("[]".to_string()), None),
            ),
        }
    }

    fn note(&mut self, step: &Step) {
        self.current = match step {
            Step::Send(s) | Step::Page(_, Some(s)) => Some(s.clone()),
            _ => None,
        };
        if matches!(step, Step::Done(_) | Step::Page(_, None)) {
            self.state = State::Finished;
        }
    }

    /// The request in flight, whose method the retry policy and errors need.
    pub fn current(&self) -> Option<&RequestSpec> {
        self.current.as_ref()
    }

    /// The answer to `current()`: the next step, or the call's error (naming that request).
    /// `can_refresh`: the token comes from a provider not yet asked again for this request.
    pub fn answer(
        &mut self,
        client: &mut Client,
        status: u16,
        body: &str,
        can_refresh: bool,
    ) -> Result<Step> {
        let body = body_text(body);
        if can_refresh
            && matches!(self.state, State::Connect | State::LogsConfig(_))
            && status_error(status, body).is_none()
            && ServerConfig::parse(body).is_err_and(|e| e.kind == ErrorKind::Authentication)
        {
            return Ok(Step::RefreshToken);
        }
        let state = std::mem::replace(&mut self.state, State::Finished);
        match self.advance(client, state, status, body) {
            Ok(step) => {
                self.note(&step);
                Ok(step)
            }
            Err(e) => Err(self.end_with(e)),
        }
    }

    /// Ends the op with `e`, naming the request it was waiting on.
    fn end_with(&mut self, e: Box<ApiError>) -> Box<ApiError> {
        match self.current.take() {
            Some(s) => s.named(e),
            None => e,
        }
    }

    /// The request failed for good (no answer, or retries used up). Only configure's schema
    /// guard goes on without its template, as the SDK does; every other call fails with `error`
    /// (naming that request).
    pub fn failed(&mut self, client: &Client, error: Box<ApiError>) -> Result<Step> {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::ConfigureTemplate(planned) => {
                let step = planned.put(client, &[])?;
                self.state = State::ConfigurePut;
                self.note(&step);
                Ok(step)
            }
            _ => Err(self.end_with(error)),
        }
    }

    fn advance(
        &mut self,
        client: &mut Client,
        state: State,
        status: u16,
        body: &str,
    ) -> Result<Step> {
        // The schema guard's template fetch may fail: the guard is then skipped (as the SDK does).
        if let State::ConfigureTemplate(planned) = state {
            let undefined =
                if status_error(status, body).is_some() || body.len() > MAX_GUARD_TEMPLATE_BYTES {
                    Vec::new()
                } else {
                    match template_input(status, body) {
                        Some(schema) => configure::undefined_input_fields(
                            &schema,
                            planned.data.get("input").unwrap_or(&Value::Null),
                        ),
                        None => Vec::new(),
                    }
                };
            self.state = State::ConfigurePut;
            return planned.put(client, &undefined);
        }
        if let Some(e) = status_error(status, body) {
            return Err(e);
        }
        match state {
            State::Single(d) => Ok(Step::Done(match d {
                Decode::App => Output::body(object(status, body, &APP)?),
                Decode::Nothing => {
                    parse_body(status, body)?;
                    Output::Nothing
                }
                Decode::Json if is_json(status, body)? => Output::body(Edits::default()),
                Decode::Json => Output::Json("null".to_string()),
                Decode::Values => {
                    let env = envelope(status, body, &APP_VALUE)?;
                    match items(status, env, true)? {
                        Some(edits) => Output::Body { at: "items", edits },
                        None => Output::Json("[]".to_string()),
                    }
                }
                Decode::Templates => Output::body(template_summaries(status, body, None)?),
                Decode::Revisions => {
                    Output::body(array(status, body, &APP_CONFIGURATION_REVISION)?)
                }
            })),
            State::TemplateVersions(name) => Ok(Step::Done(Output::body(template_summaries(
                status,
                body,
                Some(&name),
            )?))),
            State::Template(name) => Ok(Step::Done(match template_detail(status, body, &name)? {
                None => Output::Json("null".to_string()),
                Some(edits) => Output::body(edits),
            })),
            State::Upgrades { mut rest } => {
                // Each batch's items reach JS as a page; the call's value is all of them.
                let items = Output::body(array(status, body, &APP_UPGRADES)?);
                let next = rest.pop_front();
                if next.is_some() {
                    self.state = State::Upgrades { rest };
                }
                Ok(Step::Page(items, next))
            }
            State::ConfigureGet {
                app_id,
                data,
                comment,
                upgrade,
            } => {
                let existing = App::decode(status, body)?;
                let plan = configure::plan(&existing, &data, upgrade)?;
                let check = plan.check_version.clone();
                let planned = Planned {
                    app_id,
                    data,
                    comment,
                    existing,
                    plan,
                };
                match check {
                    Some(version) => {
                        let spec = client.api.template_for_app(&planned.existing, &version)?;
                        self.state = State::ConfigureTemplate(Box::new(planned));
                        Ok(Step::Send(spec))
                    }
                    None => {
                        self.state = State::ConfigurePut;
                        planned.put(client, &[])
                    }
                }
            }
            State::ConfigurePut => Ok(Step::Done(Output::body(object(status, body, &APP)?))),
            State::Pages(mut cursor) => {
                let items = match cursor.accept(status, body)? {
                    Some(edits) => Output::Body { at: "items", edits },
                    None => Output::Json("[]".to_string()),
                };
                let next = cursor.next_request();
                self.state = State::Pages(cursor);
                Ok(Step::Page(items, next))
            }
            State::Connect => {
                let cfg = ServerConfig::parse(body)?;
                let defaults = cfg.resolve(&client.api.defaults);
                client.api = Api::new(&client.api_url, defaults)?;
                client.config = Some(cfg);
                Ok(Step::Done(Output::Nothing))
            }
            State::LogsConfig(args) => {
                client.config = Some(ServerConfig::parse(body)?);
                match args.url(client)? {
                    Some(url) => Ok(Step::Done(Output::LogsUrl(url))),
                    None => Err(ApiError::new(
                        ErrorKind::BadGateway,
                        "no /config to find the monitoring URL in",
                    )),
                }
            }
            State::ConfigureTemplate(_) | State::Finished => {
                Err(ApiError::illegal_argument("this call has already finished"))
            }
        }
    }
}

/// The logs WebSocket's subprotocols: the platform reads the token from the second, and splits
/// the header on spaces, so the order matters.
pub fn logs_protocols(token: &str) -> [String; 2] {
    [
        "logs.apolo.us".to_string(),
        format!("bearer.apolo.us-{token}"),
    ]
}

/// The `Authorization` header value.
pub fn authorization(token: &str) -> String {
    format!("Bearer {token}")
}

/// A token must travel in a header and a WebSocket subprotocol: visible ASCII only.
pub fn check_token(token: &str) -> Result<()> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::illegal_argument(
            "`token` must be a non-empty string of visible ASCII characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::requests::Method;
    use serde_json::json;

    const ID: &str = "704285b2-aab1-4b0a-b8ff-bfbeb37f89e4";

    fn client() -> Client {
        Client::new(
            "http://h/api/v1",
            Defaults {
                cluster: Some("default".into()),
                org: Some("superorg".into()),
                project: Some("alpha".into()),
                monitoring_url: None,
            },
            Limits::default(),
        )
        .unwrap()
    }

    fn app(version: &str) -> Value {
        json!({
            "id": ID, "name": "sd", "display_name": "SD", "template_name": "stable-diffusion",
            "template_version": version, "project_name": "alpha", "org_name": "superorg",
            "cluster_name": "default", "namespace": "ns", "state": "healthy", "creator": "u",
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
            "endpoints": [],
        })
    }

    fn sent(step: &Step) -> &RequestSpec {
        match step {
            Step::Send(s) => s,
            s => panic!("expected a request, got {s:?}"),
        }
    }

    #[test]
    fn get_decodes_one_app() {
        let mut c = client();
        let (mut op, step) = Op::start(&c, Call::Get { app_id: ID.into() }).unwrap();
        assert_eq!(
            sent(&step).url,
            format!("http://h/apis/apps/v2/instances/{ID}")
        );
        assert_eq!(op.current().unwrap().method, Method::Get);
        let done = op
            .answer(&mut c, 200, &app("1").to_string(), false)
            .unwrap();
        assert!(matches!(done, Step::Done(Output::Body { edits, .. }) if edits.count == 1));
        assert!(op.current().is_none());
    }

    #[test]
    fn errors_and_leading_bom() {
        let mut c = client();
        let (mut op, _) = Op::start(&c, Call::Get { app_id: ID.into() }).unwrap();
        let e = op
            .answer(&mut c, 404, r#"{"error":"nope"}"#, false)
            .unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ErrorKind::ResourceNotFound, "nope")
        );
        // The error names the request it answers, and the op has none in flight after it.
        let url = format!("http://h/apis/apps/v2/instances/{ID}");
        assert_eq!(
            (e.method.as_deref(), e.url.as_deref()),
            (Some("GET"), Some(url.as_str()))
        );
        assert!(op.current().is_none());
        // So does a request that got no answer.
        let (mut op, _) = Op::start(&c, Call::Get { app_id: ID.into() }).unwrap();
        let e = op
            .failed(&c, ApiError::new(ErrorKind::Connection, "refused"))
            .unwrap_err();
        assert_eq!(e.url.as_deref(), Some(url.as_str()));
        assert!(op.current().is_none());
        let (mut op, _) = Op::start(&c, Call::Get { app_id: ID.into() }).unwrap();
        assert!(op
            .answer(&mut c, 200, &format!("\u{feff}{}", app("1")), false)
            .is_ok());
        // An opaque answer (status 0) is no HTTP answer at all.
        assert_eq!(status_error(0, "").unwrap().kind, ErrorKind::Connection);
    }

    #[test]
    fn revision_numbers_start_at_one() {
        let c = client();
        for n in [0, -1] {
            let call = Call::Rollback {
                scope: Scope::default(),
                app_id: ID.into(),
                revision: n,
                comment: None,
            };
            assert_eq!(
                Op::start(&c, call).unwrap_err().kind,
                ErrorKind::IllegalArgument
            );
            let call = Call::Input {
                scope: Scope::default(),
                app_id: ID.into(),
                revision: Some(n),
            };
            assert_eq!(
                Op::start(&c, call).unwrap_err().kind,
                ErrorKind::IllegalArgument
            );
        }
        let ok = Call::Rollback {
            scope: Scope::default(),
            app_id: ID.into(),
            revision: 1,
            comment: None,
        };
        assert!(Op::start(&c, ok).is_ok());
    }

    #[test]
    fn upgrades_in_batches_of_100() {
        let mut c = client();
        let ids: Vec<String> = (0..150).map(|i| format!("id{i}")).collect();
        let (mut op, step) = Op::start(&c, Call::Upgrades { app_ids: ids }).unwrap();
        assert_eq!(sent(&step).query().len(), 100);
        let Step::Page(_, Some(next)) = op.answer(&mut c, 200, "[]", false).unwrap() else {
            panic!("a second batch")
        };
        assert_eq!(next.query().len(), 50);
        assert!(matches!(
            op.answer(&mut c, 200, "[]", false).unwrap(),
            Step::Page(Output::Body { .. }, None)
        ));
        let (_, step) = Op::start(&c, Call::Upgrades { app_ids: vec![] }).unwrap();
        assert_eq!(step, Step::Done(Output::Json("[]".into())));
        assert!(Op::start(
            &c,
            Call::Upgrades {
                app_ids: vec!["".into()]
            }
        )
        .is_err());
    }

    fn configure_call(input: Value) -> Call {
        let data = json!({"template_version": "2", "input": input});
        Call::Configure {
            app_id: ID.into(),
            data: data.as_object().unwrap().clone(),
            comment: None,
            upgrade: false,
        }
    }

    #[test]
    fn configure_checks_the_schema_then_puts() {
        let mut c = client();
        let (mut op, step) = Op::start(&c, configure_call(json!({"a": 1}))).unwrap();
        assert_eq!(sent(&step).method, Method::Get);
        let step = op
            .answer(&mut c, 200, &app("1").to_string(), false)
            .unwrap();
        assert!(sent(&step).url.ends_with("/templates/stable-diffusion/1"));
        let template = json!({"name": "stable-diffusion", "version": "1", "input": {"type": "object", "properties": {"b": {}}}});
        let e = op
            .answer(&mut c, 200, &template.to_string(), false)
            .unwrap_err();
        assert!(e.message.contains("has no a"), "{}", e.message);
    }

    #[test]
    fn configure_skips_the_guard_when_the_template_cannot_be_had() {
        let mut c = client();
        for fail in [true, false] {
            let (mut op, _) = Op::start(&c, configure_call(json!({"a": 1}))).unwrap();
            op.answer(&mut c, 200, &app("1").to_string(), false)
                .unwrap();
            let step = if fail {
                op.failed(&c, ApiError::new(ErrorKind::Connection, "down"))
                    .unwrap()
            } else {
                op.answer(&mut c, 503, "", false).unwrap()
            };
            assert_eq!(sent(&step).method, Method::Put);
            assert!(matches!(
                op.answer(&mut c, 200, &app("1").to_string(), false)
                    .unwrap(),
                Step::Done(Output::Body { edits, .. }) if edits.count == 1
            ));
        }
    }

    #[test]
    fn a_huge_template_skips_the_guard_unparsed() {
        let mut c = client();
        let (mut op, _) = Op::start(&c, configure_call(json!({"a": 1}))).unwrap();
        op.answer(&mut c, 200, &app("1").to_string(), false)
            .unwrap();
        // Would refuse `a` if it were read; past the size bound it is not.
        let pad = "x".repeat(MAX_GUARD_TEMPLATE_BYTES);
        let template = json!({"name": "stable-diffusion", "description": pad, "input": {"type": "object", "properties": {"b": {}}}});
        let step = op
            .answer(&mut c, 200, &template.to_string(), false)
            .unwrap();
        assert_eq!(sent(&step).method, Method::Put);
    }

    #[test]
    fn pages_follow_until_the_last() {
        let mut c = client();
        let (mut op, step) = Op::start(
            &c,
            Call::List {
                scope: Scope::default(),
                states: vec![],
            },
        )
        .unwrap();
        assert!(sent(&step).query().contains(&("page", "1")));
        let page = json!({"items": [app("1")], "pages": 2}).to_string();
        match op.answer(&mut c, 200, &page, false).unwrap() {
            Step::Page(Output::Body { at: "items", edits }, Some(next)) => {
                assert_eq!(edits.count, 1);
                assert!(next.query().contains(&("page", "2")));
            }
            s => panic!("{s:?}"),
        }
        assert!(matches!(
            op.answer(&mut c, 200, &page, false).unwrap(),
            Step::Page(_, None)
        ));
        // A failed page ends the call.
        let (mut op, _) = Op::start(
            &c,
            Call::List {
                scope: Scope::default(),
                states: vec![],
            },
        )
        .unwrap();
        assert!(op
            .failed(&c, ApiError::new(ErrorKind::Connection, "x"))
            .is_err());
    }

    #[test]
    fn connect_resolves_defaults() {
        let mut c = Client::new("http://h/api/v1", Defaults::default(), Limits::default()).unwrap();
        let (mut op, step) = Op::start(&c, Call::Connect).unwrap();
        assert_eq!(sent(&step).url, "http://h/api/v1/config");
        let cfg = json!({"authorized": true, "clusters": [{"name": "k", "orgs": ["o"], "monitoring_url": "http://m/api/v1/jobs"}],
            "projects": [{"name": "p", "cluster_name": "k", "org_name": "o"}]});
        op.answer(&mut c, 200, &cfg.to_string(), false).unwrap();
        assert_eq!(c.api.defaults.cluster.as_deref(), Some("k"));
        assert_eq!(c.api.defaults.project.as_deref(), Some("p"));
        // Logs then need no /config.
        let (_, step) = Op::start(
            &c,
            Call::Logs(LogsArgs {
                app_id: ID.into(),
                since: None,
                timestamps: false,
                cluster: None,
            }),
        )
        .unwrap();
        assert!(matches!(step, Step::Done(Output::LogsUrl(u)) if u.starts_with("ws://m/")));
    }

    #[test]
    fn an_unauthorized_config_asks_the_provider_once() {
        let mut c = Client::new("http://h/api/v1", Defaults::default(), Limits::default()).unwrap();
        let (mut op, _) = Op::start(&c, Call::Connect).unwrap();
        let no = r#"{"authorized": false}"#;
        assert_eq!(
            op.answer(&mut c, 200, no, true).unwrap(),
            Step::RefreshToken
        );
        // The request is still the one to resend.
        assert!(op.current().unwrap().url.ends_with("/config"));
        let e = op.answer(&mut c, 200, no, false).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Authentication);
    }

    #[test]
    fn logs_fetch_config_once_when_needed() {
        let mut c = client();
        let call = Call::Logs(LogsArgs {
            app_id: ID.into(),
            since: None,
            timestamps: true,
            cluster: None,
        });
        let (mut op, step) = Op::start(&c, call.clone()).unwrap();
        assert!(sent(&step).url.ends_with("/api/v1/config"));
        let cfg = json!({"authorized": true, "clusters": [{"name": "default", "monitoring_url": "https://m/api/v1/jobs"}]});
        assert!(matches!(
            op.answer(&mut c, 200, &cfg.to_string(), false).unwrap(),
            Step::Done(Output::LogsUrl(_))
        ));
        assert!(matches!(
            Op::start(&c, call).unwrap().1,
            Step::Done(Output::LogsUrl(_))
        ));
    }

    #[test]
    fn limits() {
        let c = client();
        let e = c.effective(&Limits::default()).unwrap();
        assert_eq!(
            (e.max_retries, e.timeout_ms),
            (DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS)
        );
        let e = c
            .effective(&Limits {
                max_retries: Some(0.0),
                timeout_ms: Some(5.0),
                ..Limits::default()
            })
            .unwrap();
        assert_eq!((e.max_retries, e.timeout_ms), (0, 5.0));
        for bad in [
            Limits {
                max_retries: Some(1.5),
                ..Limits::default()
            },
            Limits {
                timeout_ms: Some(0.0),
                ..Limits::default()
            },
        ] {
            assert!(c.effective(&bad).is_err());
        }
    }

    #[test]
    fn steps_cross_as_one_json_object() {
        let mut c = client();
        let (mut op, step) = Op::start(&c, Call::Get { app_id: ID.into() }).unwrap();
        let v: Value = serde_json::from_str(&step.to_json("\"op\":7,").unwrap()).unwrap();
        assert_eq!(
            v,
            json!({"op": 7, "method": "GET", "url": format!("http://h/apis/apps/v2/instances/{ID}")})
        );
        let done = op
            .answer(&mut c, 200, &app("1").to_string(), false)
            .unwrap();
        let v: Value = serde_json::from_str(&done.to_json("").unwrap()).unwrap();
        // The value is the answer's body itself (`at` absent: the whole of it), which JS parses;
        // timestamps come as epoch ms beside the JSON.
        assert_eq!(
            v,
            json!({"done": true, "answer": {"to": "value", "dates": ["created_at", "updated_at"]}})
        );
        assert_eq!(
            done.times(),
            [Some(1_735_689_600_000), Some(1_735_689_600_000)]
        );
        // A page: its items are the body's `items`, with the edits the check found.
        let (mut op, _) = Op::start(
            &c,
            Call::Events {
                scope: Scope::default(),
                app_id: ID.into(),
            },
        )
        .unwrap();
        let page = json!({"items": [{"created_at": "2025-01-01T00:00:00Z", "state": "s", "reason": null}]});
        let v: Value = serde_json::from_str(
            &op.answer(&mut c, 200, &page.to_string(), false)
                .unwrap()
                .to_json("")
                .unwrap(),
        )
        .unwrap();
        assert_eq!(v["answer"]["at"], "items");
        assert_eq!(v["answer"]["to"], "items");
        assert_eq!(v["answer"]["list"], true);
        assert_eq!(
            v["answer"]["fix"],
            json!([[[0], "message", null], [[0], "resources", []]])
        );
        // A body travels as JSON text inside the step.
        let data = json!({"template_name": "shell", "template_version": "1", "input": {}});
        let call = Call::Install {
            scope: Scope::default(),
            data: data.as_object().unwrap().clone(),
        };
        let v: Value =
            serde_json::from_str(&Op::start(&c, call).unwrap().1.to_json("").unwrap()).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(v["body"].as_str().unwrap()).unwrap(),
            data
        );
        assert_eq!(v["contentType"], "application/json");
        // Nothing to give: no value at all (undefined in JS).
        let v: Value =
            serde_json::from_str(&Step::Done(Output::Nothing).to_json("").unwrap()).unwrap();
        assert_eq!(v, json!({"done": true}));
    }

    #[test]
    fn tokens_and_protocols() {
        assert!(check_token("abc.def-ghi").is_ok());
        for bad in ["", "a b", "a\nb", "ä"] {
            assert!(check_token(bad).is_err(), "{bad:?}");
        }
        assert_eq!(logs_protocols("t")[1], "bearer.apolo.us-t");
        assert_eq!(authorization("t"), "Bearer t");
    }
}
