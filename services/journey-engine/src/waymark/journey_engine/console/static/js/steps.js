// The Steps stage: milestones with entry conditions, and their steps — added, removed,
// configured, and reordered by drag and drop or from the keyboard (Move buttons, Alt+Arrow).

import { conditionEditor } from "./conditions.js";
import { el, field, flash, input, select } from "./dom.js";
import { allSteps, editing } from "./draft.js";

export const KINDS = [
  ["send", "Send a message"], ["wait", "Wait"], ["wait_for", "Wait for an event"],
  ["branch", "Branch"], ["split", "Split (A/B, holdout)"], ["update", "Update the profile"],
  ["exit", "Exit the journey"],
];
const CHANNELS = ["email", "sms", "push", "webhook"];
const OUTCOMES = ["delivered", "opened", "clicked", "bounced", "unsubscribed"];

/** The kind of a step: the one of KINDS it has. */
export function kindOf(step) {
  return KINDS.map(([k]) => k).find((k) => k in step) ?? "send";
}

function starter(kind, draft) {
  const first = editing.templates.find((t) => t.category === draft.type || draft.type === "marketing");
  return {
    send: { channel: "email", template: first?.id ?? "" },
    wait: { duration: "P1D" },
    wait_for: { event: "order_completed", timeout: "P3D" },
    branch: { cases: [{ when: { attr: "profile.", exists: true }, goto: "exit" }], else: "exit" },
    split: { paths: [{ weight: 50, goto: "exit" }, { weight: 50, goto: "exit" }] },
    update: { set: { "profile.": true } },
    exit: {},
  }[kind];
}

function milestones() {
  editing.draft.milestones ??= [];
  return editing.draft.milestones;
}

function freshId(base) {
  const taken = new Set(allSteps().map(({ step }) => step.id));
  let n = taken.size + 1;
  while (taken.has(`${base}-${n}`)) n += 1;
  return `${base}-${n}`;
}

/** Move a step to (milestone `toM`, index `toS`); re-render and keep focus on it. */
export function moveStep(fromM, fromS, toM, toS) {
  const list = milestones();
  const [step] = list[fromM].steps.splice(fromS, 1);
  list[toM].steps ??= [];
  const target = Math.max(0, Math.min(toS, list[toM].steps.length));
  list[toM].steps.splice(target, 0, step);
  editing.rerender(`[data-step-id="${CSS.escape(step.id)}"]`);
  flash(`Step ${step.id} moved to position ${target + 1} of ${list[toM].steps.length} in milestone ${list[toM].id}.`);
}

function jumpOptions(mi, { next = false } = {}) {
  const ids = (milestones()[mi].steps ?? []).map((s) => s.id);
  return [...(next ? [["", "the next step"]] : []), ...ids.map((id) => [id, `step ${id}`]), ["exit", "exit the journey"]];
}

function bind(path) {
  return (value) => {
    const keys = path;
    let node = editing.draft;
    keys.slice(0, -1).forEach((k) => { node = node[k]; });
    if (value === "" || value === undefined) delete node[keys.at(-1)];
    else node[keys.at(-1)] = value;
  };
}

function sendFields(step, base, mi, si) {
  const listId = `templates-${mi}-${si}`;
  const templates = editing.templates
    .filter((t) => t.channels?.[step.send.channel])
    .filter((t) => editing.draft.type !== "transactional" || t.category === "transactional");
  return [
    field({ label: "Channel", path: `${base}.send.channel`,
      control: select(CHANNELS, step.send.channel, (v) => { step.send.channel = v; editing.rerender(); }) }),
    field({ label: "Template", path: `${base}.send.template`,
      help: templates.length ? `Known for this channel: ${templates.map((t) => t.id).join(", ")}` : "No template for this channel yet.",
      control: input(step.send.template, bind(["milestones", mi, "steps", si, "send", "template"]), { list: listId }) }),
    el("datalist", { id: listId }, ...templates.map((t) => el("option", { value: t.id }))),
  ];
}

