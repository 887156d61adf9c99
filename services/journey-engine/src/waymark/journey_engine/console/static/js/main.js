// The console's entry: sign-in, then the views, chosen by the address's #fragment:
//   #/journeys  #/journeys/new/TYPE  #/journeys/ID  #/journeys/ID/edit
//   #/customers  #/customers/ID  #/templates  #/templates/new  #/templates/ID

import { call, describe, token } from "./api.js";
import { lookUp, setUpCustomers } from "./customers.js";
import { openDetail } from "./detail.js";
import { $, flash } from "./dom.js";
import { openExisting, openNew, setUpEditor } from "./editor.js";
import { refresh, setUpJourneys } from "./journeys.js";
import { applyRole, may, session } from "./session.js";
import { listTemplates, openTemplate } from "./templates.js";

const VIEWS = ["signin-view", "journeys-view", "editor-view", "detail-view", "customers-view", "templates-view", "template-view"];
const NAV = { "journeys-view": "journeys", "editor-view": "journeys", "detail-view": "journeys", "customers-view": "customers", "templates-view": "templates", "template-view": "templates" };

function show(view) {
  for (const id of VIEWS) $(`#${id}`).hidden = id !== view;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.nav === NAV[view]) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = $(`#${view} h1`);
  heading.tabIndex = -1;
  heading.focus();
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function route() {
  if (!session.role) return;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const [section, id, action] = parts;
  try {
    if (section === "journeys" && id === "new") {
      if (!may("editor")) return go("#/journeys");
      await openNew(action === "transactional" ? "transactional" : "marketing");
      show("editor-view");
    } else if (section === "journeys" && id && action === "edit") {
      if (!may("editor")) return go(`#/journeys/${id}`);
      await openExisting(id);
      show("editor-view");
    } else if (section === "journeys" && id) {
      show("detail-view");
      await openDetail(id);
    } else if (section === "customers") {
      show("customers-view");
      if (id) await lookUp(id);
    } else if (section === "templates" && id) {
      // Loaded before it is shown, so nobody edits the previous template's fields meanwhile.
      await openTemplate(id === "new" ? null : id);
      show("template-view");
    } else if (section === "templates") {
      show("templates-view");
      await listTemplates();
    } else {
      show("journeys-view");
      await refresh();
    }
  } catch (error) {
    flash(describe(error));
  }
  return undefined;
}

async function signIn(candidate) {
  const me = await call("GET", "/v1/me", undefined, candidate);
  token.set(candidate);
  session.role = me.role;
  $("#who").textContent = `Signed in as ${me.role}`;
  $("#who").hidden = false;
  $("#sign-out").hidden = false;
  $("#nav").hidden = false;
  applyRole();
  await route();
}

function signOut() {
  token.clear();
  session.role = null;
  for (const id of ["who", "sign-out", "nav"]) $(`#${id}`).hidden = true;
  flash("");
  show("signin-view");
}

setUpJourneys({
  edit: (id) => go(`#/journeys/${id}/edit`),
  create: (type) => go(`#/journeys/new/${type}`),
});
setUpEditor({ back: () => go("#/journeys") });
setUpCustomers({ go: (id) => go(`#/customers/${encodeURIComponent(id)}`) });
$("#back-from-detail").addEventListener("click", () => go("#/journeys"));
$("#edit-from-detail").addEventListener("click", () => {
  const id = $("#detail-body").dataset.loaded;
  if (id) go(`#/journeys/${id}/edit`);
});
$("#new-template").addEventListener("click", () => go("#/templates/new"));
$("#back-to-templates").addEventListener("click", () => go("#/templates"));
window.addEventListener("hashchange", () => {
  flash("");
  route();
});

$("#signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("#signin-error").textContent = "";
  try {
    await signIn($("#token").value.trim());
    $("#token").value = "";
  } catch (error) {
    $("#signin-error").textContent = describe(error);
  }
});
$("#sign-out").addEventListener("click", signOut);

const saved = token.get();
if (saved) {
  signIn(saved).catch(() => signOut());
} else {
  show("signin-view");
}
