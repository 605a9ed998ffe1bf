// Templates: list, versions, details, and install from a JSON skeleton built from the template's schema.
import { fill, collect, fieldErrors, h, json, notify, renderInChunks, showError } from "./util.js";
import { installSkeleton } from "./schema.js";

export class TemplatesView {
  constructor(ctx, name) {
    this.ctx = ctx;
    this.apps = ctx.client.apps;
    this.abort = new AbortController();
    this.rows = new Map();
    this.list = h("ul", { class: "template-list", "data-testid": "templates-list" }, h("li", { class: "muted" }, "Loading…"));
    this.detail = h("div", { class: "card template-detail", "data-testid": "template-detail" },
      h("p", { class: "muted" }, "Choose a template to see its versions and install it."));
    this.el = h("section", { class: "view templates-view", "data-testid": "templates-view" },
      h("div", { class: "toolbar" }, h("h1", null, "Templates")),
      h("div", { class: "split" }, h("div", { class: "card list-card" }, this.list), this.detail));
    this.load().then(() => this.select(name));
  }

  destroy() {
    this.abort.abort();
  }

  async load() {
    try {
      const templates = await collect(this.apps.listTemplates({ signal: this.abort.signal }));
      templates.sort((a, b) => (a.title || a.name).localeCompare(b.title || b.name));
      this.list.replaceChildren();
      if (!templates.length) this.list.append(h("li", { class: "muted" }, "No templates."));
      await renderInChunks(this.list, templates, (t) => this.row(t), { signal: this.abort.signal });
    } catch (err) {
      if (!this.abort.signal.aborted) showError(err, "List templates");
    }
  }

  row(t) {
    const li = h("li", { class: "template-row clickable", "data-testid": "template-row", "data-template": t.name },
      h("div", { class: "grow" },
        h("a", { href: `#/templates/${encodeURIComponent(t.name)}`, class: "template-title" }, t.title || t.name),
        h("div", { class: "muted small" }, h("span", { class: "mono" }, `${t.name}@${t.version}`)),
        t.short_description ? h("div", { class: "small" }, t.short_description) : null,
        t.tags?.length ? h("div", { class: "tags" }, t.tags.map((tag) => h("span", { class: "tag" }, tag))) : null),
      h("button", { type: "button", class: "btn small primary", "data-testid": "install-button", "aria-label": `Install ${t.title || t.name}`,
        onclick: (e) => { e.stopPropagation(); this.openInstall(t.name); } }, "Install"));
    li.addEventListener("click", (e) => {
      if (!e.target.closest("a,button")) location.hash = `#/templates/${encodeURIComponent(t.name)}`;
    });
    this.rows.set(t.name, li);
    return li;
  }

  openInstall(name) {
    this.focusInstall = true;
    if (this.selected === name) this.installInput?.focus();
    else location.hash = `#/templates/${encodeURIComponent(name)}`;
  }

  /** Shows a template's versions and details; `version` undefined means latest. */
  async select(name, version) {
    if (!name) return;
    this.selected = name;
    for (const [n, li] of this.rows) li.classList.toggle("active", n === name);
    const signal = this.abort.signal;
    try {
      const [versions, template] = await Promise.all([
        this.versions?.name === name ? this.versions.list : collect(this.apps.listTemplateVersions(name, { signal })),
        this.apps.getTemplate(name, { version, signal }),
      ]);
      if (this.selected !== name) return;
      this.versions = { name, list: versions };
      this.renderDetail(name, template, versions);
    } catch (err) {
      if (!signal.aborted) showError(err, "Template");
    }
  }

  renderDetail(name, t, versions) {
    if (!t) {
      fill(this.detail, h("p", { class: "muted" }, `App template '${name}' not found.`));
      return;
    }
    const versionSel = h("select", { "data-testid": "template-version", id: "template-version", onchange: (e) => this.select(name, e.target.value) },
      versions.map((v) => h("option", { value: v.version }, v.version)));
    if (!versions.some((v) => v.version === t.version)) versionSel.prepend(h("option", { value: t.version }, t.version));
    versionSel.value = t.version;

    const input = h("textarea", { class: "code-input", rows: 14, spellcheck: "false", "data-testid": "install-input", id: "install-input" }, json(installSkeleton(t)));
    this.installInput = input;
    const errors = h("ul", { class: "field-errors", "data-testid": "install-errors" });
    const submit = h("button", { type: "submit", class: "btn primary", "data-testid": "install-submit" }, "Install");
    const form = h("form", { class: "stack install-form", onsubmit: (e) => { e.preventDefault(); this.install(input, errors, submit); } },
      h("h2", null, "Install"),
      h("label", { for: "install-input" }, "App data (JSON: template_name, template_version, display_name, input) — prefilled from the schema's required fields and defaults"),
      input, errors, h("div", null, submit));

    fill(this.detail,
      h("div", { class: "title-row" }, h("h2", null, t.title || t.name),
        h("label", { class: "inline", for: "template-version" }, "Version ", versionSel)),
      h("div", { class: "muted small mono" }, `${t.name}@${t.version}`),
      t.tags?.length ? h("div", { class: "tags" }, t.tags.map((tag) => h("span", { class: "tag" }, tag))) : null,
      t.short_description ? h("p", null, t.short_description) : null,
      t.description && t.description !== t.short_description ? h("p", { class: "description" }, t.description) : null,
      h("details", { class: "schema" }, h("summary", null, "Input schema"), h("pre", { class: "code", "data-testid": "template-schema" }, json(t.input))),
      form);
    if (this.focusInstall) {
      this.focusInstall = false;
      input.focus();
      form.scrollIntoView({ block: "nearest" });
    }
  }

  async install(input, errors, submit) {
    errors.replaceChildren();
    let data;
    try {
      data = JSON.parse(input.value);
    } catch (err) {
      showError(err, "App data is not valid JSON");
      return;
    }
    submit.disabled = true;
    try {
      const app = await this.apps.install(data, { signal: this.abort.signal });
      notify(`Installed ${app.display_name || app.name}.`);
      location.hash = `#/apps/${encodeURIComponent(app.id)}`;
    } catch (err) {
      errors.replaceChildren(...fieldErrors(err).map((f) => h("li", { "data-testid": "install-field-error", "data-path": f.path }, h("code", null, f.path), " ", f.message)));
      if (!this.abort.signal.aborted) showError(err, "Install");
    } finally {
      submit.disabled = false;
    }
  }
}
