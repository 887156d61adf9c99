// The stages of the editor other than Steps: type, basic information, trigger, review.

import { conditionEditor, describeCondition } from "./conditions.js";
import { el, field, input, select } from "./dom.js";
import { editing } from "./draft.js";
import { kindOf } from "./steps.js";

const TYPE_NOTES = {
  marketing: "Promotional campaigns, engagement and lead nurturing. Sent only to customers who consented to marketing on the channel.",
  transactional: "Order confirmations, password resets and other responses to what a customer did. Sent to every customer: keep marketing material out.",
};
const TRIGGERS = [["event", "an event"], ["condition", "a condition turning true"], ["schedule", "a schedule"], ["api", "an API call"]];

function set(key) {
  return (value) => {
    if (value === "" || value === undefined) delete editing.draft[key];
    else editing.draft[key] = value;
  };
}

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64);
}

/** Stage 1: marketing or transactional. */
export function typeStage() {
  const draft = editing.draft;
  return el("fieldset", { class: "choice", dataset: { path: "type" } },
    el("legend", {}, "Customer journey type"),
    ...["marketing", "transactional"].map((type) => {
      const id = `type-${type}`;
      return el("div", { class: "option" },
        el("input", { type: "radio", name: "draft-type", id, value: type, checked: draft.type === type,
          "aria-describedby": `${id}-note`, onchange: () => { draft.type = type; } }),
        el("label", { for: id }, type === "marketing" ? "Marketing" : "Transactional"),
        el("p", { class: "help", id: `${id}-note` }, TYPE_NOTES[type]));
    }),
    el("p", { class: "field-error", role: "alert" }));
}

/** Stage 2: name, id and description. */
export function basicStage() {
  const draft = editing.draft;
  const idInput = input(draft.id, (v) => { draft.id = v; idInput.dataset.touched = "1"; }, {
    readOnly: editing.id !== null, autocomplete: "off", spellcheck: false,
  });
  const nameInput = input(draft.name, (v) => {
    draft.name = v;
    if (editing.id === null && !idInput.dataset.touched) {
      draft.id = slug(v);
      idInput.value = draft.id;
    }
  }, { autocomplete: "off" });
  return el("div", { class: "stack" },
    field({ label: "Name", path: "name", control: nameInput, help: "A descriptive name, for easy identification." }),
    field({ label: "Journey id", path: "id", control: idInput,
      help: editing.id ? "The id of a saved journey does not change." : "3 to 64 lowercase letters, digits or dashes; it names the journey in code and URLs." }),
    field({ label: "Description", path: "description",
      control: el("textarea", { rows: 3, value: draft.description ?? "", oninput: (e) => set("description")(e.target.value) }) }),
  );
}

function triggerKind(trigger) {
  return TRIGGERS.map(([k]) => k).find((k) => trigger && k in trigger) ?? "event";
}

/** Stage 3: what starts the journey, and the rules around it (re-entry, exit, goal, quiet hours). */
export function triggerStage() {
  const draft = editing.draft;
  draft.trigger ??= { event: "" };
  const trigger = draft.trigger;
  const kind = triggerKind(trigger);
  const fields = {
    event: () => [
      field({ label: "Event name", path: "trigger.event", control: input(trigger.event, (v) => { trigger.event = v; }), help: "e.g. signed_up, order_completed" }),
      conditionEditor({ label: "Only events where", path: "trigger.where", value: trigger.where, onChange: (v) => { if (v === undefined) delete trigger.where; else trigger.where = v; } }),
    ],
    condition: () => [conditionEditor({ label: "Enter when", path: "trigger.condition", value: trigger.condition, optional: false, onChange: (v) => { trigger.condition = v; } })],
    schedule: () => {
      trigger.schedule ??= { cron: "0 9 * * MON" };
      const s = trigger.schedule;
      return [
        field({ label: "Cron expression", path: "trigger.schedule.cron", control: input(s.cron, (v) => { s.cron = v; }), help: "minute hour day month weekday, e.g. 0 9 * * MON" }),
        field({ label: "Time zone", path: "trigger.schedule.timezone", control: input(s.timezone, (v) => { if (v) s.timezone = v; else delete s.timezone; }), help: "e.g. Europe/Berlin; UTC when empty" }),
        conditionEditor({ label: "Audience", path: "trigger.schedule.audience", value: s.audience, onChange: (v) => { if (v === undefined) delete s.audience; else s.audience = v; } }),
      ];
    },
    api: () => [el("p", { class: "note" }, "Customers enter through POST /v1/journeys/{id}/trigger on trigger-ingest; its properties are available as entry.properties.")],
  };
  const reentry = typeof draft.reentry === "string" ? { mode: draft.reentry } : (draft.reentry ?? { mode: "never" });
  const goal = draft.goal;
  const quiet = draft.quiet_hours;
  return el("div", { class: "stack" },
    field({ label: "The journey starts with", path: "trigger", control: select(TRIGGERS, kind, (v) => {
      draft.trigger = v === "api" ? { api: true } : v === "condition" ? { condition: { attr: "profile.", exists: true } } : v === "schedule" ? { schedule: { cron: "0 9 * * MON" } } : { event: "" };
      editing.rerender();
    }) }),
    ...fields[kind](),
    el("h3", {}, "Rules"),
    el("div", { class: "grid" },
      field({ label: "Re-entry", path: "reentry", control: select([["never", "never"], ["always", "whenever not inside"], ["after", "after a cooldown"]], reentry.mode, (v) => {
        draft.reentry = v === "after" ? { mode: "after", cooldown: "P30D" } : { mode: v };
        editing.rerender();
      }) }),
      reentry.mode === "after" ? field({ label: "Cooldown (ISO-8601)", path: "reentry.cooldown", control: input(reentry.cooldown, (v) => { draft.reentry.cooldown = v; }) }) : null),
    conditionEditor({ label: "Exit when", path: "exit_when", value: draft.exit_when, onChange: set("exit_when"),
      help: "Checked on every input; ends the journey at once, e.g. event account_closed." }),
    el("div", { class: "grid", dataset: { path: "goal" } },
      field({ label: "Goal event (a conversion)", path: "goal.event", control: input(goal?.event, (v) => {
        if (!v) { delete draft.goal; return; }
        draft.goal = { ...(draft.goal ?? { within: "P14D" }), event: v };
      }), help: "Empty: no goal." }),
      field({ label: "Goal within (ISO-8601)", path: "goal.within", control: input(goal?.within ?? "P14D", (v) => { if (draft.goal) draft.goal.within = v; }) }),
      el("p", { class: "field-error", role: "alert" })),
    el("div", { class: "grid", dataset: { path: "quiet_hours" } },
      field({ label: "Quiet hours start (HH:MM)", path: "quiet_hours.start", control: input(quiet?.start, (v) => quietHours("start", v)), help: "Marketing sends inside are delayed, not dropped. Empty: none." }),
      field({ label: "Quiet hours end (HH:MM)", path: "quiet_hours.end", control: input(quiet?.end, (v) => quietHours("end", v)) }),
      el("p", { class: "field-error", role: "alert" })),
  );
}

