// The apps table: state filter, text filter, upgrade hints, refreshes by itself.
// Rows are keyed by app id and updated in place, and placed in slices per animation frame,
// so a refresh of a long list only touches the rows that changed.
import { fill, KNOWN_STATES, collect, emptyRow, fmtAge, fmtDate, h, poll, showError, stateBadge } from "./util.js";

const REFRESH_MS = 2000;
const ACTIVE = KNOWN_STATES.filter((s) => s !== "uninstalled");
const SLICE = 200;

export class AppsView {
  constructor(ctx) {
    this.ctx = ctx;
    this.abort = new AbortController();
    this.rows = new Map(); // id -> <tr>
    this.upgrades = new Map(); // id -> {version, available: string[]}
    this.renderGen = 0;
    this.filter = sessionStorage.getItem("apps.filter") || "active";
    this.text = "";

    const select = h("select", { id: "state-filter", "data-testid": "state-filter", onchange: (e) => {
      this.filter = e.target.value;
      sessionStorage.setItem("apps.filter", this.filter);
      this.refresh();
    } },
    h("option", { value: "active" }, "Active (not uninstalled)"),
    h("option", { value: "all" }, "All states"),
    KNOWN_STATES.map((s) => h("option", { value: s }, s)));
    select.value = this.filter;

    const search = h("input", { type: "search", placeholder: "Filter by name, template or creator", "aria-label": "Filter apps",
      "data-testid": "apps-search", oninput: (e) => { this.text = e.target.value.trim().toLowerCase(); this.applyText(); } });

    this.summary = h("div", { class: "summary", "data-testid": "apps-summary" });
    this.updated = h("span", { class: "muted small" });
    this.tbody = h("tbody", { "data-testid": "apps-list" });
    this.tbody.addEventListener("click", (e) => {
      const tr = e.target.closest("tr[data-app-id]");
      if (tr && !e.target.closest("a")) location.hash = `#/apps/${encodeURIComponent(tr.dataset.appId)}`;
    });

    this.el = h("section", { class: "view apps-view", "data-testid": "apps-view" },
      h("div", { class: "toolbar" },
        h("h1", null, "Apps"),
        h("label", { class: "inline" }, "State ", select),
        search,
        h("span", { class: "grow" }),
        this.updated,
        h("button", { type: "button", class: "btn", "data-testid": "apps-refresh", onclick: () => this.refresh() }, "Refresh")),
      this.summary,
      h("div", { class: "card table-wrap" },
        h("table", { class: "table apps-table" },
          h("thead", null, h("tr", null,
            ["Name", "Template", "Version", "State", "Creator", "Age"].map((c) => h("th", { scope: "col" }, c)))),
          this.tbody)));
    this.tbody.append(emptyRow(6, "Loading…"));

    poll(() => this.load(), REFRESH_MS, this.abort.signal);
  }

  destroy() {
    this.abort.abort();
  }

  refresh() {
    this.load();
  }

  async load() {
    if (this.loading) {
      this.again = true; // e.g. the filter changed mid-request: load once more when this one ends
      return;
    }
    this.loading = true;
    this.again = false;
    const { signal } = this.abort;
    const filter = this.filter;
    try {
      const opts = { signal };
      if (filter === "active") opts.states = ACTIVE;
      else if (filter !== "all") opts.states = [filter];
      const apps = await collect(this.ctx.client.apps.list(opts));
      await this.loadUpgrades(apps, signal);
      if (signal.aborted || filter !== this.filter) return;
      await this.render(apps);
      this.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (!signal.aborted) showError(err, "List apps");
    } finally {
      this.loading = false;
      if (this.again && !signal.aborted) this.load();
    }
  }

  async loadUpgrades(apps, signal) {
    // Only ask about apps we have not seen at their current version.
    const need = apps.filter((a) => this.upgrades.get(a.id)?.version !== a.template_version).map((a) => a.id);
    if (!need.length) return;
    try {
      const ups = await this.ctx.client.apps.getUpgrades(need, { signal });
      for (const u of ups) this.upgrades.set(u.id, { version: u.template_version, available: u.available_versions || [] });
    } catch (err) {
      // As apolo-cli: servers without the upgrades endpoint answer 404/422; the table works without it.
      if (err && (err.name === "ResourceNotFound" || err.name === "IllegalArgumentError")) return;
      throw err;
    }
  }

  async render(apps) {
    const gen = ++this.renderGen;
    const seen = new Set();
    let prev = null;
    const now = Date.now();
    for (const child of [...this.tbody.children]) if (!child.dataset.appId) child.remove();
    for (let i = 0; i < apps.length; i += SLICE) {
      if (i > 0) {
        await new Promise((r) => requestAnimationFrame(r));
        if (gen !== this.renderGen || this.abort.signal.aborted) return;
      }
      for (const app of apps.slice(i, i + SLICE)) {
        seen.add(app.id);
        const tr = this.row(app, now);
        const want = prev ? prev.nextSibling : this.tbody.firstChild;
        if (want !== tr) this.tbody.insertBefore(tr, want);
        prev = tr;
      }
    }
    for (const [id, tr] of this.rows) {
      if (!seen.has(id)) { tr.remove(); this.rows.delete(id); }
    }
    if (!apps.length) this.tbody.append(emptyRow(6, this.filter === "active" ? "No apps yet. Install one from Templates." : "No apps in this state."));
    this.renderSummary(apps);
    this.applyText();
  }

  row(app, now) {
    let tr = this.rows.get(app.id);
    if (!tr) {
      tr = h("tr", { "data-testid": "app-row", "data-app-id": app.id, class: "clickable" });
      this.rows.set(app.id, tr);
    }
    const up = this.upgrades.get(app.id);
    const newer = up && up.version === app.template_version ? up.available[0] : undefined;
    const sig = [app.display_name, app.name, app.template_name, app.template_version, app.state, app.creator, newer].join("\u0001");
    if (tr._sig !== sig) {
      tr._sig = sig;
      tr.dataset.state = app.state;
      tr._search = [app.display_name, app.name, app.template_name, app.creator, app.id].join(" ").toLowerCase();
      tr._age = h("td", { class: "age", title: fmtDate(app.created_at) });
      tr.replaceChildren(
        h("td", { class: "name" },
          h("a", { href: `#/apps/${encodeURIComponent(app.id)}`, "data-testid": "app-link" }, app.display_name || app.name),
          h("div", { class: "muted small mono" }, app.name)),
        h("td", null, app.template_name),
        h("td", null, h("span", { class: "mono" }, app.template_version),
          newer ? h("span", { class: "badge upgrade", "data-testid": "upgrade-available", title: `Available: ${up.available.join(", ")}` }, `↑ ${newer} available`) : null),
        h("td", null, stateBadge(app.state)),
        h("td", null, app.creator),
        tr._age);
    }
    const age = fmtAge(app.created_at, now);
    if (tr._age.textContent !== age) tr._age.textContent = age;
    return tr;
  }

  renderSummary(apps) {
    const counts = new Map();
    for (const a of apps) counts.set(a.state, (counts.get(a.state) || 0) + 1);
    fill(this.summary,
      h("span", { class: "count" }, `${apps.length} app${apps.length === 1 ? "" : "s"}`),
      [...counts].sort((a, b) => b[1] - a[1]).map(([s, n]) => h("span", { class: "chip" }, stateBadge(s), ` ${n}`)));
  }

  applyText() {
    for (const tr of this.rows.values()) tr.hidden = !!this.text && !tr._search.includes(this.text);
  }
}
