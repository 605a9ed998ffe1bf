// One app: overview, events, live logs, outputs and values, input by revision, revisions with
// rollback, configure, uninstall. Tabs are built on first use; the app itself is polled.
import { fill, collect, fieldErrors, fmtAge, fmtDate, h, isAbort, json, notify, poll, renderInChunks, showError, stateBadge } from "./util.js";

const REFRESH_MS = 2000;
const TABS = [
  ["overview", "Overview"], ["events", "Events"], ["logs", "Logs"], ["outputs", "Outputs & values"],
  ["input", "Input"], ["revisions", "Revisions"], ["configure", "Configure"],
];
const MAX_LOG_LINES = 20000; // older lines are dropped so the page stays fast on endless streams
const BLOCK_LINES = 500;

export class DetailView {
  constructor(ctx, appId, tab) {
    this.ctx = ctx;
    this.apps = ctx.client.apps;
    this.appId = appId;
    this.abort = new AbortController();
    this.panels = new Map();
    this.app = null;

    this.title = h("h1", null, "…");
    this.badge = h("span");
    this.meta = h("div", { class: "muted small mono" }, appId);
    this.force = h("input", { type: "checkbox", "data-testid": "uninstall-force", id: "uninstall-force" });
    this.confirm = h("div", { class: "confirm", hidden: true, "data-testid": "uninstall-confirm-box" },
      h("span", null, "Uninstall this app?"),
      h("label", { class: "inline" }, this.force, " Force (do not wait for the uninstall workflow)"),
      h("button", { type: "button", class: "btn danger", "data-testid": "uninstall-confirm", onclick: () => this.uninstall() }, "Uninstall"),
      h("button", { type: "button", class: "btn ghost", onclick: () => { this.confirm.hidden = true; } }, "Cancel"));
    this.uninstallBtn = h("button", { type: "button", class: "btn danger-outline", "data-testid": "uninstall-button",
      onclick: () => { this.confirm.hidden = !this.confirm.hidden; } }, "Uninstall…");

    this.tabNav = h("nav", { class: "tabs", role: "tablist", "aria-label": "App sections" },
      TABS.map(([id, label]) => h("a", { href: `#/apps/${encodeURIComponent(appId)}/${id}`, role: "tab", "data-tab": id, "data-testid": `tab-${id}` }, label)));
    this.body = h("div", { class: "tab-body" });

    this.el = h("section", { class: "view detail", "data-testid": "app-detail", "data-app-id": appId },
      h("a", { href: "#/apps", class: "back" }, "← All apps"),
      h("div", { class: "detail-head" },
        h("div", null, h("div", { class: "title-row" }, this.title, this.badge), this.meta),
        h("div", { class: "actions" }, this.uninstallBtn)),
      this.confirm,
      this.tabNav,
      this.body);

    this.tab = tab;
    this.body.append(h("p", { class: "card muted" }, "Loading…"));
    this.init();
  }

  async init() {
    // v1 calls must go to the app's own cluster/org/project, which may differ from the client's defaults.
    await this.refresh();
    if (this.abort.signal.aborted) return;
    if (!this.app) {
      this.body.replaceChildren(h("p", { class: "card muted" }, "This app could not be loaded."));
      return;
    }
    this.showTab(this.tab);
    const signal = this.abort.signal;
    setTimeout(() => poll(() => this.refresh(), REFRESH_MS, signal), REFRESH_MS);
  }

  /** Per-call options: the app's location plus our abort signal. */
  opts(extra) {
    const a = this.app;
    return { cluster: a.cluster_name, org: a.org_name, project: a.project_name, signal: this.abort.signal, ...extra };
  }

  destroy() {
    this.abort.abort();
    this.stopLogs();
  }

