// A condition (JOURNEYS.md) as rules — "all"/"any" of `attribute operator value` — or as JSON
// when it is more than rules can say (nesting, `not`, event conditions).

import { el, uid } from "./dom.js";

const OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "starts_with", "exists"];
const OP_LABELS = {
  eq: "equals", ne: "differs from", gt: "greater than", gte: "at least", lt: "less than",
  lte: "at most", in: "is one of", not_in: "is none of", contains: "contains",
  starts_with: "starts with", exists: "exists",
};

function isRule(c) {
  return c && typeof c === "object" && typeof c.attr === "string"
    && Object.keys(c).length === 2 && OPS.some((op) => op in c);
}

/** The condition as {mode, rules} when rules can express it, else null. */
function asRules(condition) {
  if (condition === undefined || condition === null) return { mode: "none", rules: [] };
  if (isRule(condition)) return { mode: "all", rules: [condition] };
  for (const mode of ["all", "any"]) {
    const list = condition[mode];
    if (Object.keys(condition).length === 1 && Array.isArray(list) && list.every(isRule)) {
      return { mode, rules: list };
    }
  }
  return null;
}

function ruleParts(rule) {
  const op = OPS.find((o) => o in rule);
  return { attr: rule.attr, op, value: rule[op] };
}

/** A value typed by a person: JSON when it parses (numbers, true, "quoted"), text otherwise. */
function typed(text, op) {
  if (op === "exists") return text !== "false";
  if (op === "in" || op === "not_in") {
    return text.split(",").map((s) => s.trim()).filter(Boolean).map((s) => typed(s, "eq"));
  }
  try {
    const parsed = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? text : parsed;
  } catch {
    return text;
  }
}

