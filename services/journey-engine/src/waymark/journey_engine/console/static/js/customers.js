// Customer lookup: a customer's journeys, and the trace of decisions with their reasons.

import { call, describe } from "./api.js";
import { $, el, table } from "./dom.js";

function when(at) {
  return new Date(at).toLocaleString();
}

function decision(entry) {
  return entry.source === "outcome" ? `outcome: ${entry.status}` : entry.kind.replace("_", " ");
}

function journeysOf(decisions) {
  // Most recent first: the first entry seen per journey is its latest decision.
  const latest = new Map();
  for (const entry of decisions) {
    if (entry.journey_id && !latest.has(entry.journey_id)) latest.set(entry.journey_id, entry);
  }
  return [...latest.values()];
}

/** Look a customer up and show the trace. */
export async function lookUp(customerId) {
  const out = $("#customer-result");
  $("#customer-id").value = customerId;
  out.replaceChildren(el("p", { class: "note" }, "Loading…"));
  let trace;
  try {
    trace = await call("GET", `/v1/analytics/customers/${encodeURIComponent(customerId)}/trace`);
  } catch (error) {
    out.replaceChildren(el("p", { class: "error", role: "alert" }, describe(error)));
    return;
  }
  const journeys = journeysOf(trace.decisions);
  out.replaceChildren(
    el("h2", {}, `Customer ${trace.customer_id}`),
    el("h3", {}, "Journeys"),
    journeys.length
      ? table("Journeys of the customer", ["Journey", "Version", "Latest decision", "At"],
        journeys.map((e) => [el("a", { href: `#/journeys/${e.journey_id}` }, e.journey_id), String(e.journey_version ?? "—"), decision(e), when(e.at)]),
        { id: "customer-journeys" })
      : el("p", { class: "note" }, "No journey has seen this customer."),
    el("h3", {}, `Skipped sends (${trace.skipped.length})`),
    trace.skipped.length
      ? table("Sends that did not go out, with the reason", ["At", "Journey", "Step", "Channel", "Decision", "Reason", "Why"],
        trace.skipped.map((e) => [when(e.at), e.journey_id, e.step_id, e.channel, decision(e), el("code", {}, e.reason ?? "—"), e.explanation]),
        { id: "customer-skipped" })
      : el("p", { class: "note" }, "Every send went out."),
    el("h3", {}, "Decisions, most recent first"),
    table("Trace of decisions", ["At", "Journey", "Version", "Decision", "Milestone", "Step", "Channel", "Reason"],
      trace.decisions.map((e) => [when(e.at), e.journey_id, e.journey_version === null ? "—" : String(e.journey_version), decision(e), e.milestone_id, e.step_id, e.channel, e.reason]),
      { id: "customer-trace" }),
  );
  out.dataset.loaded = customerId;
}

/** Wire the lookup form once; `go(id)` records the lookup in the address. */
export function setUpCustomers({ go }) {
  $("#customer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("#customer-id").value.trim();
    if (id) go(id);
  });
}
