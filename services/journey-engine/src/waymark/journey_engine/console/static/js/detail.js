// Journey detail: each step's status with counts, the milestone funnel, messages by channel,
// holdout lift, and the version history with diffs.

import { call, describe } from "./api.js";
import { $, count, el, percent, table } from "./dom.js";
import { activities } from "./journeys.js";

function section(id, title, ...body) {
  return el("section", { class: "card", id, "aria-labelledby": `${id}-title` }, el("h2", { id: `${id}-title` }, title), ...body);
}

function unknown(error) {
  return el("p", { class: "note analytics-note" }, `Unknown (—): ${describe(error)}`);
}

async function analytics(path) {
  try {
    return { body: await call("GET", `/v1/analytics/journeys/${path}`) };
  } catch (error) {
    return { error };
  }
}

function stepsSection({ body, error }, definition) {
  if (error) {
    const names = (definition.milestones ?? []).flatMap((m) => (m.steps ?? []).map((s) => [m.id, s.id]));
    return section("detail-steps", "Steps", unknown(error),
      table("Steps", ["Milestone", "Step", "Status"], names.map(([m, s]) => [m, s, "—"])));
  }
  return section("detail-steps", "Steps",
    table("Steps and their status", ["Milestone", "Step", "Kind", "Status", "Entered", "In it now", "Completed", "Skipped", "Failed"],
      body.steps.map((s) => [
        s.milestone_id, s.step_id, s.channel ? `${s.channel} ${s.kind}` : s.kind.replace("_", " "),
        el("span", { class: `status step-${s.status.replace(" ", "-")}` }, s.status),
        count(s.entered), count(s.in_step), count(s.completed), count(s.suppressed), count(s.failed),
      ]), { id: "detail-steps-table" }));
}

function funnelSection({ body, error }) {
  if (error) return section("detail-funnel", "Milestone funnel", unknown(error));
  const max = Math.max(body.entries, 1);
  const bar = (n) => el("span", { class: "meter", style: `--w:${Math.round((n / max) * 100)}%`, "aria-hidden": "true" });
  return section("detail-funnel", "Milestone funnel",
    table("Milestone funnel", ["Stage", "Customers", "", "From previous", "From entry"], [
      ["Entered the journey", count(body.entries), bar(body.entries), "", ""],
      ...body.milestones.map((m) => [m.name ? `${m.name} (${m.milestone_id})` : m.milestone_id, count(m.reached), bar(m.reached), percent(m.rate_from_previous), percent(m.rate_from_entry)]),
      ["Converted", count(body.converted), bar(body.converted), "", percent(body.conversion_rate)],
    ], { id: "detail-funnel-table" }));
}

function messagesSection({ body, error }) {
  if (error) return section("detail-messages", "Messages by channel", unknown(error));
  const rows = [...body.channels, body.total].map((c) => [
    c.channel, count(c.sent), count(c.delivered), count(c.opened), count(c.clicked), count(c.bounced),
    count(c.failed), count(c.suppressed), count(c.unsubscribed), percent(c.rates.open_rate), percent(c.rates.click_rate),
  ]);
  return section("detail-messages", "Messages by channel",
    table("Messages by channel", ["Channel", "Sent", "Delivered", "Opened", "Clicked", "Bounced", "Failed", "Skipped", "Unsubscribed", "Open rate", "Click rate"], rows, { id: "detail-messages-table" }));
}

function liftSection({ body, error }) {
  if (error) {
    const reason = error.status === 409 ? el("p", { class: "note" }, `No holdout to measure: ${describe(error)}`) : unknown(error);
    return section("detail-lift", "Holdout lift", reason);
  }
  const arm = (name, a) => [name, count(a.customers), count(a.conversions), percent(a.rate)];
  return section("detail-lift", "Holdout lift",
    el("p", {}, `Split ${body.step_id}, goal ${body.goal_event}: lift ${percent(body.lift)}`,
      body.interval ? ` (95% interval ${percent(body.interval.low)} to ${percent(body.interval.high)})` : ""),
    table("Holdout arms", ["Group", "Customers", "Conversions", "Rate"], [arm("Treatment", body.treatment), arm("Control", body.control)]));
}

function diffList(diff) {
  const item = (sign, entry) => el("li", { class: `diff-${sign === "+" ? "added" : sign === "-" ? "removed" : "changed"}` },
    `${sign} `, el("code", {}, entry.path), ": ",
    sign === "~" ? `${JSON.stringify(entry.from)} → ${JSON.stringify(entry.to)}` : JSON.stringify(entry.value));
  const entries = [...diff.added.map((e) => item("+", e)), ...diff.removed.map((e) => item("-", e)), ...diff.changed.map((e) => item("~", e))];
  return entries.length ? el("ul", { class: "diff", id: "version-diff" }, ...entries) : el("p", { class: "note", id: "version-diff" }, "No difference.");
}

async function versionsSection(id) {
  let versions;
  try {
    ({ versions } = await call("GET", `/v1/journeys/${id}/versions`));
  } catch (error) {
    return section("detail-versions", "Version history", el("p", { class: "error" }, describe(error)));
  }
  if (versions.length === 0) return section("detail-versions", "Version history", el("p", { class: "note" }, "Not published yet: a draft."));
  const out = el("div", {});
  const compare = async (from, to) => {
    try {
      out.replaceChildren(el("h3", {}, `Changes from version ${from} to ${to}`), diffList(await call("GET", `/v1/journeys/${id}/diff?from=${from}&to=${to}`)));
    } catch (error) {
      out.replaceChildren(el("p", { class: "error" }, describe(error)));
    }
  };
  const rows = versions.map((v) => [
    String(v.version), v.status, new Date(v.published_at).toLocaleString(), count(v.customers),
    v.version > 1 ? el("button", { type: "button", class: "small", onclick: () => compare(v.version - 1, v.version) }, `Changes in version ${v.version}`) : "first version",
  ]);
  return section("detail-versions", "Version history",
    table("Versions", ["Version", "Status then", "Published", "Customers inside", "Diff"], rows, { id: "detail-versions-table" }), out);
}

/** Render the detail of journey `id` into the detail view. */
export async function openDetail(id) {
  const root = $("#detail-body");
  root.replaceChildren(el("p", { class: "note" }, "Loading…"));
  delete root.dataset.loaded;
  let journey;
  try {
    journey = await call("GET", `/v1/journeys/${id}`);
  } catch (error) {
    $("#detail-title").textContent = `Journey ${id}`;
    root.replaceChildren(el("p", { class: "error", role: "alert" }, describe(error)));
    return;
  }
  $("#detail-title").textContent = journey.name;
  const [steps, funnel, messages, lift, versions] = await Promise.all([
    analytics(`${id}/steps`), analytics(`${id}/funnel`), analytics(`${id}/messages`), analytics(`${id}/lift`),
    versionsSection(id),
  ]);
  root.replaceChildren(
    el("p", { class: "note" },
      el("span", { class: `status status-${journey.status}` }, journey.status), ` · ${journey.type} · `,
      journey.version ? `version ${journey.version}` : "draft", ` · ${activities(journey.definition).length} steps`),
    journey.definition.description ? el("p", {}, journey.definition.description) : null,
    stepsSection(steps, journey.definition), funnelSection(funnel), messagesSection(messages), liftSection(lift), versions,
  );
  root.dataset.loaded = id;
}