function waitFields(step, base) {
  const mode = "until" in step.wait ? "until" : "duration";
  return [
    field({ label: "Wait", path: `${base}.wait`, control: select([["duration", "for a duration"], ["until", "until a time of day"]], mode, (v) => {
      step.wait = v === "until" ? { until: "09:00" } : { duration: "P1D" };
      editing.rerender();
    }) }),
    mode === "until"
      ? field({ label: "Until (HH:MM, customer's time zone)", path: `${base}.wait.until`, control: input(step.wait.until, (v) => { step.wait.until = v; }) })
      : field({ label: "Duration (ISO-8601, e.g. P1D, PT2H)", path: `${base}.wait.duration`, control: input(step.wait.duration, (v) => { step.wait.duration = v; }) }),
  ];
}

function waitForFields(step, base, mi) {
  const spec = step.wait_for;
  const mode = "outcome" in spec ? "outcome" : "event";
  const sends = (milestones()[mi].steps ?? []).filter((s) => "send" in s).map((s) => s.id);
  const set = (key) => (v) => { if (v === "") delete spec[key]; else spec[key] = v; };
  return [
    field({ label: "Wait for", path: `${base}.wait_for`, control: select([["event", "an event"], ["outcome", "the outcome of a send"]], mode, (v) => {
      for (const key of ["event", "where", "outcome", "of"]) delete spec[key];
      if (v === "outcome") Object.assign(spec, { outcome: "opened", of: sends[0] ?? "" });
      else spec.event = "order_completed";
      editing.rerender();
    }) }),
    ...(mode === "event"
      ? [field({ label: "Event name", path: `${base}.wait_for.event`, control: input(spec.event, set("event")) }),
        conditionEditor({ label: "Only events where", path: `${base}.wait_for.where`, value: spec.where, onChange: set("where") })]
      : [field({ label: "Outcome", path: `${base}.wait_for.outcome`, control: select(OUTCOMES, spec.outcome, set("outcome")) }),
        field({ label: "Of the send step", path: `${base}.wait_for.of`, control: select(sends, spec.of, set("of")) })]),
    field({ label: "Timeout (ISO-8601)", path: `${base}.wait_for.timeout`, control: input(spec.timeout, set("timeout")) }),
    field({ label: "When it happens, go to", path: `${base}.wait_for.on_event`, control: select(jumpOptions(mi, { next: true }), spec.on_event ?? "", set("on_event")) }),
    field({ label: "On timeout, go to", path: `${base}.wait_for.on_timeout`, control: select(jumpOptions(mi, { next: true }), spec.on_timeout ?? "", set("on_timeout")) }),
  ];
}

function branchFields(step, base, mi) {
  const spec = step.branch;
  spec.cases ??= [];
  return [
    el("ol", { class: "cases" }, ...spec.cases.map((c, ci) => el("li", { class: "case", dataset: { path: `${base}.branch.cases[${ci}]` } },
      conditionEditor({ label: `Case ${ci + 1} when`, path: `${base}.branch.cases[${ci}].when`, value: c.when, optional: false, onChange: (v) => { c.when = v; } }),
      field({ label: `Case ${ci + 1} goes to`, path: `${base}.branch.cases[${ci}].goto`, control: select(jumpOptions(mi), c.goto, (v) => { c.goto = v; }) }),
      el("button", { type: "button", class: "small", onclick: () => { spec.cases.splice(ci, 1); editing.rerender(); } }, `Remove case ${ci + 1}`),
      el("p", { class: "field-error", role: "alert" })))),
    el("button", { type: "button", class: "small", onclick: () => { spec.cases.push({ when: { attr: "profile.", exists: true }, goto: "exit" }); editing.rerender(); } }, "Add case"),
    field({ label: "Otherwise go to", path: `${base}.branch.else`, control: select(jumpOptions(mi, { next: true }), spec.else ?? "", (v) => { if (v) spec.else = v; else delete spec.else; }) }),
  ];
}

function splitFields(step, base, mi) {
  const spec = step.split;
  spec.paths ??= [];
  return [
    el("ol", { class: "cases" }, ...spec.paths.map((p, pi) => el("li", { class: "case" },
      field({ label: `Path ${pi + 1} weight`, path: `${base}.split.paths[${pi}].weight`, control: input(String(p.weight), (v) => { p.weight = Number(v); }, { inputMode: "numeric" }) }),
      field({ label: `Path ${pi + 1} goes to`, path: `${base}.split.paths[${pi}].goto`, control: select(jumpOptions(mi), p.goto, (v) => { p.goto = v; }) }),
      el("button", { type: "button", class: "small", onclick: () => { spec.paths.splice(pi, 1); editing.rerender(); } }, `Remove path ${pi + 1}`)))),
    el("button", { type: "button", class: "small", onclick: () => { spec.paths.push({ weight: 50, goto: "exit" }); editing.rerender(); } }, "Add path"),
    field({ label: "Holdout control group (% of customers, optional)", path: `${base}.split.control`,
      control: input(spec.control ?? "", (v) => { if (v === "") delete spec.control; else spec.control = Number(v); }, { inputMode: "decimal" }) }),
  ];
}

