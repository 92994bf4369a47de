// Events folded into the thread's messages, as AG-UI clients do.

// RUN_ERROR codes of the stream, not of the run (the README's table).
const STREAM_ERRORS = new Set(["event_log_unavailable", "stream_error"]);

function findMessage(id) {
  return app.messages.find((m) => m.id === id);
}

function callById(id) {
  for (const m of app.messages) {
    for (const tc of m.toolCalls || []) if (tc.id === id) return tc;
  }
  return null;
}

function hasResult(toolCallId) {
  return app.messages.some((m) => m.role === "tool" && m.toolCallId === toolCallId);
}

function startText(id, role) {
  let m = findMessage(id);
  if (!m) {
    m = { id, role, content: "" };
    app.messages.push(m);
  }
  if (typeof m.content !== "string") m.content = "";
  chat.setText(id, role, m.content, true);
}

function appendText(id, delta) {
  const m = findMessage(id);
  if (!m) return;
  m.content += delta || "";
  chat.setText(id, m.role, m.content, true);
}

function startToolCall(id, name, parentId) {
  const holder = parentId || id;
  let m = findMessage(holder);
  if (!m) {
    m = { id: holder, role: "assistant" };
    app.messages.push(m);
  }
  m.toolCalls = m.toolCalls || [];
  if (!m.toolCalls.some((tc) => tc.id === id)) m.toolCalls.push({ id, type: "function", function: { name, arguments: "" } });
  chat.card(id, name);
  chat.setCardState(id, "calling", "calling");
}

function appendArgs(id, delta) {
  const tc = callById(id);
  if (!tc) return;
  tc.function.arguments += delta || "";
  chat.setArgs(id, tc.function.arguments);
}

function endToolCall(run, id) {
  const tc = callById(id);
  if (!tc) return;
  if (isFrontendTool(tc.function.name)) {
    if (!run.pending.includes(id)) run.pending.push(id);
    chat.setCardState(id, "waiting", "runs in this page");
  } else {
    chat.setCardState(id, "running", "running on the server");
  }
}

/** addToolResult puts a tool message right after the call's message. */
function addToolResult(msg) {
  if (findMessage(msg.id)) return;
  let at = app.messages.findIndex((m) => (m.toolCalls || []).some((tc) => tc.id === msg.toolCallId));
  if (at < 0) {
    app.messages.push(msg);
  } else {
    while (at + 1 < app.messages.length && app.messages[at + 1].role === "tool") at++;
    app.messages.splice(at + 1, 0, msg);
  }
  chat.setResult(msg.toolCallId, textOf(msg.content), msg.error);
  showServerResult(msg);
}

/** showServerResult draws a server tool's result (a form, a plan) in its card. */
function showServerResult(msg) {
  const tc = callById(msg.toolCallId);
  if (!tc || msg.error || isFrontendTool(tc.function.name)) return;
  const later = app.messages.slice(app.messages.indexOf(msg) + 1);
  renderServerResult(tc.function.name, textOf(msg.content), chat.card(tc.id, tc.function.name).output, later);
}

/** handleEvent applies one AG-UI event to the page. */
function handleEvent(run, ev) {
  switch (ev.type) {
    case "RUN_STARTED":
      setStatus("running", `run ${shortId(run.id)}`);
      break;
    case "TEXT_MESSAGE_START":
      startText(ev.messageId, ev.role || "assistant");
      break;
    case "TEXT_MESSAGE_CONTENT":
      appendText(ev.messageId, ev.delta);
      break;
    case "TEXT_MESSAGE_END":
      chat.endText(ev.messageId);
      break;
    case "TEXT_MESSAGE_CHUNK": {
      const id = ev.messageId || run.chunkText;
      if (!id) break;
      if (id !== run.chunkText || !findMessage(id)) startText(id, ev.role || "assistant");
      run.chunkText = id;
      appendText(id, ev.delta);
      break;
    }
    case "TOOL_CALL_START":
      startToolCall(ev.toolCallId, ev.toolCallName, ev.parentMessageId);
      break;
    case "TOOL_CALL_ARGS":
      appendArgs(ev.toolCallId, ev.delta);
      break;
    case "TOOL_CALL_END":
      endToolCall(run, ev.toolCallId);
      break;
    case "TOOL_CALL_CHUNK": {
      const id = ev.toolCallId || run.chunkTool;
      if (!id) break;
      if (!callById(id)) startToolCall(id, ev.toolCallName, ev.parentMessageId);
      if (run.chunkTool && run.chunkTool !== id) endToolCall(run, run.chunkTool);
      run.chunkTool = id;
      appendArgs(id, ev.delta);
      break;
    }
    case "TOOL_CALL_RESULT":
      addToolResult({ id: ev.messageId, role: "tool", toolCallId: ev.toolCallId, content: ev.content });
      break;
    case "STATE_SNAPSHOT":
      setState(ev.snapshot);
      break;
    case "STATE_DELTA":
      try {
        setState(applyPatch(app.state, ev.delta));
      } catch (err) {
        console.warn("STATE_DELTA did not apply; keeping the state", err);
      }
      break;
    case "MESSAGES_SNAPSHOT":
      app.messages = Array.isArray(ev.messages) ? ev.messages : [];
      showHistory();
      break;
    case "STEP_STARTED":
      setStatus("running", `run ${shortId(run.id)} · ${ev.stepName}`);
      break;
    case "RUN_FINISHED":
      // A chunked tool call has no END event; the run's end closes it.
      if (run.chunkTool) endToolCall(run, run.chunkTool);
      run.ended = "finished";
      break;
    case "RUN_ERROR":
      if (STREAM_ERRORS.has(ev.code)) {
        // The stream stopped, not the run: it can be rejoined.
        run.streamError = ev.message || ev.code;
        break;
      }
      run.ended = "error";
      failRun(run, ev.message || "the run failed", ev.code);
      break;
    default:
    // STEP_FINISHED, reasoning, CUSTOM, RAW and later additions: nothing to draw.
  }
}

function showHistory() {
  chat.showHistory(app.messages);
  // Redraw the frontend tools' charts from their stored arguments, and the
  // server tools' forms and plans from their results.
  for (const m of app.messages) {
    if (m.role === "tool") showServerResult(m);
    for (const tc of m.toolCalls || []) {
      const result = app.messages.find((r) => r.role === "tool" && r.toolCallId === tc.id);
      if (!result || result.error || !isFrontendTool(tc.function.name)) continue;
      runFrontendTool(tc.function.name, tc.function.arguments || "", { output: chat.card(tc.id).output, notify, replay: true });
    }
  }
}
