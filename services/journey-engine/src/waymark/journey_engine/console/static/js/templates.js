// Templates: the list, and an editor with a preview rendered by the API from sample data.

import { call, describe } from "./api.js";
import { $, el, field, flash, input, select, table } from "./dom.js";
import { attachProblems } from "./draft.js";
import { may } from "./session.js";

const PARTS = {
  email: [["subject", "Subject", false], ["html", "HTML body", true], ["text", "Text body", true]],
  sms: [["body", "Text message", true]],
  push: [["title", "Title", false], ["body", "Body", true]],
};
const SAMPLE = { profile: { first_name: "Ada", email: "ada@example.com", plan: "pro" }, event: { name: "signed_up", properties: {} } };

const state = { saved: null, template: null, sample: JSON.stringify(SAMPLE, null, 2), channel: "email" };

/** Show the list of templates. */
export async function listTemplates() {
  const out = $("#templates-list");
  $("#new-template").hidden = !may("editor");
  try {
    const { templates } = await call("GET", "/v1/templates");
    out.replaceChildren(templates.length
      ? table("Templates", ["Template", "Category", "Channels", "Version", "Updated"],
        templates.map((t) => [
          el("a", { href: `#/templates/${encodeURIComponent(t.id)}` }, t.id), t.category,
          Object.keys(t.channels).filter((c) => t.channels[c]).join(", "), String(t.version),
          t.updated_at ? new Date(t.updated_at).toLocaleString() : "—",
        ]), { id: "templates-table" })
      : el("p", { class: "note" }, "No templates yet."));
  } catch (error) {
    out.replaceChildren(el("p", { class: "error", role: "alert" }, describe(error)));
  }
  out.dataset.loaded = "1";
}

function partFields(channel, readOnly) {
  const part = state.template.channels[channel];
  return el("fieldset", { class: "stack", dataset: { path: `channels.${channel}` } },
    el("legend", {}, `${channel} part`),
    ...PARTS[channel].map(([key, label, long]) => {
      const onInput = (v) => { if (v === "") delete part[key]; else part[key] = v; };
      const control = long
        ? el("textarea", { rows: key === "html" ? 5 : 3, value: part[key] ?? "", readOnly, spellcheck: false, oninput: (e) => onInput(e.target.value) })
        : input(part[key], onInput, { readOnly });
      return field({ label: `${channel === "email" ? "Email" : channel === "sms" ? "SMS" : "Push"} ${label.toLowerCase()}`, path: `channels.${channel}.${key}`, control });
    }),
    el("p", { class: "field-error", role: "alert" }));
}

function showErrors(error) {
  const problems = (error.errors ?? []).map((e) => ({ path: e.field ?? "", message: e.reason }));
  const left = attachProblems($("#template-editor"), problems);
  $("#template-error").textContent = left.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("\n");
}

async function preview() {
  const out = $("#preview-out");
  let sample;
  try {
    sample = JSON.parse(state.sample);
  } catch (error) {
    out.replaceChildren(el("p", { class: "error", role: "alert" }, `Sample data is not JSON: ${error.message}`));
    return;
  }
  try {
    const answer = await call("POST", "/v1/templates/preview", {
      category: state.template.category, channels: state.template.channels, channel: state.channel, sample,
    });
    attachProblems($("#template-editor"), []);
    const parts = Object.entries(answer.parts).filter(([, v]) => v !== null);
    out.replaceChildren(
      el("dl", { class: "review", id: "preview-parts" }, ...parts.filter(([k]) => k !== "html").flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, el("pre", {}, v))])),
      answer.parts.html ? el("iframe", { title: "HTML preview", sandbox: "", srcdoc: answer.parts.html, class: "html-preview" }) : null,
      answer.missing.length ? el("p", { class: "note" }, `Not in the sample (rendered empty): ${answer.missing.join(", ")}`) : null,
    );
  } catch (error) {
    showErrors(error);
    out.replaceChildren(el("p", { class: "error", role: "alert" }, `No preview: ${describe(error)}`));
  }
}

async function save() {
  const body = { id: state.template.id, category: state.template.category, channels: state.template.channels };
  try {
    const stored = state.saved
      ? await call("PUT", `/v1/templates/${encodeURIComponent(state.saved)}`, body)
      : await call("POST", "/v1/templates", body);
    state.saved = stored.id;
    $("#template-error").textContent = "";
    attachProblems($("#template-editor"), []);
    flash(`Template ${stored.id} saved, version ${stored.version}.`);
    history.replaceState(null, "", `#/templates/${encodeURIComponent(stored.id)}`);
    renderEditor();
  } catch (error) {
    showErrors(error);
    flash(`Not saved: ${describe(error)}`);
  }
}

function renderEditor() {
  const readOnly = !may("editor");
  const t = state.template;
  const channelBoxes = Object.keys(PARTS).map((channel) => el("label", { class: "check" },
    el("input", { type: "checkbox", checked: Boolean(t.channels[channel]), disabled: readOnly, onchange: (e) => {
      if (e.target.checked) t.channels[channel] = {};
      else delete t.channels[channel];
      renderEditor();
    } }), ` ${channel}`));
  const present = Object.keys(PARTS).filter((c) => t.channels[c]);
  if (!present.includes(state.channel)) state.channel = present[0] ?? "email";
  $("#template-title").textContent = state.saved ? `Template ${state.saved}` : "New template";
  $("#template-editor").dataset.loaded = state.saved ?? "new";
  $("#template-editor").replaceChildren(
    el("div", { class: "grid" },
      field({ label: "Template id", path: "id", control: input(t.id, (v) => { t.id = v; }, { readOnly: readOnly || state.saved !== null }) }),
      field({ label: "Category", path: "category", control: select(["marketing", "transactional"], t.category, (v) => { t.category = v; }, { disabled: readOnly }) })),
    el("fieldset", { class: "switch", dataset: { path: "channels" } }, el("legend", {}, "Channels"), ...channelBoxes, el("p", { class: "field-error", role: "alert" })),
    ...present.map((c) => partFields(c, readOnly)),
    el("p", { class: "error", role: "alert", id: "template-error" }),
    readOnly ? null : el("div", { class: "actions" }, el("button", { type: "button", class: "primary", onclick: save }, "Save template")),
    el("section", { class: "card", "aria-labelledby": "preview-title" },
      el("h2", { id: "preview-title" }, "Preview"),
      el("div", { class: "grid" },
        field({ label: "Preview channel", control: select(present, state.channel, (v) => { state.channel = v; }) }),
        field({ label: "Sample data (JSON: profile, event, entry)", control: el("textarea", { rows: 6, spellcheck: false, value: state.sample, oninput: (e) => { state.sample = e.target.value; } }) })),
      el("div", { class: "actions" }, el("button", { type: "button", onclick: preview }, "Preview")),
      el("div", { id: "preview-out", role: "region", "aria-label": "Rendered preview" })),
  );
}

/** Open the editor on a new template, or on template `id`. */
export async function openTemplate(id) {
  if (id === null) {
    Object.assign(state, { saved: null, template: { id: "", category: "marketing", channels: { email: {} } } });
  } else {
    try {
      const t = await call("GET", `/v1/templates/${encodeURIComponent(id)}`);
      Object.assign(state, { saved: t.id, template: { id: t.id, category: t.category, channels: JSON.parse(JSON.stringify(t.channels)) } });
      for (const c of Object.keys(state.template.channels)) if (!state.template.channels[c]) delete state.template.channels[c];
    } catch (error) {
      $("#template-editor").replaceChildren(el("p", { class: "error", role: "alert" }, describe(error)));
      return;
    }
  }
  renderEditor();
}