function updateFields(step, base) {
  const entries = Object.entries(step.update.set ?? {});
  const write = (rows) => { step.update.set = Object.fromEntries(rows); };
  return [
    el("ol", { class: "cases", dataset: { path: `${base}.update.set` } }, ...entries.map(([key, value], i) => el("li", { class: "rule" },
      el("input", { type: "text", value: key, "aria-label": `Attribute ${i + 1} to set`, oninput: (e) => { entries[i][0] = e.target.value; write(entries); } }),
      el("input", { type: "text", value: typeof value === "string" ? value : JSON.stringify(value), "aria-label": `Value of attribute ${i + 1}`,
        oninput: (e) => { let v = e.target.value; try { v = JSON.parse(v); } catch { /* text */ } entries[i][1] = v; write(entries); } }),
      el("button", { type: "button", class: "small", onclick: () => { entries.splice(i, 1); write(entries); editing.rerender(); } }, `Remove attribute ${i + 1}`))),
    el("p", { class: "field-error", role: "alert" })),
    el("button", { type: "button", class: "small", onclick: () => { entries.push(["profile.", ""]); write(entries); editing.rerender(); } }, "Add attribute"),
  ];
}

function kindFields(step, base, mi, si) {
  switch (kindOf(step)) {
    case "send": return sendFields(step, base, mi, si);
    case "wait": return waitFields(step, base);
    case "wait_for": return waitForFields(step, base, mi);
    case "branch": return branchFields(step, base, mi);
    case "split": return splitFields(step, base, mi);
    case "update": return updateFields(step, base);
    default: return [el("p", { class: "note" }, "The customer leaves the journey here.")];
  }
}

let dragged = null;

function stepItem(step, mi, si) {
  const list = milestones();
  const count = list[mi].steps.length;
  const base = `milestones[${mi}].steps[${si}]`;
  const name = step.id || `${si + 1}`;
  const item = el("li", {
    class: "step", tabindex: "0", draggable: true,
    dataset: { stepId: step.id ?? "", path: base },
    "aria-label": `Step ${name}, ${si + 1} of ${count} in milestone ${list[mi].id}. Alt+Up or Alt+Down moves it.`,
    onkeydown: (e) => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      e.preventDefault();
      const to = si + (e.key === "ArrowUp" ? -1 : 1);
      if (to >= 0 && to < count) moveStep(mi, si, mi, to);
    },
    ondragstart: (e) => {
      if (e.target !== item) return;
      dragged = { mi, si };
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", step.id ?? "");
      item.classList.add("dragging");
    },
    ondragend: () => item.classList.remove("dragging"),
    ondragover: (e) => { if (dragged) { e.preventDefault(); item.classList.add("drop-target"); } },
    ondragleave: () => item.classList.remove("drop-target"),
    ondrop: (e) => {
      e.preventDefault();
      if (!dragged) return;
      const from = dragged;
      dragged = null;
      moveStep(from.mi, from.si, mi, si);
    },
  });
  const kindSelect = select(KINDS, kindOf(step), (kind) => {
    for (const [k] of KINDS) delete step[k];
    step[kind] = starter(kind, editing.draft);
    editing.rerender(`[data-step-id="${CSS.escape(step.id)}"]`);
  });
  item.append(
    el("div", { class: "step-head" },
      el("span", { class: "handle", "aria-hidden": "true", title: "Drag to reorder" }, "⠿"),
      el("strong", {}, `${si + 1}.`),
      field({ label: "Step id", path: `${base}.id`, control: input(step.id, (v) => { step.id = v; item.dataset.stepId = v; }) }),
      field({ label: "Kind", path: `${base}.${kindOf(step)}`, control: kindSelect }),
      el("div", { class: "step-actions" },
        el("button", { type: "button", class: "small", disabled: si === 0, "aria-label": `Move step ${name} up`, onclick: () => moveStep(mi, si, mi, si - 1) }, "↑ Up"),
        el("button", { type: "button", class: "small", disabled: si === count - 1, "aria-label": `Move step ${name} down`, onclick: () => moveStep(mi, si, mi, si + 1) }, "↓ Down"),
        list.length > 1 ? field({ label: "Milestone", control: select(list.map((m, i) => [String(i), m.id || `milestone ${i + 1}`]), String(mi), (v) => moveStep(mi, si, Number(v), Infinity)) }) : null,
        el("button", { type: "button", class: "small danger", "aria-label": `Remove step ${name}`, onclick: () => {
          list[mi].steps.splice(si, 1);
          editing.rerender();
          flash(`Step ${name} removed.`);
        } }, "Remove"))),
    el("div", { class: "step-body" }, ...kindFields(step, base, mi, si)),
    el("p", { class: "field-error", role: "alert" }),
  );
  return item;
}