  async refresh() {
    try {
      const app = await this.apps.get(this.appId, { signal: this.abort.signal });
      this.setApp(app);
      const tab = this.panels.get(this.tab);
      if (tab && tab.onRefresh) await tab.onRefresh(app);
    } catch (err) {
      if (!this.abort.signal.aborted) showError(err, "Get app");
    }
  }

  setApp(app) {
    const prev = this.app;
    this.app = app;
    this.el.dataset.state = app.state;
    this.title.textContent = app.display_name || app.name;
    this.badge.replaceChildren(stateBadge(app.state));
    this.meta.textContent = `${app.id} · ${app.template_name}@${app.template_version} · ${app.cluster_name}/${app.org_name}/${app.project_name}`;
    this.uninstallBtn.disabled = app.state === "uninstalled";
    if (!prev || prev.updated_at?.getTime?.() !== app.updated_at?.getTime?.() || prev.state !== app.state) {
      this.panels.get("overview")?.render(app);
    }
  }

  showTab(tab) {
    if (!TABS.some(([id]) => id === tab)) tab = "overview";
    this.tab = tab;
    for (const a of this.tabNav.children) {
      const on = a.dataset.tab === tab;
      a.classList.toggle("active", on);
      a.setAttribute("aria-selected", String(on));
    }
    if (!this.app) return;
    let panel = this.panels.get(tab);
    if (!panel) {
      panel = this[`make_${tab}`]();
      this.panels.set(tab, panel);
    } else if (panel.onShow) {
      panel.onShow();
    }
    this.body.replaceChildren(panel.el);
  }

  // ---- overview
  make_overview() {
    const el = h("div", { class: "card", "data-testid": "overview" });
    const panel = {
      el,
      render: (app) => {
        const up = this.upgrade;
        el.replaceChildren(h("dl", { class: "props" },
          prop("Display name", app.display_name),
          prop("Name", h("span", { class: "mono" }, app.name)),
          prop("ID", h("span", { class: "mono" }, app.id)),
          prop("Template", app.template_name),
          prop("Version", h("span", null, h("span", { class: "mono" }, app.template_version),
            up && up.available_versions?.length ? h("span", { class: "badge upgrade", "data-testid": "upgrade-available" }, `↑ ${up.available_versions[0]} available`) : null)),
          prop("State", stateBadge(app.state)),
          prop("Location", `${app.cluster_name} / ${app.org_name} / ${app.project_name}`),
          prop("Namespace", h("span", { class: "mono" }, app.namespace)),
          prop("Creator", app.creator),
          prop("Created", `${fmtDate(app.created_at)} (${fmtAge(app.created_at)} ago)`),
          prop("Updated", fmtDate(app.updated_at)),
          prop("Endpoints", app.endpoints?.length
            ? h("ul", { class: "plain", "data-testid": "endpoints" }, app.endpoints.map((u) =>
              h("li", null, h("a", { href: safeUrl(u), target: "_blank", rel: "noopener noreferrer", "data-testid": "endpoint-link" }, u))))
            : h("span", { class: "muted" }, "none yet"))));
      },
    };
    if (this.app) panel.render(this.app);
    else el.append(h("p", { class: "muted" }, "Loading…"));
    this.apps.getUpgrades([this.appId], { signal: this.abort.signal })
      .then(([u]) => { this.upgrade = u; if (this.app) panel.render(this.app); })
      .catch(() => { /* optional, as in apolo-cli: older servers have no upgrades endpoint */ });
    return panel;
  }

  // ---- events
  make_events() {
    const list = h("ol", { class: "timeline", "data-testid": "events-list" });
    const el = h("div", { class: "card" }, list);
    let lastKey = null;
    let busy = false;
    const load = async () => {
      if (busy) return; // the poll and a tab switch can overlap
      busy = true;
      try {
        const events = await collect(this.apps.getEvents(this.appId, this.opts()));
        const key = events.map((e) => `${e.created_at?.getTime?.()}|${e.state}|${e.reason}`).join(";");
        if (key === lastKey) return;
        lastKey = key;
        list.replaceChildren();
        if (!events.length) list.append(h("li", { class: "muted" }, "No events."));
        await renderInChunks(list, events, renderEvent, { signal: this.abort.signal });
      } catch (err) {
        if (!this.abort.signal.aborted) showError(err, "Events");
      } finally {
        busy = false;
      }
    };
    load();
    return { el, onRefresh: load, onShow: load };
  }

