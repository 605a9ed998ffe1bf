// Small DOM and formatting helpers shared by the views.
import { AppState } from "apolo-apps";

/** h("div", {class: "x", onclick}, child, "text", [more]) -> Element. Strings become text nodes (no HTML injection). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "value") el.value = v;
      else if (k === "checked") el.checked = !!v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

// The client's AppState (the core's list), in the order an app goes through them.
export const KNOWN_STATES = Object.values(AppState);

export function stateBadge(state) {
  const known = KNOWN_STATES.includes(state);
  return h("span", { class: `badge state-${known ? state : "unknown"}`, "data-testid": "state-badge", "data-state": state }, state || "unknown");
}

export function fmtDate(d) {
  if (!(d instanceof Date) || isNaN(d)) return d == null ? "—" : String(d);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function fmtAge(d, now = Date.now()) {
  if (!(d instanceof Date) || isNaN(d)) return "—";
  let s = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const hrs = Math.floor(m / 60);
  if (hrs < 48) return `${hrs}h ${m % 60}m`;
  return `${Math.floor(hrs / 24)}d`;
}

export function json(v) {
  return JSON.stringify(v, (_k, val) => (val instanceof Date ? val.toISOString() : val), 2);
}

/** Collects an async iterator into an array. */
export async function collect(iter) {
  const out = [];
  for await (const x of iter) out.push(x);
  return out;
}

export function isAbort(err) {
  // Our own AbortController.abort() rejects pending calls with a DOMException named AbortError.
  return !!err && err.name === "AbortError";
}

/** The class name of an error as the package defines it (AuthenticationError, ResourceNotFound, ...). */
export function errorClass(err) {
  if (!err || typeof err !== "object") return "Error";
  if (err.name && err.name !== "Error") return err.name;
  const ctor = err.constructor && err.constructor.name;
  return ctor || err.name || "Error";
}

/** Server input-validation errors ({"errors":[{path:[...], message}]}) as "a.b: message" strings. */
export function fieldErrors(err) {
  const errors = err && err.payload && Array.isArray(err.payload.errors) ? err.payload.errors : [];
  return errors.map((e) => {
    const path = Array.isArray(e.path) ? e.path.join(".") : e.path ?? e.loc ?? "";
    return { path: String(path), message: String(e.message ?? e.msg ?? json(e)) };
  });
}

let bannerCount = 0;

/** Shows an error in the banner: its class name, message, and the server's field errors if any. */
export function showError(err, context) {
  if (isAbort(err)) return;
  const banner = document.getElementById("error-banner");
  bannerCount += 1;
  banner.querySelector(".error-class").textContent = errorClass(err);
  const msg = err && err.message != null ? String(err.message) : String(err);
  const fields = fieldErrors(err);
  // A validation body is shown as its list of fields; the raw body (the error's message) stays one click away.
  const shown = fields.length ? `the server rejected ${fields.length} field${fields.length === 1 ? "" : "s"}` : msg;
  banner.querySelector(".error-message").textContent = (context ? `${context}: ` : "") + shown;
  const raw = banner.querySelector(".error-raw");
  raw.hidden = !fields.length;
  raw.querySelector("pre").textContent = msg;
  const list = banner.querySelector(".error-fields");
  list.replaceChildren(...fields.map((f) => h("li", null, h("code", null, f.path || "(input)"), " ", f.message)));
  const meta = [];
  if (err && err.status) meta.push(`HTTP ${err.status}`);
  if (err && err.method && err.url) meta.push(`${err.method} ${err.url}`);
  if (bannerCount > 1) meta.push(`${bannerCount} errors so far`);
  banner.querySelector(".error-meta").textContent = meta.join(" · ");
  banner.hidden = false;
}

export function clearError() {
  const banner = document.getElementById("error-banner");
  banner.hidden = true;
  bannerCount = 0;
}

/** Renders items into a container in slices, one slice per animation frame, so long lists never block the page. */
export function renderInChunks(container, items, renderItem, { chunk = 150, signal } = {}) {
  return new Promise((resolve) => {
    let i = 0;
    const step = () => {
      if (signal && signal.aborted) return resolve(false);
      const frag = document.createDocumentFragment();
      const end = Math.min(items.length, i + chunk);
      for (; i < end; i++) frag.append(renderItem(items[i], i));
      container.append(frag);
      if (i < items.length) requestAnimationFrame(step);
      else resolve(true);
    };
    step();
  });
}

export function emptyRow(colspan, text) {
  return h("tr", { class: "empty" }, h("td", { colspan }, text));
}

let noticeTimer;

/** A short-lived success message (the error banner is for failures). */
export function notify(text) {
  let el = document.getElementById("notice");
  if (!el) {
    el = h("div", { id: "notice", class: "notice", role: "status", "data-testid": "notice" });
    document.body.append(el);
  }
  el.textContent = text;
  el.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { el.hidden = true; }, 4000);
}

/** Runs `fn` now and then every `ms` after each run finishes, until `signal` aborts; skips while the tab is hidden. */
export function poll(fn, ms, signal) {
  let timer;
  const tick = async () => {
    if (signal.aborted) return;
    if (!document.hidden) await fn();
    if (!signal.aborted) timer = setTimeout(tick, ms);
  };
  signal.addEventListener("abort", () => clearTimeout(timer));
  tick();
}

/** Like el.replaceChildren, with h()'s rules: arrays are flattened, null/false skipped, strings are text. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