function milestoneCard(milestone, mi) {
  const list = milestones();
  milestone.steps ??= [];
  const base = `milestones[${mi}]`;
  const label = milestone.name || milestone.id || `${mi + 1}`;
  return el("section", { class: "milestone", dataset: { path: base }, "aria-label": `Milestone ${label}` },
    el("div", { class: "milestone-head" },
      el("h3", {}, `Milestone ${mi + 1}`),
      el("div", { class: "step-actions" },
        el("button", { type: "button", class: "small", disabled: mi === 0, "aria-label": `Move milestone ${label} up`, onclick: () => { list.splice(mi - 1, 0, ...list.splice(mi, 1)); editing.rerender(); } }, "↑ Up"),
        el("button", { type: "button", class: "small", disabled: mi === list.length - 1, "aria-label": `Move milestone ${label} down`, onclick: () => { list.splice(mi + 1, 0, ...list.splice(mi, 1)); editing.rerender(); } }, "↓ Down"),
        el("button", { type: "button", class: "small danger", disabled: list.length === 1, "aria-label": `Remove milestone ${label}`, onclick: () => { list.splice(mi, 1); editing.rerender(); } }, "Remove"))),
    el("div", { class: "grid" },
      field({ label: "Milestone id", path: `${base}.id`, control: input(milestone.id, (v) => { milestone.id = v; }) }),
      field({ label: "Milestone name", path: `${base}.name`, control: input(milestone.name, (v) => { if (v) milestone.name = v; else delete milestone.name; }) })),
    conditionEditor({
      label: `Entry condition of milestone ${label}`, path: `${base}.entry`, value: milestone.entry,
      help: "Customers move into this milestone once it holds (forward only); none: from the start.",
      onChange: (v) => { if (v === undefined) delete milestone.entry; else milestone.entry = v; },
    }),
    el("ol", {
      class: "steps", "aria-label": `Steps of milestone ${label}`, dataset: { path: `${base}.steps` },
      ondragover: (e) => { if (dragged && milestone.steps.length === 0) e.preventDefault(); },
      ondrop: (e) => { if (dragged && milestone.steps.length === 0) { e.preventDefault(); const from = dragged; dragged = null; moveStep(from.mi, from.si, mi, 0); } },
    }, ...milestone.steps.map((step, si) => stepItem(step, mi, si))),
    milestone.steps.length === 0 ? el("p", { class: "note" }, "No steps yet: add one, or drop a step here.") : null,
    el("button", { type: "button", "aria-label": `Add step to milestone ${label}`, onclick: () => {
      const id = freshId("step");
      milestone.steps.push({ id, send: starter("send", editing.draft) });
      editing.rerender(`[data-step-id="${id}"]`);
    } }, "Add step"),
    el("p", { class: "field-error", role: "alert" }),
  );
}

/** The Steps stage. */
export function stepsStage() {
  const list = milestones();
  return el("div", { class: "stack", dataset: { path: "milestones" } },
    el("p", { class: "note" }, "Group steps into milestones; a customer moves to a later milestone once its entry condition holds. Reorder steps by dragging them, with their Up and Down buttons, or with Alt+Up and Alt+Down on a focused step."),
    ...list.map(milestoneCard),
    el("button", { type: "button", onclick: () => {
      const id = `milestone-${list.length + 1}`;
      list.push({ id, steps: [] });
      editing.rerender();
    } }, "Add milestone"),
    el("p", { class: "field-error", role: "alert" }),
  );
}
