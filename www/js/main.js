// Entry point: the connection form, the shared client, and a tiny hash router.
// Routes: #/apps, #/apps/<id>[/<tab>], #/templates[/<name>].
import * as apolo from "apolo-apps";
import { demoToken } from "./jwt.js";
import { clearError, h, showError } from "./util.js";
import { AppsView } from "./apps.js";
import { DetailView } from "./detail.js";
import { TemplatesView } from "./templates.js";

const ctx = { apolo, client: null };
let current = null;

const form = document.getElementById("connect-form");
const viewEl = document.getElementById("view");
const status = document.getElementById("conn-status");

document.getElementById("error-close").addEventListener("click", clearError);

// The last requests, as the client's hooks report them (never with the token: the client leaves it out).
const requestLog = document.getElementById("request-log");
function logRequest(kind, e) {
  // Status and time first: long URLs are cut at the right edge.
  const text = kind === "retry"
    ? `retry in ${Math.round(e.delayMs)} ms (${e.reason}) ${e.method} ${e.url}`
    : `${e.closeCode !== undefined ? `closed ${e.closeCode}` : e.status} ${Math.round(e.durationMs)} ms` +
      `${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""} ${e.method} ${e.url}`;
  const li = h("li", { "data-kind": kind, "data-bad": String(kind === "response" && (e.status === 0 || e.status >= 400)) }, text);
  requestLog.prepend(li);
  while (requestLog.children.length > 50) requestLog.lastElementChild.remove();
}

// The demo token, minted again in the page every few minutes or after a 401, the way a dashboard
// signed in through an identity provider would call its getTokenSilently().
let demoUser = "demo";
let initialToken = "";
function demoTokenProvider() {
  let token = "";
  let minted = 0;
  let stale = false;
  const provider = async () => {
    if (!token || stale || Date.now() - minted > 5 * 60_000) {
      token = await demoToken(demoUser);
      minted = Date.now();
      stale = false;
    }
    return token;
  };
  provider.sawStatus = (status) => { if (status === 401) stale = true; };
  return provider;
}

async function connect() {
  const data = Object.fromEntries(new FormData(form));
  const typed = data.token.trim();
  const provider = typed === initialToken ? demoTokenProvider() : null;
  const options = {
    apiUrl: data.apiUrl.trim(),
    token: provider ?? typed,
    onResponse: (e) => { provider?.sawStatus(e.status); logRequest("response", e); },
    onRetry: (e) => logRequest("retry", e),
  };
  for (const k of ["cluster", "org", "project"]) if (data[k].trim()) options[k] = data[k].trim();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status.textContent = "Connecting…";
  try {
    const client = await apolo.ApoloClient.connect(options);
    clearError();
    ctx.client = client;
    form.elements.cluster.value = client.cluster ?? "";
    form.elements.org.value = client.org ?? "";
    form.elements.project.value = client.project ?? "";
    status.textContent = [client.cluster, client.org, client.project].filter(Boolean).join(" / ") || "Connected";
    status.dataset.connected = "true";
    route(true);
  } catch (err) {
    ctx.client = null;
    status.textContent = "Not connected";
    status.dataset.connected = "false";
    route(true);
    showError(err, "Connect");
  } finally {
    button.disabled = false;
  }
}

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  connect();
});

function parseHash() {
  const parts = (location.hash || "#/apps").replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  return { section: parts[0] || "apps", id: parts[1], tab: parts[2] };
}

function route(force = false) {
  const { section, id, tab } = parseHash();
  for (const a of document.querySelectorAll("[data-nav]")) {
    a.classList.toggle("active", a.dataset.nav === section);
    if (a.dataset.nav === section) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  // Switching tabs inside the same app keeps the view (and its running log stream).
  if (!force && current instanceof DetailView && section === "apps" && id === current.appId) {
    current.showTab(tab || "overview");
    return;
  }
  if (!force && current instanceof TemplatesView && section === "templates") {
    current.select(id);
    return;
  }
  if (current) current.destroy();
  current = null;
  if (!ctx.client) {
    viewEl.replaceChildren(h("div", { class: "card placeholder" }, h("p", null, "Connect to an Apolo API to see your apps.")));
    return;
  }
  if (section === "templates") current = new TemplatesView(ctx, id);
  else if (section === "apps" && id) current = new DetailView(ctx, id, tab || "overview");
  else current = new AppsView(ctx);
  viewEl.replaceChildren(current.el);
}

window.addEventListener("hashchange", () => route());

async function init() {
  const params = new URLSearchParams(location.search);
  form.elements.apiUrl.value = params.get("api") || `${location.origin}/api/v1`;
  demoUser = params.get("user") || "demo";
  initialToken = await demoToken(demoUser);
  form.elements.token.value = initialToken;
  route(true);
  if (params.get("connect") !== "0") await connect();
}

init().catch((err) => showError(err, "Start"));
