// Small DOM conveniences shared by the views.

export const $ = (selector, root = document) => root.querySelector(selector);

/** An element with attributes/properties and children (strings become text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node && !key.includes("-")) {
      try {
        node[key] = value;
      } catch {
        node.setAttribute(key, value); // a read-only property such as an input's `list`
      }
    } else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Show one status line to everyone, screen readers included. */
export function flash(message) {
  $("#flash").textContent = message;
}

let counter = 0;
/** A fresh element id. */
export function uid(prefix = "f") {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled control in a `.field` wrapper with a place for its problems.
 * `path` (a document path such as `milestones[0].steps[1].send.template`) lets validation
 * problems be shown next to the field they concern.
 */
export function field({ label, control, path, help }) {
  const id = control.id || uid();
  control.id = id;
  const errorId = `${id}-error`;
  const helpId = help ? `${id}-help` : null;
  control.setAttribute("aria-describedby", [helpId, errorId].filter(Boolean).join(" "));
  return el("div", { class: "field", dataset: path !== undefined ? { path } : {} },
    el("label", { for: id }, label),
    control,
    help ? el("p", { class: "help", id: helpId }, help) : null,
    el("p", { class: "field-error", id: errorId, role: "alert" }),
  );
}

/** A text input bound to `onInput(value)`. */
export function input(value, onInput, props = {}) {
  return el("input", { type: "text", value: value ?? "", oninput: (e) => onInput(e.target.value), ...props });
}

/** A select of `[value, label]` options; the current value is kept even when not listed. */
export function select(options, value, onChange, props = {}) {
  const listed = options.map((o) => (Array.isArray(o) ? o : [o, o]));
  if (value !== undefined && value !== null && !listed.some(([v]) => v === value)) {
    listed.push([value, `${value} (unknown)`]);
  }
  const node = el("select", { onchange: (e) => onChange(e.target.value), ...props },
    ...listed.map(([v, text]) => el("option", { value: v }, text)));
  node.value = value ?? listed[0]?.[0] ?? "";
  return node;
}

/** A table with a header row and body rows of cells (strings or nodes). */
export function table(caption, headers, rows, props = {}) {
  return el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    el("table", props,
      el("caption", { class: "visually-hidden" }, caption),
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c ?? "—")))))));
}

/** A number for people, "—" for unknown. */
export function count(value) {
  return value === null || value === undefined ? "—" : String(value);
}

/** A rate as a percentage, "—" for unknown. */
export function percent(value) {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)}%`;
}

/** Path segments of `a.b[0].c`. */
function segments(path) {
  return path.match(/[^.[\]]+/g)?.map((s) => (/^\d+$/.test(s) ? Number(s) : s)) ?? [];
}

/** The value at a document path, or undefined. */
export function getAt(doc, path) {
  return segments(path).reduce((node, key) => (node == null ? undefined : node[key]), doc);
}

/** Set the value at a document path, creating objects on the way; undefined/"" deletes it. */
export function setAt(doc, path, value) {
  const keys = segments(path);
  let node = doc;
  keys.slice(0, -1).forEach((key, i) => {
    if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") {
      node[key] = typeof keys[i + 1] === "number" ? [] : {};
    }
    node = node[key];
  });
  const last = keys[keys.length - 1];
  if (value === undefined || value === "") delete node[last];
  else node[last] = value;
}
