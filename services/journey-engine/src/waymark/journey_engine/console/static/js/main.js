// The console's entry: sign-in, then the Journey page and the editor.

import { call, describe, token } from "./api.js";
import { $, flash } from "./dom.js";
import { openExisting, openNew, setUpEditor } from "./editor.js";
import { refresh, setUpJourneys } from "./journeys.js";
import { applyRole, may, session } from "./session.js";

function show(view) {
  for (const id of ["signin-view", "journeys-view", "editor-view"]) {
    $(`#${id}`).hidden = id !== view;
  }
  const heading = $(`#${view} h1`);
  heading.tabIndex = -1;
  heading.focus();
}

async function signIn(candidate) {
  const me = await call("GET", "/v1/me", undefined, candidate);
  token.set(candidate);
  session.role = me.role;
  $("#who").textContent = `Signed in as ${me.role}`;
  $("#who").hidden = false;
  $("#sign-out").hidden = false;
  applyRole();
  show("journeys-view");
  await refresh();
}

function signOut() {
  token.clear();
  session.role = null;
  $("#who").hidden = true;
  $("#sign-out").hidden = true;
  flash("");
  show("signin-view");
}

async function toJourneys() {
  show("journeys-view");
  await refresh();
}

setUpJourneys({
  edit: async (id) => {
    try {
      await openExisting(id);
      show("editor-view");
    } catch (error) {
      flash(describe(error));
    }
  },
  create: (type) => {
    if (!may("editor")) return;
    openNew(type);
    show("editor-view");
  },
});
setUpEditor({ back: toJourneys });

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
