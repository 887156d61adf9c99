// The create/edit view: five stages (type, basic information, trigger, steps, review and
// activate), a Test panel and a YAML view over one draft; validated, saved and activated.

import { call, describe } from "./api.js";
import { codeView } from "./code.js";
import { $, el, flash } from "./dom.js";
import { attachProblems, editing, showProblems, STAGES, TOOLS } from "./draft.js";
import { basicStage, reviewStage, triggerStage, typeStage } from "./stages.js";
import { stepsStage } from "./steps.js";
import { testPanel } from "./testpanel.js";

const VIEWS = {
  type: typeStage, basic: basicStage, trigger: triggerStage, steps: stepsStage,
  review: reviewStage, test: testPanel, code: codeView,
};
const ORDER = STAGES.map(([key]) => key);

function starter(type) {
  return {
    id: "",
    name: "",
    description: "",
    type,
    trigger: { event: "signed_up" },
    milestones: [{ id: "main", steps: [{ id: "welcome", send: { channel: "email", template: "" } }] }],
  };
}

function fromError(error) {
  return (error.errors ?? [{ field: null, reason: describe(error) }])
    .map((e) => ({ path: e.field ?? "", message: e.reason }));
}

function describeState() {
  $("#editor-title").textContent = editing.id ? `Edit ${editing.draft.name || editing.id}` : "Create Customer Journey";
  const live = editing.status === "active" || editing.status === "paused";
  $("#editor-status").textContent = editing.id
    ? `Status: ${editing.status}${editing.version ? `, version ${editing.version}` : ""}.${live ? " Saving publishes a new version." : ""}`
    : "Not saved yet.";
  $("#activate").disabled = editing.status !== "draft";
}

/** Show a stage (or the Test or YAML tab); `focus` selects an element to focus in it. */
export function goTo(stage, focus) {
  editing.stage = stage;
  for (const tab of document.querySelectorAll("#stage-tabs [role=tab]")) {
    const on = tab.dataset.stage === stage;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
  }
  const panel = $("#stage");
  const label = [...STAGES, ...TOOLS].find(([key]) => key === stage)[1];
  panel.setAttribute("aria-label", label);
  panel.dataset.stage = stage;
  panel.replaceChildren(el("h2", { class: "stage-title" }, label), VIEWS[stage]());
  attachProblems(panel);
  const index = ORDER.indexOf(stage);
  $("#prev-stage").hidden = index <= 0;
  $("#next-stage").hidden = index < 0 || index === ORDER.length - 1;
  if (stage === "review") validate({ quiet: true });
  const target = focus ? panel.querySelector(focus) : null;
  if (target) target.focus();
}

editing.rerender = (focus) => goTo(editing.stage, focus);
editing.goTo = goTo;

/** Validate the draft; problems are listed and shown next to their fields. */
export async function validate({ quiet = false } = {}) {
  try {
    const result = await call("POST", "/v1/journeys/validate", editing.draft);
    showProblems(result.problems.map((p) => ({ path: p.path, message: p.message })), goTo);
    const verdict = result.valid ? "The journey is valid." : `${result.problems.length} problem(s) found.`;
    if (!quiet) flash(verdict);
    const line = $("#review-verdict");
    if (line) line.textContent = result.valid ? "The journey is valid and ready." : `${verdict} Fix them before activating.`;
    return result.valid;
  } catch (error) {
    flash(describe(error));
    return false;
  }
}

function olderVersions(published) {
  return published === 2 ? "version 1" : `versions 1–${published - 1}`;
}

async function save() {
  try {
    if (editing.id === null) {
      const created = await call("POST", "/v1/journeys", editing.draft);
      Object.assign(editing, { id: created.id, status: created.status, version: created.version });
      flash(`${created.name} was created as a draft.`);
      history.replaceState(null, "", `#/journeys/${created.id}/edit`);
    } else {
      const out = await call("PUT", `/v1/journeys/${editing.id}`, editing.draft);
      Object.assign(editing, { status: out.journey.status, version: out.journey.version });
      const published = out.published_version;
      const kept = out.customers_in_older_versions;
      if (published && published > 1) {
        const who = kept === null || kept === undefined
          ? `How many customers stay on ${olderVersions(published)} is unknown (analytics is not available).`
          : `${kept} customer${kept === 1 ? "" : "s"} stay${kept === 1 ? "s" : ""} on ${olderVersions(published)}.`;
        flash(`Version ${published} published. ${who}`);
      } else if (published) {
        flash(`Version ${published} published.`);
      } else {
        flash(`${out.journey.name} was saved.`);
      }
    }
    showProblems([], goTo);
  } catch (error) {
    showProblems(fromError(error), goTo);
    flash(`Not saved: ${describe(error)}`);
  }
  describeState();
  if (editing.stage === "basic") goTo("basic");
}

async function activate() {
  try {
    const journey = await call("POST", `/v1/journeys/${editing.id}/activate`);
    Object.assign(editing, { status: journey.status, version: journey.version });
    showProblems([], goTo);
    flash(`${journey.name} is ${journey.status}, version ${journey.version}.`);
  } catch (error) {
    showProblems(fromError(error), goTo);
    flash(`Not activated: ${describe(error)}`);
  }
  describeState();
}

async function loadTemplates() {
  try {
    editing.templates = (await call("GET", "/v1/templates")).templates;
  } catch {
    editing.templates = [];
  }
}

function open(stage) {
  showProblems([], goTo);
  describeState();
  goTo(stage);
}

/** Open the editor on a new journey of `type`. */
export async function openNew(type) {
  Object.assign(editing, { id: null, status: null, version: null, draft: starter(type) });
  await loadTemplates();
  open("type");
}

/** Open the editor on an existing journey. */
export async function openExisting(id) {
  const [journey] = await Promise.all([call("GET", `/v1/journeys/${id}`), loadTemplates()]);
  Object.assign(editing, {
    id: journey.id, status: journey.status, version: journey.version, draft: journey.definition,
  });
  open("basic");
}

function tabKeys(event) {
  const tabs = [...document.querySelectorAll("#stage-tabs [role=tab]")];
  const at = tabs.indexOf(document.activeElement);
  if (at < 0) return;
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (to === undefined) return;
  event.preventDefault();
  const tab = tabs[(to + tabs.length) % tabs.length];
  tab.focus();
  goTo(tab.dataset.stage);
}

/** Build the stage tabs and wire the editor's buttons once; `back()` returns to the journeys. */
export function setUpEditor({ back }) {
  const tab = ([key, label], i) => el("button", {
    type: "button", role: "tab", id: `tab-${key}`, "aria-controls": "stage",
    dataset: { stage: key, label }, onclick: () => goTo(key),
  }, i === undefined ? label : `${i + 1}. ${label}`, " ", el("span", { class: "badge", hidden: true }));
  $("#stage-tabs").replaceChildren(
    ...STAGES.map((s, i) => tab(s, i)),
    el("span", { class: "tab-gap", "aria-hidden": "true" }),
    ...TOOLS.map((s) => tab(s)),
  );
  $("#stage-tabs").addEventListener("keydown", tabKeys);
  $("#prev-stage").addEventListener("click", () => goTo(ORDER[ORDER.indexOf(editing.stage) - 1]));
  $("#next-stage").addEventListener("click", () => goTo(ORDER[ORDER.indexOf(editing.stage) + 1]));
  $("#validate").addEventListener("click", () => validate());
  $("#save").addEventListener("click", save);
  $("#activate").addEventListener("click", activate);
  $("#back").addEventListener("click", back);
}
