/**
 * applyPatch applies an RFC 6902 JSON Patch (a STATE_DELTA) to a copy of
 * doc and returns the copy. It throws on an operation that does not apply;
 * the caller then keeps the old state, as AG-UI clients do.
 */
function applyPatch(doc, ops) {
  if (!Array.isArray(ops)) throw new Error("a JSON Patch must be an array");
  let root = structuredClone(doc);
  for (const op of ops) root = applyOp(root, op);
  return root;
}

function applyOp(root, op) {
  const path = parsePointer(op.path);
  switch (op.op) {
    case "add":
      return put(root, path, structuredClone(op.value), true);
    case "replace":
      valueAt(root, path);
      return put(root, path, structuredClone(op.value), false);
    case "remove":
      return removeAt(root, path);
    case "move": {
      const from = parsePointer(op.from);
      const value = valueAt(root, from);
      return put(removeAt(root, from), path, value, true);
    }
    case "copy":
      return put(root, path, structuredClone(valueAt(root, parsePointer(op.from))), true);
    case "test":
      if (!sameJSON(valueAt(root, path), op.value)) throw new Error(`test failed at ${op.path}`);
      return root;
    default:
      throw new Error(`unknown patch operation ${JSON.stringify(op.op)}`);
  }
}

function parsePointer(p) {
  if (p === "") return [];
  if (typeof p !== "string" || !p.startsWith("/")) throw new Error(`bad JSON Pointer ${JSON.stringify(p)}`);
  return p.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(root, path) {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node)) node = node[arrayIndex(node, key, false)];
    else if (node !== null && typeof node === "object" && Object.hasOwn(node, key)) node = node[key];
    else throw new Error(`no value at /${path.join("/")}`);
  }
  return node;
}

function arrayIndex(list, key, forInsert) {
  if (forInsert && key === "-") return list.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new Error(`bad array index ${JSON.stringify(key)}`);
  const i = Number(key);
  if (i > list.length || (!forInsert && i === list.length)) throw new Error(`array index ${i} out of range`);
  return i;
}

function put(root, path, value, insert) {
  if (path.length === 0) return value;
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, key, insert);
    if (insert) parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (parent !== null && typeof parent === "object") {
    parent[key] = value;
  } else {
    throw new Error(`cannot set a member of a non-container at /${path.join("/")}`);
  }
  return root;
}

function removeAt(root, path) {
  if (path.length === 0) return null;
  const parent = valueAt(root, path.slice(0, -1));
  const key = path[path.length - 1];
  valueAt(parent, [key]);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else delete parent[key];
  return root;
}

function sameJSON(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJSON(a[k], b[k]));
}
