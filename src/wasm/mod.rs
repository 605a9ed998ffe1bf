//! The wasm-bindgen boundary (`Core`, `PageCursor`) of docs/architecture.md. Thin: every
//! decision is in `crate::core`; this file reads JS arguments, sends, and converts results.

mod http;
mod js;

use crate::core::config::{Defaults, ServerConfig};
use crate::core::configure;
use crate::core::error::{ApiError, Result};
use crate::core::models::{
    decode, decode_items, decode_list, decode_template_detail, decode_template_summaries, App,
    AppConfigurationRevision, AppUpgrades, AppValue,
};
use crate::core::paging::{Page, PageCursor as CoreCursor};
use crate::core::requests::{Api, RequestSpec, Scope};
use crate::core::urls;
use http::{Answer, Failure, Http, Outcome};
use js::Opts;
use js_sys::{Array, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

struct Inner {
    api_url: String,
    api: Api,
    http: Http,
    /// `/config`, fetched at most once (connect, or the first logs call that needs it).
    config: RefCell<Option<Rc<ServerConfig>>>,
}

impl Inner {
    fn reject(&self, f: Failure) -> JsValue {
        match f {
            Failure::Api(e) => js::error_object(&e.redacted(&self.http.token)),
            Failure::Abort(reason) => reason,
        }
    }

    async fn send(&self, spec: &RequestSpec, signal: Option<&AbortSignal>) -> Outcome<Answer> {
        self.http.send(spec, signal).await
    }

    /// Sends `spec` and converts its answer, one App, into a JS object with Dates.
    async fn app(&self, spec: &RequestSpec, signal: Option<&AbortSignal>) -> Outcome<JsValue> {
        let a = self.send(spec, signal).await?;
        Ok(js::model_to_js(&decode::<App>(a.status, a.body)?)?)
    }

    async fn server_config(&self, signal: Option<&AbortSignal>) -> Outcome<Rc<ServerConfig>> {
        if let Some(c) = self.config.borrow().as_ref() {
            return Ok(c.clone());
        }
        let spec = RequestSpec::get(urls::config_url(&self.api_url)?);
        let answer = self.send(&spec, signal).await?;
        let cfg = Rc::new(ServerConfig::parse(&answer.body.to_string()).map_err(|e| {
            let url = spec.display_url();
            e.with_request("GET", &url)
        })?);
        *self.config.borrow_mut() = Some(cfg.clone());
        Ok(cfg)
    }
}

/// Runs `f` as a Promise; its failures reject with the boundary's error object or abort reason.
fn promise<F>(inner: Rc<Inner>, f: impl FnOnce(Rc<Inner>) -> F + 'static) -> Promise
where
    F: Future<Output = Outcome<JsValue>> + 'static,
{
    future_to_promise(async move {
        let i2 = inner.clone();
        f(inner).await.map_err(|e| i2.reject(e))
    })
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

/// The client settings from the user's ApoloClient options.
struct Settings {
    api_url: String,
    defaults: Defaults,
    http: Http,
}

fn settings(options: &JsValue) -> Result<Settings> {
    let o = Opts::new(options, "options")?;
    let api_url = o
        .string("apiUrl")?
        .ok_or_else(|| ApiError::illegal_argument("`apiUrl` is required"))?;
    urls::apps_base(&api_url)?;
    let token = o
        .string("token")?
        .ok_or_else(|| ApiError::illegal_argument("`token` is required"))?;
    // Visible ASCII only: it goes into a header and a WebSocket subprotocol.
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::illegal_argument(
            "`token` must be a non-empty string of visible ASCII characters",
        ));
    }
    let monitoring_url = nonempty(o.string("monitoringUrl")?);
    if let Some(m) = &monitoring_url {
        urls::logs_url(m, "x", None, false)?;
    }
    let timeout_ms = match o.number("timeoutMs")? {
        None => None,
        Some(ms) if ms.is_finite() && ms > 0.0 => Some(ms),
        Some(_) => {
            return Err(ApiError::illegal_argument(
                "`timeoutMs` must be a positive number",
            ))
        }
    };
    Ok(Settings {
        api_url,
        defaults: Defaults {
            cluster: nonempty(o.string("cluster")?),
            org: nonempty(o.string("org")?),
            project: nonempty(o.string("project")?),
            monitoring_url,
        },
        http: Http {
            token,
            fetch: o.function("fetch")?,
            timeout_ms,
        },
    })
}

fn build(s: Settings, config: Option<Rc<ServerConfig>>) -> Result<Core> {
    Ok(Core {
        inner: Rc::new(Inner {
            api: Api::new(&s.api_url, s.defaults)?,
            api_url: s.api_url,
            http: s.http,
            config: RefCell::new(config),
        }),
    })
}

#[wasm_bindgen]
pub struct Core {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Core {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> std::result::Result<Core, JsValue> {
        settings(&options)
            .and_then(|s| build(s, None))
            .map_err(|e| js::error_object(&e))
    }

    /// `GET {apiUrl}/config`, then the defaults apolo-cli picks at login.
    pub async fn connect(options: JsValue) -> std::result::Result<Core, JsValue> {
        let s = settings(&options).map_err(|e| js::error_object(&e))?;
        let signal = Opts::new(&options, "options")
            .and_then(|o| o.signal())
            .map_err(|e| js::error_object(&e))?;
        let token = s.http.token.clone();
        let probe = build(
            Settings {
                api_url: s.api_url.clone(),
                defaults: s.defaults.clone(),
                http: Http {
                    token: token.clone(),
                    fetch: s.http.fetch.clone(),
                    timeout_ms: s.http.timeout_ms,
                },
            },
            None,
        )
        .map_err(|e| js::error_object(&e))?;
        let cfg = probe
            .inner
            .server_config(signal.as_ref())
            .await
            .map_err(|f| probe.inner.reject(f))?;
        let defaults = cfg.resolve(&s.defaults);
        build(Settings { defaults, ..s }, Some(cfg))
            .map_err(|e| js::error_object(&e.redacted(&token)))
    }

    #[wasm_bindgen(getter)]
    pub fn cluster(&self) -> Option<String> {
        self.inner.api.defaults.cluster.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn org(&self) -> Option<String> {
        self.inner.api.defaults.org.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn project(&self) -> Option<String> {
        self.inner.api.defaults.project.clone()
    }

    #[wasm_bindgen(getter, js_name = monitoringUrl)]
    pub fn monitoring_url(&self) -> Option<String> {
        self.inner.api.defaults.monitoring_url.clone()
    }

    pub fn get(&self, app_id: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let spec = i.api.get(&js::string_arg(&app_id, "appId")?)?;
            i.app(&spec, o.signal()?.as_ref()).await
        })
    }

    #[wasm_bindgen(js_name = getUpgrades)]
    pub fn get_upgrades(&self, app_ids: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let ids = js::string_list(&app_ids, "appIds")?;
            let signal = o.signal()?;
            let mut all = Vec::new();
            for spec in i.api.upgrades(&ids)? {
                let a = i.send(&spec, signal.as_ref()).await?;
                all.extend(decode_list::<AppUpgrades>(a.status, a.body)?);
            }
            Ok(js::plain_to_js(&all)?)
        })
    }

    pub fn install(&self, app_data: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let data = js::js_to_object(app_data, "appData")?;
            let spec = i
                .api
                .install(&scope(&o)?, serde_json::Value::Object(data))?;
            i.app(&spec, o.signal()?.as_ref()).await
        })
    }

    pub fn configure(&self, app_id: JsValue, app_data: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let app_id = js::string_arg(&app_id, "appId")?;
            let data = js::js_to_object(app_data, "appData")?;
            let comment = o.string("comment")?;
            let upgrade = o.bool("upgrade")?;
            let signal = o.signal()?;
            let get = i.api.get(&app_id)?;
            let a = i.send(&get, signal.as_ref()).await?;
            let existing: App = decode(a.status, a.body)?;
            let plan = configure::plan(&existing, &data, upgrade)?;
            if let Some(version) = &plan.check_version {
                // As the SDK: a template that cannot be fetched skips the check (an abort does not).
                let spec = i.api.template_for_app(&existing, version)?;
                let undefined = match i.send(&spec, signal.as_ref()).await {
                    Ok(t) => {
                        match decode_template_detail(t.status, t.body, &existing.template_name) {
                            Ok(Some(t)) => configure::undefined_input_fields(
                                t.input.as_ref().unwrap_or(&serde_json::Value::Null),
                                data.get("input").unwrap_or(&serde_json::Value::Null),
                            ),
                            _ => Vec::new(),
                        }
                    }
                    Err(Failure::Abort(r)) => return Err(Failure::Abort(r)),
                    Err(Failure::Api(_)) => Vec::new(),
                };
                if !undefined.is_empty() {
                    return Err(configure::undefined_error(
                        &existing,
                        plan.target_version.as_deref(),
                        &undefined,
                    )
                    .into());
                }
            }
            let body = configure::body(&data, comment.as_deref(), plan.target_version.as_deref());
            let put = i.api.configure(&existing, &app_id, body)?;
            i.app(&put, signal.as_ref()).await
        })
    }

    pub fn uninstall(&self, app_id: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let spec = i.api.uninstall(
                &scope(&o)?,
                &js::string_arg(&app_id, "appId")?,
                o.bool("force")?,
            )?;
            i.send(&spec, o.signal()?.as_ref()).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    #[wasm_bindgen(js_name = getValues)]
    pub fn get_values(&self, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let app_id = o.string("appId")?;
            let spec = i.api.values(
                &scope(&o)?,
                app_id.as_deref(),
                o.string("valueType")?.as_deref(),
            )?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            let values: Vec<AppValue> = decode_items(a.status, a.body, true)?;
            Ok(js::plain_to_js(&values)?)
        })
    }

    #[wasm_bindgen(js_name = listTemplates)]
    pub fn list_templates(&self, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let spec = i.api.templates(&scope(&o)?)?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            let list = decode_template_summaries(a.status, a.body, None)?;
            Ok(js::plain_to_js(&list)?)
        })
    }

    #[wasm_bindgen(js_name = listTemplateVersions)]
    pub fn list_template_versions(&self, name: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let name = js::string_arg(&name, "name")?;
            let spec = i.api.template_versions(&scope(&o)?, &name)?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            let list = decode_template_summaries(a.status, a.body, Some(&name))?;
            Ok(js::plain_to_js(&list)?)
        })
    }

    #[wasm_bindgen(js_name = getTemplate)]
    pub fn get_template(&self, name: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let name = js::string_arg(&name, "name")?;
            let version = o.string("version")?;
            let spec = i.api.template(&scope(&o)?, &name, version.as_deref())?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            match decode_template_detail(a.status, a.body, &name)? {
                None => Ok(JsValue::NULL),
                Some(t) => Ok(js::plain_to_js(&t)?),
            }
        })
    }

    #[wasm_bindgen(js_name = getOutput)]
    pub fn get_output(&self, app_id: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let spec = i
                .api
                .output(&scope(&o)?, &js::string_arg(&app_id, "appId")?)?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            Ok(js::value_to_js(&a.body)?)
        })
    }

    #[wasm_bindgen(js_name = getRevisions)]
    pub fn get_revisions(&self, app_id: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let spec = i.api.revisions(&js::string_arg(&app_id, "appId")?)?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            let list: Vec<AppConfigurationRevision> = decode_list(a.status, a.body)?;
            Ok(js::models_to_js(&list)?)
        })
    }

    pub fn rollback(&self, app_id: JsValue, revision_number: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let n = js::integer_arg(&revision_number, "revisionNumber")?;
            let comment = o.string("comment")?;
            let spec = i.api.rollback(
                &scope(&o)?,
                &js::string_arg(&app_id, "appId")?,
                n,
                comment.as_deref(),
            )?;
            i.app(&spec, o.signal()?.as_ref()).await
        })
    }

    #[wasm_bindgen(js_name = getInput)]
    pub fn get_input(&self, app_id: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let spec = i.api.input(
                &scope(&o)?,
                &js::string_arg(&app_id, "appId")?,
                o.integer("revision")?,
            )?;
            let a = i.send(&spec, o.signal()?.as_ref()).await?;
            Ok(js::value_to_js(&a.body)?)
        })
    }

    #[wasm_bindgen(js_name = listPages)]
    pub fn list_pages(&self, opts: JsValue) -> PageCursor {
        let cursor = Opts::new(&opts, "options").and_then(|o| {
            let states = o.strings("states")?.unwrap_or_default();
            self.inner.api.list(&scope(&o)?, &states)
        });
        PageCursor::new(self.inner.clone(), cursor)
    }

    #[wasm_bindgen(js_name = eventPages)]
    pub fn event_pages(&self, app_id: JsValue, opts: JsValue) -> PageCursor {
        let cursor = Opts::new(&opts, "options").and_then(|o| {
            self.inner
                .api
                .events(&scope(&o)?, &js::string_arg(&app_id, "appId")?)
        });
        PageCursor::new(self.inner.clone(), cursor)
    }

    /// The logs WebSocket's URL and subprotocols; the JS layer opens the socket.
    #[wasm_bindgen(js_name = logsConnection)]
    pub fn logs_connection(&self, app_id: JsValue, opts: JsValue) -> Promise {
        promise(self.inner.clone(), move |i| async move {
            let o = Opts::new(&opts, "options")?;
            let app_id = js::string_arg(&app_id, "appId")?;
            urls::segment(&app_id)?;
            let since = o.string("since")?;
            let timestamps = o.bool("timestamps")?;
            let cluster = nonempty(o.string("cluster")?);
            let defaults = &i.api.defaults;
            let same_cluster = cluster.is_none() || cluster == defaults.cluster;
            let monitoring = match &defaults.monitoring_url {
                Some(m) if same_cluster => m.clone(),
                _ => {
                    let cfg = i.server_config(o.signal()?.as_ref()).await?;
                    let name = cluster
                        .or_else(|| defaults.cluster.clone())
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
            let url = urls::logs_url(&monitoring, &app_id, since.as_deref(), timestamps)?;
            let obj = Object::new();
            let protocols = Array::of2(
                &JsValue::from_str("logs.apolo.us"),
                &JsValue::from_str(&format!("bearer.apolo.us-{}", i.http.token)),
            );
            let _ = Reflect::set(&obj, &"url".into(), &url.into());
            let _ = Reflect::set(&obj, &"protocols".into(), &protocols);
            Ok(obj.into())
        })
    }
}

/// Lazily fetches pages of `list` or `getEvents`.
#[wasm_bindgen]
pub struct PageCursor {
    inner: Rc<Inner>,
    state: Rc<RefCell<Result<CoreCursor>>>,
    busy: Rc<Cell<bool>>,
}

struct Busy(Rc<Cell<bool>>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl PageCursor {
    fn new(inner: Rc<Inner>, cursor: Result<CoreCursor>) -> PageCursor {
        PageCursor {
            inner,
            state: Rc::new(RefCell::new(cursor)),
            busy: Rc::new(Cell::new(false)),
        }
    }
}

#[wasm_bindgen]
impl PageCursor {
    /// The next page's items, or undefined when every page has been read.
    pub fn next(&self, signal: JsValue) -> Promise {
        let (state, busy) = (self.state.clone(), self.busy.clone());
        promise(self.inner.clone(), move |i| async move {
            let signal = js::signal_arg(&signal)?;
            let spec = match &*state.borrow() {
                Err(e) => return Err(Failure::Api(e.clone())),
                Ok(c) => c.next_request(),
            };
            let Some(spec) = spec else {
                return Ok(JsValue::UNDEFINED);
            };
            if busy.replace(true) {
                return Err(ApiError::illegal_argument(
                    "next() called while the previous page is still loading",
                )
                .into());
            }
            let _busy = Busy(busy);
            let r = i.http.exchange(&spec, signal.as_ref()).await?;
            let page = match state.borrow_mut().as_mut() {
                Err(e) => Err(Failure::Api(e.clone())),
                Ok(c) => c
                    .accept(r.status, &r.text)
                    .map_err(|e| i.http.body_error(&r, e)),
            }?;
            Ok(match page {
                Page::Apps(items) => js::models_to_js(&items)?,
                Page::Events(items) => js::models_to_js(&items)?,
            })
        })
    }
}