  // ---- logs
  make_logs() {
    const since = h("input", { type: "datetime-local", step: "1", "data-testid": "logs-since", id: "logs-since" });
    const timestamps = h("input", { type: "checkbox", "data-testid": "logs-timestamps", id: "logs-timestamps" });
    const follow = h("input", { type: "checkbox", checked: true, id: "logs-follow" });
    const state = h("span", { class: "muted small", "data-testid": "logs-state" }, "stopped");
    const out = h("div", { class: "logs", role: "log", "data-testid": "logs-output", tabindex: "0", "aria-label": "Log output" });
    const start = h("button", { type: "button", class: "btn primary", "data-testid": "logs-start", onclick: () => this.startLogs() }, "Start");
    const stop = h("button", { type: "button", class: "btn", "data-testid": "logs-stop", disabled: true, onclick: () => this.stopLogs("stopped") }, "Stop");
    const clear = h("button", { type: "button", class: "btn ghost", onclick: () => out.replaceChildren() }, "Clear");
    const trimmed = h("span", { class: "muted small", hidden: true, "data-testid": "logs-trimmed" },
      `showing the newest ${MAX_LOG_LINES.toLocaleString()} lines ·`);
    this.logsUi = { since, timestamps, follow, state, out, start, stop, trimmed };
    const el = h("div", { class: "card" },
      h("div", { class: "toolbar" },
        start, stop, clear,
        h("label", { class: "inline", for: "logs-since" }, "Since ", since),
        h("label", { class: "inline" }, timestamps, " Timestamps"),
        h("label", { class: "inline" }, follow, " Follow"),
        h("span", { class: "grow" }), trimmed, state),
      out);
    return { el };
  }

