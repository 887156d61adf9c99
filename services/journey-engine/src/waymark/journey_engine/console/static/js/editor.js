// The create/edit view: the journey document as JSON, validated, saved and activated.

import { call, describe } from "./api.js";
import { $, el, flash } from "./dom.js";

const state = { id: null, status: null };

function starter(type) {
  return {
    id: "",
    name: "",
    description: "",
    type,
    trigger: { event: "signed_up" },
    milestones: [
      {
        id: "main",
        steps: [{ id: "welcome", send: { channel: "email", template: "welcome-email" } }],
      },
    ],
  };
}

function showProblems(items) {
  $("#problems").replaceChildren(
    ...items.map(({ path, message }) =>
      el("li", {}, ...(path ? [el("code", {}, path), ": "] : []), message)),
  );
  $("#problems-box").hidden = items.length === 0;
}

function fromError(error) {
  return (error.errors ?? [{ field: null, reason: describe(error) }])
    .map((e) => ({ path: e.field, message: e.reason }));
}

function parsed() {
  try {
    return JSON.parse($("#document").value);
  } catch (error) {
    showProblems([{ path: "document", message: `not valid JSON: ${error.message}` }]);
    return undefined;
  }
}

function describeState() {
  $("#editor-title").textContent = state.id ? `Edit ${state.id}` : "Create Customer Journey";
  $("#editor-status").textContent = state.id
    ? `Status: ${state.status}.${state.status === "active" || state.status === "paused" ? " Saving publishes a new version." : ""}`
    : "Not saved yet.";
  $("#activate").disabled = state.status !== "draft";
}

async function validate() {
  const doc = parsed();
  if (doc === undefined) return false;
  const result = await call("POST", "/v1/journeys/validate", doc);
  showProblems(result.problems);
  flash(result.valid ? "The journey is valid." : `${result.problems.length} problem(s) found.`);
  return result.valid;
}

async function save() {
  const doc = parsed();
  if (doc === undefined) return;
  try {
    if (state.id === null) {
      const created = await call("POST", "/v1/journeys", doc);
      Object.assign(state, { id: created.id, status: created.status });
      flash(`${created.name} was created as a draft.`);
    } else {
      const out = await call("PUT", `/v1/journeys/${state.id}`, doc);
      state.status = out.journey.status;
      const kept = out.customers_in_older_versions;
      flash(out.published_version
        ? `Version ${out.published_version} published; customers kept on older versions: ${kept ?? "unknown"}.`
        : `${out.journey.name} was saved.`);
    }
    showProblems([]);
  } catch (error) {
    showProblems(fromError(error));
    flash(`Not saved: ${describe(error)}`);
  }
  describeState();
}

async function activate() {
  try {
    const journey = await call("POST", `/v1/journeys/${state.id}/activate`);
    state.status = journey.status;
    showProblems([]);
    flash(`${journey.name} is ${journey.status}, version ${journey.version}.`);
  } catch (error) {
    showProblems(fromError(error));
    flash(`Not activated: ${describe(error)}`);
  }
  describeState();
}

/** Open the editor on a new journey of `type`. */
export function openNew(type) {
  Object.assign(state, { id: null, status: null });
  $("#document").value = JSON.stringify(starter(type), null, 2);
  showProblems([]);
  describeState();
}

/** Open the editor on an existing journey. */
export async function openExisting(id) {
  const journey = await call("GET", `/v1/journeys/${id}`);
  Object.assign(state, { id: journey.id, status: journey.status });
  $("#document").value = JSON.stringify(journey.definition, null, 2);
  showProblems([]);
  describeState();
}

/** Wire the editor's buttons once; `back()` returns to the journeys. */
export function setUpEditor({ back }) {
  $("#validate").addEventListener("click", () => validate().catch((e) => flash(describe(e))));
  $("#save").addEventListener("click", save);
  $("#activate").addEventListener("click", activate);
  $("#back").addEventListener("click", back);
}
