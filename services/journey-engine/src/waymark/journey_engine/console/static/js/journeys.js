// The Journey page: journeys of the selected type, with their actions.

import { call, describe } from "./api.js";
import { $, el, flash } from "./dom.js";
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
  $("#confirm-text").textContent = `Delete “${journey.name}” (${journey.status})? This cannot be undone.`;
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

function row(journey, definition) {
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
    el("th", { scope: "row" }, journey.name),
    el("td", {}, el("span", { class: `status status-${journey.status}` }, journey.status)),
    el("td", {}, journey.version ? String(journey.version) : "—"),
    el("td", {}, String(steps.length)),
    el("td", {}, el("ol", { class: "activities" }, ...steps.map((s) => el("li", {}, s)))),
    // Analytics is not wired yet: these four stay unknown.
    el("td", {}, "—"), el("td", {}, "—"), el("td", {}, "—"), el("td", {}, "—"),
    el("td", { class: "row-actions" }, ...buttons),
  );
}

/** Reload the table from the API. */
export async function refresh() {
  const type = selectedType();
  $("#type-note").textContent = NOTES[type];
  $("#journeys-error").textContent = "";
  const body = $("#journeys-table tbody");
  try {
    const { journeys } = await call("GET", `/v1/journeys?type=${type}`);
    // The list has no definitions; each row needs its steps.
    const details = await Promise.all(journeys.map((j) => call("GET", `/v1/journeys/${j.id}`)));
    if (type !== selectedType()) return; // the switch moved on while this loaded
    body.replaceChildren(...details.map((d) => row(d, d.definition)));
    $("#journeys-empty").hidden = details.length > 0;
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