  async startLogs() {
    this.stopLogs();
    const ui = this.logsUi;
    const ctrl = new AbortController();
    this.logsCtrl = ctrl;
    const opts = { cluster: this.app.cluster_name, signal: ctrl.signal, timestamps: ui.timestamps.checked };
    if (ui.since.value) opts.since = new Date(ui.since.value); // local time, as typed
    ui.out.replaceChildren();
    ui.trimmed.hidden = true;
    ui.start.disabled = true;
    ui.stop.disabled = false;
    ui.state.textContent = "streaming…";
    ui.state.dataset.state = "streaming";
    const decoder = new TextDecoder(); // chunks are not aligned to characters or lines
    let pending = "";
    let scheduled = false;
    let lines = 0;
    // Whole lines go into blocks of at most BLOCK_LINES lines: appending a block lays out only that
    // block (one growing text node would re-lay out everything), off-screen blocks skip rendering, and
    // lines that would be dropped at once are never put in the page.
    const flush = (final = false) => {
      scheduled = false;
      let cut = pending.lastIndexOf("\n") + 1;
      if (final || (cut === 0 && pending.length > 65536)) cut = pending.length; // end, or one huge line
      if (cut <= 0) return;
      const text = pending.slice(0, cut);
      pending = pending.slice(cut);
      if (!ui.out.firstChild) lines = 0; // cleared
      const blocks = [];
      let from = 0;
      let n = 0;
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
        if (++n === BLOCK_LINES) {
          blocks.push([text.slice(from, i + 1), n]);
          from = i + 1;
          n = 0;
        }
      }
      if (from < text.length) blocks.push([text.slice(from), n]);
      let incoming = blocks.reduce((sum, b) => sum + b[1], 0);
      while (blocks.length > 1 && incoming - blocks[0][1] >= MAX_LOG_LINES) {
        incoming -= blocks.shift()[1];
        ui.trimmed.hidden = false;
      }
      const frag = document.createDocumentFragment();
      for (const [t, count] of blocks) {
        const block = h("div", { class: "log-block" }, t);
        block._lines = count;
        block.style.containIntrinsicSize = `auto ${Math.max(1, count) * 19}px`;
        frag.append(block);
      }
      lines += incoming;
      ui.out.append(frag);
      while (lines > MAX_LOG_LINES && ui.out.childElementCount > blocks.length) {
        lines -= ui.out.firstChild._lines || 0;
        ui.out.firstChild.remove();
        ui.trimmed.hidden = false;
      }
      if (ui.follow.checked) ui.out.scrollTop = ui.out.scrollHeight;
    };
    const push = (text) => {
      pending += text;
      if (!scheduled) { scheduled = true; requestAnimationFrame(() => flush()); }
    };
    let end = "ended";
    try {
      for await (const chunk of this.apps.logs(this.appId, opts)) push(decoder.decode(chunk, { stream: true }));
      push(decoder.decode());
    } catch (err) {
      if (ctrl.signal.aborted || isAbort(err)) end = "stopped";
      else { end = "failed"; showError(err, "Logs"); }
    } finally {
      flush(true);
      if (this.logsCtrl === ctrl) {
        this.logsCtrl = null;
        ui.start.disabled = false;
        ui.stop.disabled = true;
        ui.state.textContent = end;
        ui.state.dataset.state = end;
      }
    }
  }

  stopLogs() {
    if (this.logsCtrl) this.logsCtrl.abort();
  }

  // ---- outputs and values
  make_outputs() {
    const output = h("pre", { class: "code", "data-testid": "outputs-json" }, "Loading…");
    const values = h("tbody", { "data-testid": "values-list" });
    const el = h("div", { class: "stack" },
      h("div", { class: "card" }, h("h2", null, "Outputs"), output),
      h("div", { class: "card table-wrap" }, h("h2", null, "Values"),
        h("table", { class: "table" },
          h("thead", null, h("tr", null, ["Type", "Path", "Value"].map((c) => h("th", { scope: "col" }, c)))), values)));
    const load = async () => {
      const signal = this.abort.signal;
      try {
        output.textContent = json(await this.apps.getOutput(this.appId, this.opts()));
      } catch (err) {
        // 404 is how the server says "no outputs published yet".
        if (err && err.name === "ResourceNotFound") output.textContent = "No outputs published yet.";
        else if (!signal.aborted) { output.textContent = "—"; showError(err, "Outputs"); }
      }
      try {
        const vals = await collect(this.apps.getValues(this.opts({ appId: this.appId })));
        values.replaceChildren();
        if (!vals.length) values.append(h("tr", { class: "empty" }, h("td", { colspan: 3 }, "No values.")));
        await renderInChunks(values, vals, (v) => h("tr", { "data-testid": "value-row" },
          h("td", null, h("span", { class: "badge neutral" }, v.type)),
          h("td", { class: "mono" }, v.path),
          h("td", null, h("code", { class: "value" }, typeof v.value === "string" ? v.value : JSON.stringify(v.value)))), { signal });
      } catch (err) {
        if (!signal.aborted) showError(err, "Values");
      }
    };
    load();
    return { el, onShow: load };
  }

  // ---- input, current or by revision
  make_input() {
    const select = h("select", { "data-testid": "input-revision", id: "input-revision", onchange: () => load() },
      h("option", { value: "" }, "Current"));
    const pre = h("pre", { class: "code", "data-testid": "input-json" }, "Loading…");
    const el = h("div", { class: "card" },
      h("div", { class: "toolbar" }, h("label", { class: "inline", for: "input-revision" }, "Revision ", select)), pre);
    const load = async () => {
      const signal = this.abort.signal;
      try {
        const opts = this.opts();
        if (select.value) opts.revision = Number(select.value);
        pre.textContent = json(await this.apps.getInput(this.appId, opts));
      } catch (err) {
        if (!signal.aborted) { pre.textContent = "—"; showError(err, "Input"); }
      }
    };
    const loadRevisions = async () => {
      try {
        const revs = await this.apps.getRevisions(this.appId, { signal: this.abort.signal });
        const keep = select.value;
        fill(select, h("option", { value: "" }, "Current"),
          revs.map((r) => h("option", { value: String(r.revision_number) }, `#${r.revision_number}${r.comment ? ` — ${r.comment}` : ""}`)));
        select.value = keep;
      } catch (err) {
        if (!this.abort.signal.aborted) showError(err, "Revisions");
      }
    };
    load();
    loadRevisions();
    return { el, onShow: () => { load(); loadRevisions(); } };
  }

  // ---- revisions and rollback
  make_revisions() {
    const comment = h("input", { type: "text", placeholder: "Comment for the rollback (optional)", "data-testid": "rollback-comment", "aria-label": "Rollback comment" });
    const tbody = h("tbody", { "data-testid": "revisions-list" });
    const el = h("div", { class: "card table-wrap" },
      h("div", { class: "toolbar" }, h("h2", null, "Revisions"), h("span", { class: "grow" }), comment),
      h("table", { class: "table" },
        h("thead", null, h("tr", null, ["#", "Creator", "Comment", "Created", "Ended", ""].map((c) => h("th", { scope: "col" }, c)))),
        tbody));
    const load = async () => {
      try {
        const revs = await this.apps.getRevisions(this.appId, { signal: this.abort.signal });
        const current = revs.reduce((m, r) => Math.max(m, r.revision_number), -Infinity);
        tbody.replaceChildren(...revs.map((r) => {
          const isCurrent = r.revision_number === current;
          return h("tr", { "data-testid": "revision-row", "data-revision": r.revision_number, class: isCurrent ? "current" : null },
            h("td", { class: "mono" }, `#${r.revision_number}`, isCurrent ? h("span", { class: "badge neutral" }, "current") : null),
            h("td", null, r.creator),
            h("td", null, r.comment ?? h("span", { class: "muted" }, "—")),
            h("td", null, fmtDate(r.created_at)),
            h("td", null, r.end_at ? fmtDate(r.end_at) : "~"),
            h("td", { class: "right" }, isCurrent ? null : h("button", { type: "button", class: "btn small", "data-testid": "rollback-button",
              "data-revision": r.revision_number, onclick: (e) => rollback(r.revision_number, e.currentTarget) }, "Roll back")));
        }));
        if (!revs.length) tbody.append(h("tr", { class: "empty" }, h("td", { colspan: 6 }, "No revisions.")));
      } catch (err) {
        if (!this.abort.signal.aborted) showError(err, "Revisions");
      }
    };
    const rollback = async (n, button) => {
      button.disabled = true;
      try {
        const opts = this.opts();
        if (comment.value.trim()) opts.comment = comment.value.trim();
        const app = await this.apps.rollback(this.appId, n, opts);
        this.setApp(app);
        comment.value = "";
        notify(`Rolled back to revision ${n}.`);
        await load();
      } catch (err) {
        button.disabled = false;
        if (!this.abort.signal.aborted) showError(err, "Rollback");
      }
    };
    load();
    return { el, onShow: load };
  }

  // ---- configure
  make_configure() {
    const input = h("textarea", { class: "code-input", rows: 16, spellcheck: "false", "data-testid": "configure-input", id: "configure-input" });
    const comment = h("input", { type: "text", "data-testid": "configure-comment", id: "configure-comment", placeholder: "What changed (optional)" });
    const upgrade = h("input", { type: "checkbox", "data-testid": "configure-upgrade", id: "configure-upgrade" });
    const version = h("select", { "data-testid": "configure-version", "aria-label": "Target version" }, h("option", { value: "latest" }, "latest"));
    const errors = h("ul", { class: "field-errors", "data-testid": "configure-errors" });
    const submit = h("button", { type: "submit", class: "btn primary", "data-testid": "configure-submit" }, "Apply configuration");
    const form = h("form", { class: "card stack", onsubmit: (e) => { e.preventDefault(); apply(); } },
      h("label", { for: "configure-input" }, "New configuration (JSON: display_name, input)"), input,
      h("div", { class: "row" },
        h("label", { class: "inline grow", for: "configure-comment" }, "Comment ", comment),
        h("label", { class: "inline" }, upgrade, " Upgrade to "), version),
      errors,
      h("div", null, submit));
    const prefill = async () => {
      try {
        const cur = await this.apps.getInput(this.appId, this.opts());
        const data = {};
        if ("display_name" in cur) data.display_name = cur.display_name;
        data.input = cur && typeof cur.input === "object" ? cur.input : cur;
        input.value = json(data);
      } catch (err) {
        if (!this.abort.signal.aborted) showError(err, "Input");
      }
      try {
        const [u] = await this.apps.getUpgrades([this.appId], { signal: this.abort.signal });
        if (u) fill(version, h("option", { value: "latest" }, "latest"), (u.available_versions || []).map((v) => h("option", { value: v }, v)));
      } catch { /* optional, see make_overview */ }
    };
    const apply = async () => {
      errors.replaceChildren();
      let data;
      try {
        data = JSON.parse(input.value);
      } catch (err) {
        showError(err, "Configuration is not valid JSON");
        return;
      }
      submit.disabled = true;
      try {
        const opts = { signal: this.abort.signal };
        if (comment.value.trim()) opts.comment = comment.value.trim();
        if (upgrade.checked) { opts.upgrade = true; data.template_version = version.value; }
        const app = await this.apps.configure(this.appId, data, opts);
        this.setApp(app);
        comment.value = "";
        notify("Configuration applied.");
      } catch (err) {
        errors.replaceChildren(...fieldErrors(err).map((f) => h("li", null, h("code", null, f.path), " ", f.message)));
        if (!this.abort.signal.aborted) showError(err, "Configure");
      } finally {
        submit.disabled = false;
      }
    };
    prefill();
    return { el: form };
  }

  async uninstall() {
    const force = this.force.checked;
    try {
      await this.apps.uninstall(this.appId, this.opts({ force }));
      this.confirm.hidden = true;
      notify(force ? "Force uninstall requested." : "Uninstall requested.");
      await this.refresh();
    } catch (err) {
      if (!this.abort.signal.aborted) showError(err, "Uninstall");
    }
  }
}

function prop(label, value) {
  return [h("dt", null, label), h("dd", null, value ?? h("span", { class: "muted" }, "—"))];
}

/** Only http(s) endpoints become live links. */
function safeUrl(u) {
  try {
    const url = new URL(u);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function renderEvent(e) {
  return h("li", { "data-testid": "event-item", "data-state": e.state },
    h("div", { class: "event-head" },
      stateBadge(e.state),
      h("strong", null, e.reason ?? ""),
      h("time", { class: "muted small", datetime: e.created_at?.toISOString?.() }, fmtDate(e.created_at))),
    e.message ? h("p", { class: "event-msg" }, e.message) : null,
    e.resources?.length
      ? h("ul", { class: "resources" }, e.resources.map((r) => h("li", null,
        h("span", { class: "mono" }, `${r.kind ?? "?"}/${r.name ?? "?"}`), " ",
        r.health_status ? h("span", { class: `badge health-${String(r.health_status).toLowerCase()}` }, r.health_status) : null,
        r.health_message ? h("span", { class: "muted small" }, ` ${r.health_message}`) : null)))
      : null);
}
