// A2UI v0.8 surfaces (what generate_form returns) drawn as real controls.
// A tool result is a list of server-to-client messages: surfaceUpdate
// (flat components referring to each other by id), dataModelUpdate (the
// values inputs bind to by path) and beginRendering (the root). The inputs
// write to the surface's data model; a Button's action resolves its context
// from it into an A2UI userAction, which onAction receives.

const A2UI_MAX_DEPTH = 20;

/** isA2UI tells whether a parsed tool result is a list of A2UI messages. */
function isA2UI(value) {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((m) => m && typeof m === "object" && (m.surfaceUpdate || m.dataModelUpdate || m.beginRendering || m.deleteSurface)) &&
    value.some((m) => m.beginRendering)
  );
}

/** a2uiSurfaces folds the messages into surfaces: {id, components, data, root}. */
function a2uiSurfaces(messages) {
  const surfaces = new Map();
  const surface = (id) => {
    if (!surfaces.has(id)) surfaces.set(id, { id, components: new Map(), data: {}, root: null });
    return surfaces.get(id);
  };
  for (const m of messages) {
    if (m.surfaceUpdate) {
      const s = surface(m.surfaceUpdate.surfaceId);
      for (const c of m.surfaceUpdate.components || []) s.components.set(c.id, c.component || {});
    } else if (m.dataModelUpdate) {
      const s = surface(m.dataModelUpdate.surfaceId);
      setPointer(s.data, m.dataModelUpdate.path || "/", entriesToValue(m.dataModelUpdate.contents || []));
    } else if (m.beginRendering) {
      surface(m.beginRendering.surfaceId).root = m.beginRendering.root;
    } else if (m.deleteSurface) {
      surfaces.delete(m.deleteSurface.surfaceId);
    }
  }
  return [...surfaces.values()].filter((s) => s.root);
}

/** entriesToValue turns A2UI's typed [{key, valueString…}] into an object. */
function entriesToValue(entries) {
  const out = {};
  for (const e of entries) {
    if (!e || typeof e.key !== "string") continue;
    if ("valueString" in e) out[e.key] = e.valueString;
    else if ("valueNumber" in e) out[e.key] = e.valueNumber;
    else if ("valueBoolean" in e) out[e.key] = e.valueBoolean;
    else if ("valueMap" in e) out[e.key] = entriesToValue(e.valueMap || []);
  }
  return out;
}

function pointerParts(path) {
  return String(path)
    .split("/")
    .filter((p) => p !== "")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getPointer(data, path) {
  let v = data;
  for (const p of pointerParts(path)) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[p];
  }
  return v;
}

/** setPointer sets path in data; "/" merges an object into the root. */
function setPointer(data, path, value) {
  const parts = pointerParts(path);
  if (parts.length === 0) {
    Object.assign(data, value);
    return;
  }
  let v = data;
  for (const p of parts.slice(0, -1)) {
    if (v[p] === null || typeof v[p] !== "object") v[p] = {};
    v = v[p];
  }
  v[parts.at(-1)] = value;
}

/** a2uiValue resolves a bound value: a literal or a path into the data. */
function a2uiValue(s, v) {
  if (!v || typeof v !== "object") return v;
  if ("path" in v) return getPointer(s.data, v.path);
  for (const k of ["literalString", "literalNumber", "literalBoolean"]) if (k in v) return v[k];
  return undefined;
}

/**
 * renderA2UI draws every surface of a tool result. onAction(action, {form,
 * secret}) is called when a Button is pressed, with the A2UI userAction,
 * the surface's element and the context keys bound to password fields.
 */
function renderA2UI(messages, onAction) {
  return a2uiSurfaces(messages).map((s) => {
    const form = el("form", { className: "a2ui-surface", attrs: { "data-surface-id": s.id } });
    // Enter in a text field presses the surface's primary button.
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const primary = form.querySelector("button[data-primary]") || form.querySelector("button");
      if (primary) primary.click();
    });
    const root = a2uiComponent(s, s.root, 0, { onAction, form });
    if (root) form.append(root);
    return form;
  });
}

