// Who is signed in: the token's role, from GET /v1/me.

const RANK = { viewer: 0, editor: 1, admin: 2 };

export const session = { role: null };

/** Whether the signed-in role is at least `role`. */
export function may(role) {
  return session.role !== null && RANK[session.role] >= RANK[role];
}

/** Hide every control marked data-needs="ROLE" that the signed-in role may not use. */
export function applyRole(root = document) {
  for (const node of root.querySelectorAll("[data-needs]")) {
    node.hidden = !may(node.dataset.needs);
  }
}
