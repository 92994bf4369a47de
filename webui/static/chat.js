// ChatView draws the conversation: text bubbles keyed by message id and
// tool-call cards keyed by tool call id, so streamed events update what is
// already on screen.

const ROLE_LABELS = { user: "You", assistant: "Agent", system: "System", developer: "Developer", tool: "Tool" };

class ChatView {
  constructor(list, empty) {
    this.list = list;
    this.empty = empty;
    this.bubbles = new Map();
    this.cards = new Map();
  }

  clear() {
    this.list.replaceChildren();
    this.bubbles.clear();
    this.cards.clear();
    this.syncEmpty();
  }

  syncEmpty() {
    this.empty.hidden = this.list.children.length > 0;
  }

  add(node) {
    this.list.append(node);
    this.syncEmpty();
    node.scrollIntoView({ block: "nearest" });
  }

  bubble(id, role) {
    let b = this.bubbles.get(id);
    if (!b) {
      const text = el("div", { className: "text" });
      const node = el(
        "li",
        { className: `msg ${role}`, attrs: { "data-message-id": id, "data-role": role } },
        el("span", { className: "role", text: ROLE_LABELS[role] || role }),
        text,
      );
      b = { node, text };
      this.bubbles.set(id, b);
      this.add(node);
    }
    return b;
  }

  /** setText shows a message's whole text; streaming adds a cursor. */
  setText(id, role, text, streaming) {
    const b = this.bubble(id, role);
    b.text.textContent = text;
    b.node.classList.toggle("streaming", streaming);
    if (streaming) b.node.scrollIntoView({ block: "nearest" });
  }

  endText(id) {
    const b = this.bubbles.get(id);
    if (b) b.node.classList.remove("streaming");
  }

  card(id, name) {
    let c = this.cards.get(id);
    if (c) return c;
    const badge = el("span", { className: "badge", text: "calling" });
    const args = el("pre", { className: "args" });
    const resultLabel = el("div", { className: "label", text: "Result", hidden: true });
    const result = el("pre", { className: "result", hidden: true });
    const output = el("div", { className: "output" });
    const node = el(
      "li",
      { className: "tool-card", attrs: { "data-tool-call-id": id, "data-tool-name": name } },
      el(
        "details",
        {},
        el("summary", {}, el("span", { className: "muted", text: "Tool call" }), el("span", { className: "tool-name", text: name }), badge),
        el("div", { className: "body" }, el("div", { className: "label", text: "Arguments" }), args, resultLabel, result),
      ),
      output,
    );
    c = { node, badge, args, resultLabel, result, output, name, argsText: "" };
    this.cards.set(id, c);
    this.add(node);
    return c;
  }

  setArgs(id, text) {
    const c = this.cards.get(id);
    if (!c) return;
    c.argsText = text;
    c.args.textContent = prettyJSON(text);
  }

  /** setCardState labels a card: calling, running, waiting, done or error. */
  setCardState(id, state, label) {
    const c = this.cards.get(id);
    if (!c) return;
    c.badge.dataset.state = state;
    c.badge.textContent = label || state;
  }

  /**
   * setResult shows a tool result. error is the stored message's error; a
   * streamed result has none, but agentd starts a failed tool's content
   * with "Error: ".
   */
  setResult(toolCallId, content, error) {
    const failed = Boolean(error) || content.startsWith("Error: ");
    const c = this.cards.get(toolCallId);
    if (!c) {
      // A result whose call is not on screen still shows.
      this.setText(`result-${toolCallId}`, "tool", content, false);
      return;
    }
    c.resultLabel.hidden = false;
    c.result.hidden = false;
    c.result.textContent = failed ? content : prettyJSON(content);
    this.setCardState(toolCallId, failed ? "error" : "done", failed ? "error" : "done");
  }

  /**
   * error shows a failure: its message, a plain explanation (hint) and,
   * given retry, a Retry button that is used once.
   */
  error(message, code, { hint = "", retry = null } = {}) {
    const button = retry
      ? el("button", {
          className: "retry",
          text: "Retry",
          attrs: { type: "button" },
          on: {
            click: (e) => {
              e.currentTarget.disabled = true;
              retry();
            },
          },
        })
      : null;
    this.add(
      el(
        "li",
        { className: "msg error", attrs: { role: "alert", "data-error-code": code || "" } },
        el("span", { className: "role", text: code ? `Run error · ${code}` : "Run error" }),
        hint ? el("p", { className: "hint", text: hint }) : null,
        el("div", { className: "text", text: message }),
        button,
      ),
    );
  }

  /** showHistory redraws a whole stored conversation. */
  showHistory(messages) {
    this.clear();
    for (const m of messages) {
      switch (m.role) {
        case "user":
        case "system":
        case "developer":
          this.setText(m.id, m.role, textOf(m.content), false);
          break;
        case "assistant":
          if (textOf(m.content) !== "") this.setText(m.id, "assistant", textOf(m.content), false);
          for (const tc of m.toolCalls || []) {
            this.card(tc.id, tc.function.name);
            this.setArgs(tc.id, tc.function.arguments || "");
            this.setCardState(tc.id, "waiting", "no result");
          }
          break;
        case "tool":
          this.setResult(m.toolCallId, textOf(m.content), m.error);
          break;
        default:
        // reasoning and activity messages are not drawn.
      }
    }
  }
}