function a2uiComponent(s, id, depth, ctx) {
  const def = s.components.get(id);
  if (!def || depth > A2UI_MAX_DEPTH) return null;
  const [kind, props = {}] = Object.entries(def)[0] || [];
  const child = (cid) => a2uiComponent(s, cid, depth + 1, ctx);
  const children = () => ((props.children && props.children.explicitList) || []).map(child);
  switch (kind) {
    case "Card":
      return el("div", { className: "a2ui-card" }, child(props.child));
    case "Column":
    case "Row":
    case "List":
      return el("div", { className: `a2ui-${kind.toLowerCase()}` }, ...children());
    case "Text": {
      const tag = { h1: "h3", h2: "h3", h3: "h4", h4: "h4", h5: "h5", caption: "small" }[props.usageHint] || "p";
      return el(tag, { className: "a2ui-text", text: String(a2uiValue(s, props.text) ?? "") });
    }
    case "TextField":
      return a2uiTextField(s, id, props);
    case "CheckBox": {
      const box = el("input", { attrs: { type: "checkbox", checked: Boolean(a2uiValue(s, props.value)) } });
      box.addEventListener("change", () => props.value && props.value.path && setPointer(s.data, props.value.path, box.checked));
      return el("label", { className: "a2ui-check" }, box, String(a2uiValue(s, props.label) ?? ""));
    }
    case "Button": {
      const button = el("button", { className: "a2ui-button", attrs: { type: "button", "data-primary": props.primary ? "" : null } }, child(props.child));
      if (props.action && props.action.name) ctx.form.dataset.action = props.action.name;
      button.addEventListener("click", () => {
        if (!ctx.form.reportValidity()) return;
        const context = {};
        const secret = [];
        for (const c of (props.action && props.action.context) || []) {
          context[c.key] = a2uiValue(s, c.value);
          if (c.value && c.value.path && a2uiObscured(s, c.value.path)) secret.push(c.key);
        }
        ctx.onAction(
          {
            name: (props.action && props.action.name) || "",
            surfaceId: s.id,
            sourceComponentId: id,
            timestamp: new Date().toISOString(),
            context,
          },
          { form: ctx.form, secret },
        );
      });
      return button;
    }
    default:
      return el("p", { className: "muted small", text: `(${kind || "unknown"} component not supported here)` });
  }
}

const A2UI_INPUT_TYPES = { shortText: "text", obscured: "password", number: "number", date: "date" };

function a2uiTextField(s, id, props) {
  const path = props.text && props.text.path;
  const type = props.textFieldType || "shortText";
  const value = String(a2uiValue(s, props.text) ?? "");
  const inputId = `a2ui-${s.id}-${id}`;
  const attrs = { id: inputId, name: id, "data-field-type": type };
  if (props.validationRegexp) attrs.pattern = props.validationRegexp;
  const input =
    type === "longText"
      ? el("textarea", { attrs: { ...attrs, rows: 3 } })
      : el("input", { attrs: { ...attrs, type: A2UI_INPUT_TYPES[type] || "text", autocomplete: type === "obscured" ? "off" : null } });
  input.value = value;
  input.addEventListener("input", () => {
    if (path) setPointer(s.data, path, type === "number" && input.value !== "" ? Number(input.value) : input.value);
  });
  return el("div", { className: "a2ui-field" }, el("label", { attrs: { for: inputId }, text: String(a2uiValue(s, props.label) ?? "") }), input);
}

/** a2uiObscured tells whether a password field binds to path. */
function a2uiObscured(s, path) {
  for (const def of s.components.values()) {
    const tf = def.TextField;
    if (tf && tf.textFieldType === "obscured" && tf.text && tf.text.path === path) return true;
  }
  return false;
}
