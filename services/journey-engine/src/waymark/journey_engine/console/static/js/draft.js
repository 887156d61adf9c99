// The journey being edited, shared by the editor's stages, and where its problems are shown.

import { $, el } from "./dom.js";

export const editing = {
  id: null, // the saved journey's id; null until it is created
  status: null,
  version: null,
  draft: {},
  problems: [],
  templates: [],
  stage: "type",
  rerender: () => {},
};

export const STAGES = [
  ["type", "Type"],
  ["basic", "Basic information"],
  ["trigger", "Trigger"],
  ["steps", "Steps"],
  ["review", "Review and activate"],
];
export const TOOLS = [["test", "Test"], ["code", "YAML"]];

/** Which stage a document path belongs to. */
export function stageOf(path) {
  const head = (path ?? "").split(/[.[]/)[0];
  if (head === "type") return "type";
  if (["id", "name", "description"].includes(head)) return "basic";
  if (["trigger", "reentry", "exit_when", "goal", "quiet_hours"].includes(head)) return "trigger";
  if (head === "milestones") return "steps";
  return "review";
}

/** Every step of the draft with its milestone index and step index. */
export function allSteps(draft = editing.draft) {
  return (draft.milestones ?? []).flatMap((m, mi) => (m.steps ?? []).map((s, si) => ({ step: s, mi, si })));
}

function covers(prefix, path) {
  if (!path.startsWith(prefix)) return false;
  const rest = path.slice(prefix.length);
  return rest === "" || rest.startsWith(".") || rest.startsWith("[");
}

/**
 * Show each problem next to the deepest field on the page whose path covers it; the summary
 * list keeps them all. Returns the problems no visible field took.
 */
export function attachProblems(root, problems = editing.problems) {
  for (const node of root.querySelectorAll("[data-path]")) {
    node.classList.remove("invalid");
    const slot = node.querySelector(":scope > .field-error");
    if (slot) slot.textContent = "";
    for (const control of node.querySelectorAll(":scope > input, :scope > select, :scope > textarea")) {
      control.removeAttribute("aria-invalid");
    }
  }
  const fields = [...root.querySelectorAll("[data-path]")].filter((n) => !n.closest("[hidden]"));
  const left = [];
  for (const problem of problems) {
    const path = problem.path ?? "";
    const owner = fields
      .filter((n) => covers(n.dataset.path, path))
      .sort((a, b) => b.dataset.path.length - a.dataset.path.length)[0];
    if (!owner || (owner.dataset.path === "" && path !== "")) {
      left.push(problem);
      continue;
    }
    owner.classList.add("invalid");
    const slot = owner.querySelector(":scope > .field-error");
    if (slot) slot.append(el("span", {}, problem.message));
    for (const control of owner.querySelectorAll(":scope > input, :scope > select, :scope > textarea")) {
      control.setAttribute("aria-invalid", "true");
    }
  }
  return left;
}

/** The summary of every problem, each with a link to its stage. */
export function showProblems(problems, goTo) {
  editing.problems = problems;
  $("#problems").replaceChildren(...problems.map(({ path, message }) => {
    const stage = stageOf(path);
    const label = (STAGES.find(([key]) => key === stage) ?? ["", "Review"])[1];
    return el("li", {},
      ...(path ? [el("code", {}, path), ": "] : []), message, " ",
      el("button", { type: "button", class: "link", onclick: () => goTo(stage) }, `Go to ${label}`));
  }));
  $("#problems-box").hidden = problems.length === 0;
  for (const tab of document.querySelectorAll("#stage-tabs [role=tab]")) {
    const n = problems.filter((p) => stageOf(p.path) === tab.dataset.stage).length;
    const badge = tab.querySelector(".badge");
    badge.textContent = n ? String(n) : "";
    badge.hidden = n === 0;
    tab.setAttribute("aria-label", n ? `${tab.dataset.label} (${n} problem${n === 1 ? "" : "s"})` : tab.dataset.label);
  }
  attachProblems($("#stage"));
}
