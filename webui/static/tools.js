// The frontend tools this page declares in RunAgentInput.tools. When the
// model calls one, the server ends the run with the call; the page runs the
// tool here and sends its result as a tool message in a new run.

const MAX_CHART_ITEMS = 50;
const NOTICE_LEVELS = ["info", "success", "warning", "error"];

const chartData = (what) => ({
  type: "array",
  description: `The data, one ${what} per item, in display order.`,
  maxItems: MAX_CHART_ITEMS,
  items: {
    type: "object",
    properties: {
      label: { type: "string", description: `Name of the ${what}.` },
      value: { type: "number", minimum: 0, description: "Its value; not negative." },
    },
    required: ["label", "value"],
    additionalProperties: false,
  },
});

const FRONTEND_TOOLS = [
  {
    name: "barChart",
    description: "Show the user a bar chart in the chat: one bar per data item. Use for comparing values across categories.",
    parameters: {
      type: "object",
      properties: {
        title: { type: "string", description: "Heading shown above the chart." },
        data: chartData("bar"),
      },
      required: ["title", "data"],
      additionalProperties: false,
    },
  },
  {
    name: "pieChart",
    description: "Show the user a pie chart in the chat: each data item is a slice sized by its share of the total. Use for parts of a whole.",
    parameters: {
      type: "object",
      properties: {
        title: { type: "string", description: "Heading shown above the chart." },
        data: chartData("slice"),
      },
      required: ["title", "data"],
      additionalProperties: false,
    },
  },
  {
    name: "widgetRenderer",
    description:
      "Show the user a small HTML widget in the chat (inline <style> and <script> allowed), for interactive views a chart cannot give. " +
      "It runs in a sandboxed frame that cannot fetch anything: put the data in the HTML.",
    parameters: {
      type: "object",
      properties: {
        title: { type: "string", description: "Caption shown above the widget." },
        html: { type: "string", description: "The widget's HTML: the body's content, with any <style> and <script> inline." },
      },
      required: ["html"],
      additionalProperties: false,
    },
  },
  {
    name: "showNotice",
    description: "Show the user a notice banner above the chat, for short messages that must not be missed.",
    parameters: {
      type: "object",
      properties: {
        message: { type: "string", description: "Text of the notice." },
        level: { type: "string", enum: NOTICE_LEVELS, description: "How it is styled. Default: info." },
      },
      required: ["message"],
      additionalProperties: false,
    },
  },
];

const isFrontendTool = (name) => FRONTEND_TOOLS.some((t) => t.name === name);

/** chartArgs checks chart arguments and returns {title, data} or throws. */
function chartArgs(args) {
  if (!args || typeof args !== "object" || Array.isArray(args)) throw new Error("arguments must be an object");
  if (typeof args.title !== "string") throw new Error("title must be a string");
  if (!Array.isArray(args.data)) throw new Error("data must be an array");
  if (args.data.length > MAX_CHART_ITEMS) throw new Error(`data has ${args.data.length} items; at most ${MAX_CHART_ITEMS}`);
  const data = args.data.map((d, i) => {
    if (!d || typeof d !== "object") throw new Error(`data[${i}] must be an object`);
    if (typeof d.label !== "string" && typeof d.label !== "number") throw new Error(`data[${i}].label must be a string`);
    if (typeof d.value !== "number" || !Number.isFinite(d.value) || d.value < 0) {
      throw new Error(`data[${i}].value must be a number, 0 or more`);
    }
    return { label: String(d.label), value: d.value };
  });
  return { title: args.title, data };
}

/**
 * runFrontendTool runs one call in the page. output is the element of the
 * call's card where a chart goes; notify shows a banner. It returns the tool
 * message's content and, when the call failed, its error.
 */
function runFrontendTool(name, argsText, { output, notify, replay = false }) {
  let args;
  try {
    args = argsText.trim() === "" ? {} : JSON.parse(argsText);
  } catch (err) {
    return { error: `the arguments are not valid JSON: ${err.message}` };
  }
  try {
    switch (name) {
      case "barChart":
      case "pieChart": {
        const chart = chartArgs(args);
        output.replaceChildren((name === "barChart" ? barChart : pieChart)(chart));
        return { content: JSON.stringify({ shown: true, chart: name === "barChart" ? "bar" : "pie", title: chart.title, items: chart.data.length }) };
      }
      case "widgetRenderer": {
        if (typeof args.html !== "string" || args.html.trim() === "") throw new Error("html must be a non-empty string");
        if (args.title !== undefined && typeof args.title !== "string") throw new Error("title must be a string");
        output.replaceChildren(widgetFrame(args.title || "", args.html));
        return { content: JSON.stringify({ shown: true }) };
      }
      case "showNotice": {
        if (typeof args.message !== "string" || args.message === "") throw new Error("message must be a non-empty string");
        const level = args.level === undefined ? "info" : args.level;
        if (!NOTICE_LEVELS.includes(level)) throw new Error(`level must be one of ${NOTICE_LEVELS.join(", ")}`);
        if (!replay) notify(args.message, level);
        output.replaceChildren(el("p", { className: "muted small", text: `Notice shown (${level}).` }));
        return { content: JSON.stringify({ shown: true }) };
      }
      default:
        return { error: `this page has no tool named ${name}` };
    }
  } catch (err) {
    return { error: err.message };
  }
}
