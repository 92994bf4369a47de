// DOM helpers. Text always goes in as text nodes or textContent, never as
// markup: model output, tool arguments and thread data are untrusted.

/**
 * el creates an HTML element. props: className, text, attrs (set with
 * setAttribute), on (event listeners), hidden. Children may be nodes or
 * strings (added as text) and null (skipped).
 */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  applyProps(node, props);
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** svgEl creates an SVG element; attrs are set with setAttribute. */
function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function applyProps(node, props) {
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.hidden) node.hidden = true;
  for (const [k, v] of Object.entries(props.attrs || {})) {
    if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const [type, fn] of Object.entries(props.on || {})) node.addEventListener(type, fn);
}

function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no element #${id}`);
  return node;
}

/** textOf returns the text of AG-UI message content: a string or text parts. */
function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content.map((p) => (p && p.type === "text" ? p.text : `[${p && p.type}]`)).join("\n");
  }
  return content === undefined || content === null ? "" : JSON.stringify(content);
}

/** prettyJSON indents a JSON text; text that is not JSON (yet) is kept. */
function prettyJSON(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
