// The Journey page: journeys of the selected type, with their counts and actions.

import { call, describe } from "./api.js";
import { $, count, el, flash } from "./dom.js";
import { may } from "./session.js";

const KINDS = ["send", "wait", "wait_for", "branch", "split", "update", "exit"];
const NOTES = {
  marketing: "Marketing journeys only go to customers who consented to marketing on the channel.",
  transactional: "Transactional journeys go to every customer: keep marketing material out of them.",
};

let handlers = { edit: () => {} };

/** The type shown: marketing by default. */
export function selectedType() {
  return document.querySelector('input[name="journey-type"]:checked').value;
}

/** Each step of a definition as "channel kind" (sends) or its kind. */
export function activities(definition) {
  const steps = (definition.milestones ?? []).flatMap((m) => m.steps ?? []);
  return steps.map((step) => {
    const kind = KINDS.find((k) => k in step) ?? "step";
    return kind === "send" ? `${step.send.channel} send` : kind.replace("_", " ");
  });
}

function actionButton(label, journey, onclick, cls = "") {
  return el("button", {
    type: "button", class: cls, onclick,
    "aria-label": `${label} ${journey.name}`, "data-action": label.toLowerCase(),
  }, label);
}

function lifecycle(journey, action) {
  return async () => {
    try {
      await call("POST", `/v1/journeys/${journey.id}/${action}`);
      flash(`${journey.name}: ${action} done.`);
    } catch (error) {
      flash(`${journey.name}: ${describe(error)}`);
    }
    await refresh();
  };
}

function askDelete(journey) {
  const dialog = $("#confirm-delete");
  const live = journey.status === "active" || journey.status === "paused";
  $("#confirm-text").textContent = `Delete “${journey.name}” (${journey.status})? This cannot be undone.`
    + (live ? " An active or paused journey must be archived first." : "");
  dialog.onclose = async () => {
    if (dialog.returnValue !== "delete") return;
    try {
      await call("DELETE", `/v1/journeys/${journey.id}`);
      flash(`${journey.name} was deleted.`);
    } catch (error) {
      flash(`Not deleted: ${describe(error)}`);
    }
    await refresh();
  };
  dialog.returnValue = "";
  dialog.showModal();
}

function row(journey, definition, stats) {
  const steps = activities(definition);
  const buttons = [];
  if (may("editor")) {
    buttons.push(actionButton("Edit", journey, () => handlers.edit(journey.id)));
    if (journey.status === "active") buttons.push(actionButton("Pause", journey, lifecycle(journey, "pause")));
    if (journey.status === "paused") buttons.push(actionButton("Resume", journey, lifecycle(journey, "resume")));
    if (journey.status === "active" || journey.status === "paused") {
      buttons.push(actionButton("Archive", journey, lifecycle(journey, "archive")));
    }
  }
  if (may("admin")) buttons.push(actionButton("Delete", journey, () => askDelete(journey), "danger"));
  return el("tr", { "data-journey": journey.id },
    el("th", { scope: "row" }, el("a", { href: `#/journeys/${journey.id}`, "aria-label": `Details of ${journey.name}` }, journey.name)),
    el("td", {}, el("span", { class: `status status-${journey.status}` }, journey.status)),
    el("td", {}, journey.version ? String(journey.version) : "—"),
    el("td", {}, String(steps.length)),
    el("td", {}, el("ol", { class: "activities" }, ...steps.map((s) => el("li", {}, s)))),
    el("td", { class: "num", "data-stat": "steps_in_progress" }, count(stats?.steps_in_progress)),
    el("td", { class: "num", "data-stat": "steps_completed" }, count(stats?.steps_completed)),
    el("td", { class: "num", "data-stat": "executions" }, count(stats?.executions)),
    el("td", { class: "num", "data-stat": "conversions" }, count(stats?.conversions)),
    el("td", { class: "row-actions" }, ...buttons),
  );
}

/** Per journey id, analytics' row; and why there is none when analytics cannot say. */
async function analyticsRows(type) {
  try {
    const table = await call("GET", `/v1/analytics/journeys?type=${type}`);
    return { rows: new Map(table.journeys.map((r) => [r.journey_id, r])), note: "" };
  } catch (error) {
    return { rows: new Map(), note: `Counts are unknown (—): ${describe(error)}` };
  }
}

/** Reload the table from the API. */
export async function refresh() {
  const type = selectedType();
  $("#type-note").textContent = NOTES[type];
  $("#journeys-error").textContent = "";
  const body = $("#journeys-table tbody");
  try {
    const [{ journeys }, stats] = await Promise.all([
      call("GET", `/v1/journeys?type=${type}`),
      analyticsRows(type),
    ]);
    // The list has no definitions; each row needs its steps.
    const details = await Promise.all(journeys.map((j) => call("GET", `/v1/journeys/${j.id}`)));
    if (type !== selectedType()) return; // the switch moved on while this loaded
    body.replaceChildren(...details.map((d) => row(d, d.definition, stats.rows.get(d.id))));
    $("#journeys-empty").hidden = details.length > 0;
    $("#analytics-note").textContent = stats.note;
    $("#refreshed").textContent = `Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    $("#journeys-error").textContent = describe(error);
  }
  $("#journeys-table").dataset.loaded = type;
}

/** Wire the page's controls once; `edit(id)` opens the editor. */
export function setUpJourneys({ edit, create }) {
  handlers = { edit };
  $("#refresh").addEventListener("click", refresh);
  $("#create").addEventListener("click", () => create(selectedType()));
  for (const radio of document.querySelectorAll('input[name="journey-type"]')) {
    radio.addEventListener("change", refresh);
  }
}
