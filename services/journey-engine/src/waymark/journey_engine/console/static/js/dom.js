// Small DOM conveniences shared by the views.

export const $ = (selector) => document.querySelector(selector);

/** An element with attributes/properties and children (strings become text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/** Show one status line to everyone, screen readers included. */
export function flash(message) {
  $("#flash").textContent = message;
}
