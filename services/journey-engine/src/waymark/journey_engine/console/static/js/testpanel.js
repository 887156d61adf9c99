// The Test tab: simulator inputs pasted or picked, the simulator run over the draft (saved or
// not), the trace and the messages that would go out; and a test send to listed recipients.

import { call, describe } from "./api.js";
import { el, field, flash, input, select, table } from "./dom.js";
import { allSteps, editing } from "./draft.js";
import { may } from "./session.js";

const panel = { events: "", result: null, error: "" };

function triggerEvent() {
  return editing.draft.trigger?.event || "signed_up";
}

function sample(kind) {
  const at = (s) => `2026-01-05T10:00:${String(s).padStart(2, "0")}Z`;
  const customer = (id, consent) => [
    { type: "identify", customer_id: id, traits: { email: `${id}@example.com`, first_name: "Ada" }, timestamp: at(0) },
    ...(consent ? [{ type: "consent", customer_id: id, channel: "email", granted: true, timestamp: at(0) }] : []),
    { type: "track", customer_id: id, event: triggerEvent(), properties: {}, timestamp: at(1) },
  ];
  const lines = {
    consenting: customer("c1", true),
    "no-consent": customer("c2", false),
    both: [...customer("c1", true), ...customer("c2", false)],
  }[kind];
  return lines.map((line) => JSON.stringify(line)).join("\n");
}

function parseLines(text) {
  const events = [];
  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    try {
      events.push({ line: index + 1, value: JSON.parse(line) });
    } catch (error) {
      throw new Error(`line ${index + 1}: not JSON (${error.message})`);
    }
  }
  return events;
}

async function run(render) {
  panel.error = "";
  panel.result = null;
  let events;
  try {
    events = parseLines(panel.events);
  } catch (error) {
    panel.error = error.message;
    return render();
  }
  try {
    panel.result = await call("POST", "/v1/journeys/simulate", {
      journey: editing.draft, events: events.map((e) => e.value),
    });
    flash(`Test run: ${panel.result.transitions.length} decisions, ${panel.result.commands.length} message(s) would go out.`);
  } catch (error) {
    // `events[i]` names an input by index: say which line it came from.
    panel.error = (error.errors ?? []).map((e) => {
      const m = /^events\[(\d+)\]/.exec(e.field ?? "");
      return m ? `line ${events[Number(m[1])].line}: ${e.reason}` : (e.field ? `${e.field}: ${e.reason}` : e.reason);
    }).join("\n") || describe(error);
    flash("The test did not run: see the Test tab.");
  }
  return render();
}

function results() {
  if (panel.error) return el("p", { class: "error", role: "alert", id: "test-error" }, panel.error);
  if (!panel.result) return el("p", { class: "note" }, "No test run yet.");
  const { commands, transitions } = panel.result;
  return el("div", { class: "stack", id: "test-results" },
    el("h3", {}, `Messages that would go out (${commands.length})`),
    commands.length
      ? table("Messages that would go out", ["At", "Customer", "Step", "Channel", "Template", "Category"],
        commands.map((c) => [c.at, c.customer_id, c.step_id, c.channel, c.template, c.category]), { id: "test-commands" })
      : el("p", { class: "note" }, "No message would go out."),
    el("h3", {}, `Trace (${transitions.length} decisions)`),
    table("Trace of decisions", ["At", "Customer", "Decision", "Milestone", "Step", "Reason"],
      transitions.map((t) => [t.at, t.customer_id, t.kind, t.milestone_id, t.step_id, t.reason]), { id: "test-trace" }),
  );
}

function testSend() {
  const sends = allSteps().filter(({ step }) => "send" in step);
  const state = { channel: "email", address: "", step: "" };
  const out = el("p", { class: "note", role: "status", id: "test-send-result" });
  const saved = editing.id !== null;
  return el("fieldset", { class: "stack", id: "test-send" },
    el("legend", {}, "Test send"),
    el("p", { class: "help" }, saved
      ? "Sends the journey's messages, marked as tests, to an address on the API's allow-list (WAYMARK_ENGINE_API_TEST_RECIPIENTS). It sends what is saved."
      : "Save the journey first: a test send uses the saved journey."),
    el("div", { class: "grid" },
      field({ label: "Test channel", path: "recipients[0].channel", control: select(["email", "sms", "push", "webhook"], state.channel, (v) => { state.channel = v; }) }),
      field({ label: "Test address", path: "recipients[0].address", control: input("", (v) => { state.address = v; }, { autocomplete: "off", placeholder: "qa@example.com" }) }),
      field({ label: "Only the step", control: select([["", "every send step"], ...sends.map(({ step }) => [step.id, step.id])], "", (v) => { state.step = v; }) })),
    el("button", {
      type: "button", disabled: !saved, onclick: async () => {
        const body = { recipients: [{ channel: state.channel, address: state.address.trim() }], profile: { first_name: "Test" } };
        if (state.step) body.step_id = state.step;
        try {
          const answer = await call("POST", `/v1/journeys/${editing.id}/test-send`, body);
          const n = (answer.command_ids ?? answer.commands ?? []).length;
          out.textContent = `Test send queued: ${n} message(s).`;
          out.className = "note";
        } catch (error) {
          out.textContent = `Not sent: ${describe(error)}`;
          out.className = "error";
        }
      },
    }, "Send test"),
    out);
}

/** The Test tab. */
export function testPanel() {
  const root = el("div", { class: "stack" });
  const render = () => {
    const area = el("textarea", {
      id: "test-events", rows: 8, spellcheck: false, value: panel.events,
      "aria-describedby": "test-events-help",
      oninput: (e) => { panel.events = e.target.value; },
    });
    const pick = select([["", "choose…"], ["consenting", "a customer who consented to email"], ["no-consent", "a customer without consent"], ["both", "both customers"]], "", (v) => {
      if (!v) return;
      panel.events = sample(v);
      area.value = panel.events;
    });
    const fileInput = el("input", { type: "file", accept: ".jsonl,.json,.txt", onchange: async (e) => {
      const file = e.target.files[0];
      if (file) { panel.events = await file.text(); area.value = panel.events; }
    } });
    root.replaceChildren(
      el("p", { class: "note" }, "Runs the journey as it is in the editor — saved or not — on a virtual clock: nothing is sent."),
      el("div", { class: "grid" },
        field({ label: "Sample inputs", control: pick }),
        field({ label: "Load inputs from a file", control: fileInput })),
      el("div", { class: "field" },
        el("label", { for: "test-events" }, "Simulator inputs (JSON Lines)"),
        area,
        el("p", { class: "help", id: "test-events-help" }, "One input per line: identify, consent, track or outcome, as in the journeys-as-code document.")),
      el("div", { class: "actions" }, el("button", { type: "button", class: "primary", onclick: () => run(render) }, "Run test")),
      results(),
      may("editor") ? testSend() : null,
    );
  };
  render();
  return root;
}
