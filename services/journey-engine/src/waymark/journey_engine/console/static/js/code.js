// The YAML view: the draft as code (written by the API, the console has no YAML library),
// and a pasted or opened file applied back to the draft.

import { call, describe } from "./api.js";
import { el, flash } from "./dom.js";
import { editing, showProblems } from "./draft.js";

async function apply(area, error) {
  error.textContent = "";
  try {
    const { document } = await call("POST", "/v1/journeys/parse", { text: area.value });
    if (editing.id !== null && document.id !== editing.id) {
      error.textContent = `This is journey ${document.id ?? "(no id)"}; the one being edited is ${editing.id}.`;
      return;
    }
    editing.draft = document;
    const result = await call("POST", "/v1/journeys/validate", document);
    showProblems(result.problems, editing.goTo);
    flash(result.valid ? "The code was applied; the journey is valid." : `The code was applied; ${result.problems.length} problem(s) found.`);
  } catch (failure) {
    error.textContent = describe(failure);
    flash("The code was not applied.");
  }
}

/** The YAML tab. */
export function codeView() {
  const area = el("textarea", {
    id: "document", rows: 24, spellcheck: false, "aria-describedby": "document-help code-error",
    value: "", placeholder: "Loading…",
  });
  const error = el("p", { class: "error", role: "alert", id: "code-error" });
  call("POST", "/v1/journeys/yaml", editing.draft)
    .then(({ text }) => { area.value = text; area.placeholder = ""; area.dataset.loaded = "1"; })
    .catch((failure) => { error.textContent = describe(failure); });
  const fileInput = el("input", {
    type: "file", id: "journey-file", accept: ".yaml,.yml,.json",
    onchange: async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      area.value = await file.text();
      await apply(area, error);
    },
  });
  return el("div", { class: "stack" },
    el("label", { for: "document" }, "Journey document (YAML or JSON)"),
    area,
    el("p", { id: "document-help", class: "help" }, "The same journey as code, in the journeys-as-code format. Paste a file's content and apply it, or open a file."),
    error,
    el("div", { class: "actions" },
      el("button", { type: "button", class: "primary", onclick: () => apply(area, error) }, "Apply code"),
      el("label", { for: "journey-file", class: "file-label" }, "Open a journey file"), fileInput),
  );
}