function shown(value, op) {
  if (op === "in" || op === "not_in") return Array.isArray(value) ? value.join(", ") : "";
  if (value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * An editor of one optional condition. `onChange(condition | undefined)` is called on every edit;
 * `path` marks the editor so validation problems under it are shown here.
 */
export function conditionEditor({ label, value, onChange, path, optional = true, help }) {
  const root = el("fieldset", { class: "condition", dataset: path ? { path } : {} });
  const errorId = uid("cond-error");
  let state = asRules(value) ?? { mode: "json", rules: [], json: JSON.stringify(value, null, 2) };
  if (!optional && state.mode === "none") state = { mode: "all", rules: [{ attr: "profile.", eq: "" }] };

  function emit() {
    if (state.mode === "none") return onChange(undefined);
    if (state.mode === "json") {
      try {
        onChange(state.json.trim() ? JSON.parse(state.json) : undefined);
        root.querySelector(".json-error").textContent = "";
      } catch (error) {
        root.querySelector(".json-error").textContent = `Not valid JSON: ${error.message}`;
      }
      return undefined;
    }
    const rules = state.rules;
    if (rules.length === 0) return onChange(undefined);
    return onChange(state.mode === "all" && rules.length === 1 ? rules[0] : { [state.mode]: rules });
  }

  function ruleRow(rule, index) {
    const { attr, op, value: ruleValue } = ruleParts(rule);
    const name = `${label}, rule ${index + 1}`;
    const set = (newAttr, newOp, newValue) => {
      state.rules[index] = { attr: newAttr, [newOp]: newValue };
      emit();
    };
    const attrInput = el("input", {
      type: "text", value: attr, "aria-label": `${name}: attribute`, placeholder: "profile.plan",
      oninput: (e) => set(e.target.value, ruleParts(state.rules[index]).op, ruleParts(state.rules[index]).value),
    });
    const valueInput = el("input", {
      type: "text", value: shown(ruleValue, op), "aria-label": `${name}: value`,
      hidden: op === "exists",
      oninput: (e) => {
        const current = ruleParts(state.rules[index]);
        set(current.attr, current.op, typed(e.target.value, current.op));
      },
    });
    const existsSelect = el("select", {
      "aria-label": `${name}: exists`, hidden: op !== "exists",
      onchange: (e) => set(ruleParts(state.rules[index]).attr, "exists", e.target.value === "true"),
    }, el("option", { value: "true" }, "yes"), el("option", { value: "false" }, "no"));
    existsSelect.value = String(op === "exists" ? ruleValue !== false : true);
    const opSelect = el("select", {
      "aria-label": `${name}: operator`,
      onchange: (e) => {
        const current = ruleParts(state.rules[index]);
        const newOp = e.target.value;
        const newValue = newOp === "exists" ? true : typed(valueInput.value, newOp);
        valueInput.hidden = newOp === "exists";
        existsSelect.hidden = newOp !== "exists";
        set(current.attr, newOp, newValue);
      },
    }, ...OPS.map((o) => el("option", { value: o }, OP_LABELS[o])));
    opSelect.value = op;
    return el("li", { class: "rule" }, attrInput, opSelect, valueInput, existsSelect,
      el("button", {
        type: "button", class: "small", "aria-label": `Remove ${name}`,
        onclick: () => { state.rules.splice(index, 1); emit(); render(); },
      }, "Remove"));
  }

  function render() {
    const modeSelect = el("select", {
      "aria-label": `${label}: how rules combine`,
      onchange: (e) => {
        const mode = e.target.value;
        if (mode === "json") state = { mode, rules: state.rules, json: JSON.stringify(currentValue(), null, 2) ?? "" };
        else if (state.mode === "json") state = asRules(safeParse(state.json)) ?? { mode, rules: [] };
        state.mode = mode;
        if (mode !== "none" && mode !== "json" && state.rules.length === 0) state.rules.push({ attr: "profile.", eq: "" });
        emit();
        render();
      },
    },
    ...(optional ? [el("option", { value: "none" }, "no condition")] : []),
    el("option", { value: "all" }, "all rules hold"),
    el("option", { value: "any" }, "any rule holds"),
    el("option", { value: "json" }, "written as JSON"));
    modeSelect.value = state.mode;
    const body = [];
    if (state.mode === "json") {
      body.push(el("textarea", {
        rows: 4, spellcheck: false, "aria-label": `${label} (JSON)`, value: state.json,
        oninput: (e) => { state.json = e.target.value; emit(); },
      }), el("p", { class: "json-error error", role: "alert" }));
    } else if (state.mode !== "none") {
      body.push(el("ol", { class: "rules" }, ...state.rules.map(ruleRow)),
        el("button", {
          type: "button", class: "small", "aria-label": `Add a rule to ${label}`,
          onclick: () => { state.rules.push({ attr: "profile.", eq: "" }); emit(); render(); },
        }, "Add rule"));
    }
    root.replaceChildren(
      el("legend", {}, label),
      help ? el("p", { class: "help" }, help) : null,
      modeSelect, ...body,
      el("p", { class: "field-error", id: errorId, role: "alert" }),
    );
  }

  function currentValue() {
    if (state.mode === "none") return undefined;
    if (state.rules.length === 1 && state.mode === "all") return state.rules[0];
    return { [state.mode]: state.rules };
  }

  render();
  return root;
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A condition in words, for the review. */
export function describeCondition(c) {
  if (c === undefined || c === null) return "always";
  if (isRule(c)) {
    const { attr, op, value } = ruleParts(c);
    return op === "exists" ? `${attr} ${value ? "exists" : "does not exist"}` : `${attr} ${OP_LABELS[op]} ${JSON.stringify(value)}`;
  }
  if (Array.isArray(c.all)) return c.all.map(describeCondition).join(" and ");
  if (Array.isArray(c.any)) return `(${c.any.map(describeCondition).join(" or ")})`;
  if (c.not !== undefined) return `not (${describeCondition(c.not)})`;
  if (c.event) return `event ${c.event}${c.where ? ` where ${describeCondition(c.where)}` : ""}`;
  return JSON.stringify(c);
}