function quietHours(key, value) {
  const draft = editing.draft;
  const hours = { ...(draft.quiet_hours ?? {}), [key]: value };
  if (!hours[key]) delete hours[key];
  if (!hours.start && !hours.end) delete draft.quiet_hours;
  else draft.quiet_hours = hours;
}

/** What a step does, in a few words. */
export function describeStep(step) {
  const kind = kindOf(step);
  const spec = step[kind] ?? {};
  switch (kind) {
    case "send": return `send ${spec.template || "?"} by ${spec.channel}`;
    case "wait": return spec.until ? `wait until ${spec.until}` : `wait ${spec.duration}`;
    case "wait_for": return `wait up to ${spec.timeout} for ${spec.event ?? `${spec.outcome} of ${spec.of}`}`;
    case "branch": return `branch: ${(spec.cases ?? []).map((c) => `if ${describeCondition(c.when)} → ${c.goto}`).join("; ")}; else → ${spec.else ?? "next"}`;
    case "split": return `split ${(spec.paths ?? []).map((p) => `${p.weight} → ${p.goto}`).join(", ")}${spec.control ? `, ${spec.control}% holdout` : ""}`;
    case "update": return `set ${Object.keys(spec.set ?? {}).join(", ")}`;
    default: return "exit";
  }
}

function describeTrigger(trigger = {}) {
  if (trigger.event !== undefined) return `event ${trigger.event}${trigger.where ? ` where ${describeCondition(trigger.where)}` : ""}`;
  if (trigger.condition) return `when ${describeCondition(trigger.condition)} turns true`;
  if (trigger.schedule) return `schedule ${trigger.schedule.cron} (${trigger.schedule.timezone ?? "UTC"})`;
  if (trigger.api) return "an API call";
  return "—";
}

/** Stage 5: the whole journey in words, its validation and what activation will do. */
export function reviewStage() {
  const d = editing.draft;
  const rows = [
    ["Type", d.type], ["Name", d.name], ["Journey id", d.id], ["Description", d.description ?? "—"],
    ["Trigger", describeTrigger(d.trigger)],
    ["Re-entry", typeof d.reentry === "object" ? `${d.reentry.mode}${d.reentry.cooldown ? ` (${d.reentry.cooldown})` : ""}` : (d.reentry ?? "never")],
    ["Exit when", d.exit_when ? describeCondition(d.exit_when) : "—"],
    ["Goal", d.goal ? `${d.goal.event} within ${d.goal.within}` : "—"],
    ["Quiet hours", d.quiet_hours ? `${d.quiet_hours.start}–${d.quiet_hours.end}` : "—"],
  ];
  const live = editing.status === "active" || editing.status === "paused";
  return el("div", { class: "stack" },
    el("dl", { class: "review" }, ...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v ?? "—")])),
    el("h3", {}, "Milestones and steps"),
    el("ol", { class: "outline" }, ...(d.milestones ?? []).map((m) => el("li", {},
      el("strong", {}, m.name ? `${m.name} (${m.id})` : m.id), m.entry ? ` — entered when ${describeCondition(m.entry)}` : "",
      el("ol", {}, ...(m.steps ?? []).map((s) => el("li", {}, el("code", {}, s.id), ": ", describeStep(s))))))),
    el("p", { id: "review-verdict", class: "note", role: "status" }, "Checking…"),
    el("p", { class: "note" }, live
      ? `Saving publishes version ${(editing.version ?? 0) + 1}; customers inside keep the version they entered.`
      : editing.id ? "Activate publishes version 1 and starts taking customers in." : "Save first, then activate; test it before going live (the Test tab)."),
  );
}
