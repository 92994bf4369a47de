// The side panels: the shared state (its todo list, editable by the user)
// and the list of saved threads.

const TODO_STATUSES = { pending: "pending", in_progress: "in progress", done: "done" };

/** StatePanel shows the shared state; onChange(newState) reports edits. */
class StatePanel {
  constructor(onChange) {
    this.onChange = onChange;
    this.list = byId("todo-list");
    this.empty = byId("todos-empty");
    this.counts = byId("todo-counts");
    this.json = byId("state-json");
    this.form = byId("todo-form");
    this.input = byId("todo-input");
    this.state = {};
    this.editable = true;
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      const title = this.input.value.trim();
      if (title === "" || !this.editable) return;
      this.input.value = "";
      const todos = this.todos();
      todos.push({ id: nextTodoId(todos), title, status: "pending" });
      this.onChange({ ...this.state, todos });
    });
  }

  todos() {
    return Array.isArray(this.state.todos) ? this.state.todos.map((t) => ({ ...t })) : [];
  }

  render(state, editable) {
    this.state = state && typeof state === "object" && !Array.isArray(state) ? state : {};
    this.editable = editable;
    this.json.textContent = JSON.stringify(state, null, 2);
    const todos = Array.isArray(this.state.todos) ? this.state.todos : [];
    this.list.replaceChildren(...todos.map((t, i) => this.item(t, i)));
    this.empty.hidden = todos.length > 0;
    const done = todos.filter((t) => t && t.status === "done").length;
    this.counts.textContent = todos.length ? `(${done} of ${todos.length} done)` : "";
    for (const c of this.form.elements) c.disabled = !editable;
  }

  item(t, i) {
    const title = String(t && t.title !== undefined ? t.title : "");
    const status = String((t && t.status) || "pending");
    const box = el("input", {
      attrs: { type: "checkbox", id: `todo-${i}`, checked: status === "done", disabled: !this.editable },
      on: { change: () => this.edit(i, (x) => ({ ...x, status: box.checked ? "done" : "pending" })) },
    });
    return el(
      "li",
      { attrs: { "data-status": status, "data-todo-id": t && t.id } },
      box,
      el("label", { attrs: { for: `todo-${i}` }, text: title }),
      el("span", { className: "status", text: TODO_STATUSES[status] || status }),
      el("button", {
        className: "remove",
        text: "×",
        attrs: { type: "button", "aria-label": `Remove todo: ${title}`, disabled: !this.editable },
        on: { click: () => this.edit(i, null) },
      }),
    );
  }

  /** edit replaces (or, given null, removes) the todo at index i. */
  edit(i, change) {
    if (!this.editable) return;
    const todos = this.todos();
    if (change === null) todos.splice(i, 1);
    else todos[i] = change(todos[i]);
    this.onChange({ ...this.state, todos });
  }
}

/** nextTodoId follows the agent's own "todo-N" scheme, one past the highest. */
function nextTodoId(todos) {
  let n = 0;
  for (const t of todos) {
    const m = /^todo-(\d+)$/.exec((t && t.id) || "");
    if (m) n = Math.max(n, Number(m[1]));
  }
  return `todo-${n + 1}`;
}

/** ThreadList shows saved threads, newest first, a page at a time. */
class ThreadList {
  constructor({ onOpen, onDelete }) {
    this.onOpen = onOpen;
    this.onDelete = onDelete;
    this.list = byId("thread-list");
    this.empty = byId("threads-empty");
    this.more = byId("threads-more");
    this.errorText = byId("threads-error");
    this.current = null;
  }

  /** show draws one page; append adds it below the pages already shown. */
  show(threads, next, append) {
    const items = threads.map((t) => this.item(t));
    if (append) this.list.append(...items);
    else this.list.replaceChildren(...items);
    this.empty.hidden = this.list.children.length > 0;
    this.more.hidden = !next;
    this.more.dataset.cursor = next || "";
    this.errorText.hidden = true;
    this.markCurrent(this.current);
  }

  fail(message) {
    this.errorText.textContent = message;
    this.errorText.hidden = false;
  }

  item(t) {
    const when = t.updatedAt ? new Date(t.updatedAt).toLocaleString([], { dateStyle: "short", timeStyle: "short" }) : "";
    const count = `${t.messageCount} message${t.messageCount === 1 ? "" : "s"}`;
    return el(
      "li",
      { attrs: { "data-thread-id": t.threadId } },
      el(
        "button",
        { className: "open", attrs: { type: "button", title: t.threadId }, on: { click: () => this.onOpen(t.threadId) } },
        el("code", { text: shortId(t.threadId) }),
        el("span", { className: "meta", text: when ? `${count} · ${when}` : count }),
      ),
      el("button", {
        className: "delete",
        text: "×",
        attrs: { type: "button", "aria-label": `Delete thread ${t.threadId}`, title: "Delete thread" },
        on: { click: () => this.onDelete(t.threadId) },
      }),
    );
  }

  markCurrent(id) {
    this.current = id;
    for (const li of this.list.children) {
      const open = li.querySelector(".open");
      if (open) open.setAttribute("aria-current", String(li.dataset.threadId === id));
    }
  }
}
