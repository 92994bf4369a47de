// What the agent makes, drawn in the tool call's card instead of its JSON:
// generate_form's A2UI surface, plan_visualization's plan, query_data's
// numbers as a table, and (the
// frontend tool widgetRenderer) HTML widgets in a sandboxed frame. The raw
// JSON stays in the card's collapsed details.

// The widget's own policy, repeated in its HTML (the frame's response has
// the same one): its inline script and style run, nothing is fetched or
// submitted. The frame is sandboxed without allow-same-origin, so the
// widget cannot reach this page or its storage.
const WIDGET_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; form-action 'none'";
const MAX_WIDGET_BYTES = 100_000;

/**
 * renderServerResult fills a server tool's card from its result, if it can.
 * later are the thread's messages after the result: a form they already
 * answered is shown as submitted.
 */
function renderServerResult(name, content, output, later = []) {
  let value;
  try {
    value = JSON.parse(content);
  } catch {
    return;
  }
  if (name === "generate_form" && isA2UI(value)) {
    const forms = renderA2UI(value, submitForm);
    for (const form of forms) {
      const said = submissionText(form.dataset.action || "");
      if (later.some((m) => m.role === "user" && textOf(m.content).startsWith(said))) markSubmitted(form);
    }
    output.replaceChildren(...forms);
  } else if (name === "plan_visualization" && value && typeof value === "object" && value.technology) {
    output.replaceChildren(planCard(value));
  } else if (name === "query_data" && value && Array.isArray(value.rows)) {
    output.replaceChildren(queryTable(value));
  }
}

/** queryTable shows a query_data result as a table with its total. */
function queryTable(q) {
  const head = [q.group_by || "group", q.metric || "value"];
  const row = (cells, tag = "td") => el("tr", {}, ...cells.map((c) => el(tag, { text: String(c) })));
  return el(
    "table",
    { className: "query-table" },
    el("caption", { text: `${q.metric || "value"}${q.group_by ? ` by ${q.group_by}` : ""} · ${q.record_count ?? "?"} records` }),
    el("thead", {}, row(head, "th")),
    el("tbody", {}, ...q.rows.map((r) => row([r.group, formatValue(Number(r.value))]))),
    typeof q.total === "number" ? el("tfoot", {}, row(["total", formatValue(q.total)])) : null,
  );
}

/** planCard shows a plan_visualization result as a short card. */
function planCard(plan) {
  const e = plan.elements || {};
  const rows = [
    ["Chart", plan.technology],
    ["Approach", plan.approach],
    ["Why", plan.reason],
    ["X axis", e.x_axis],
    ["Y axis", e.y_axis],
    ["Slices", e.slices],
    ["Labels", e.labels],
    ["Sort", e.sort],
    ["Series", (e.series || []).join(", ")],
    ["Controls", (e.controls || []).join(", ")],
    ["Data", plan.data_needed],
    ["Next", plan.next_step],
  ].filter(([, v]) => typeof v === "string" && v !== "");
  return el(
    "section",
    { className: "plan-card", attrs: { "aria-label": "Visualization plan" } },
    el("h3", { text: e.title ? `Plan: ${e.title}` : "Plan" }),
    el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })])),
  );
}

/**
 * submitForm sends an A2UI userAction back to the agent as a new user
 * message saying what was submitted (password fields are not repeated: the
 * conversation is stored as plain text), then starts a run.
 */
function submitForm(action, { form, secret }) {
  if (busy()) {
    notify("Wait for the current run to end, then submit the form again.", "warning");
    return;
  }
  markSubmitted(form);
  const fields = Object.entries(action.context).map(
    ([k, v]) => `${k}: ${secret.includes(k) ? "(hidden)" : JSON.stringify(v)}`,
  );
  const text = `${submissionText(action.name)} ${fields.join(", ") || "no fields"}`;
  const msg = { id: newId(), role: "user", content: text };
  app.messages.push(msg);
  chat.setText(msg.id, "user", text, false);
  app.followUps = 0;
  startRun();
}

const submissionText = (actionName) => `Submitted the form (action ${actionName}):`;

function markSubmitted(form) {
  for (const c of form.elements) c.disabled = true;
  form.dataset.submitted = "true";
}

// The HTML of each widget frame, posted when the frame says it is ready
// (each time it loads).
const widgetDocs = new WeakMap();
window.addEventListener("message", (e) => {
  if (e.data !== "agentd-widget-ready") return;
  for (const frame of document.querySelectorAll("iframe.widget-frame")) {
    // The frame's origin is opaque ("null"), so the message cannot name it.
    if (frame.contentWindow === e.source && widgetDocs.has(frame)) frame.contentWindow.postMessage({ html: widgetDocs.get(frame) }, "*");
  }
});

/**
 * widgetFrame puts model-made HTML in a sandboxed frame: agentd serves the
 * frame (?frame=widget) with its own CSP, and the HTML is posted to it. A
 * srcdoc or data: frame would inherit this page's policy, which lets no
 * script but the page's own run.
 */
function widgetFrame(title, html) {
  if (html.length > MAX_WIDGET_BYTES) throw new Error(`html has ${html.length} characters; at most ${MAX_WIDGET_BYTES}`);
  const frame = el("iframe", {
    className: "widget-frame",
    attrs: { sandbox: "allow-scripts", title: title || "Widget", referrerpolicy: "no-referrer" },
  });
  const csp = `<meta http-equiv="Content-Security-Policy" content="${WIDGET_CSP}">`;
  const doc = `<!doctype html><html><head><meta charset="utf-8">${csp}</head><body>${html}</body></html>`;
  widgetDocs.set(frame, doc);
  frame.src = api("?frame=widget").href;
  return el("figure", { className: "widget" }, title ? el("figcaption", { text: title }) : null, frame);
}
