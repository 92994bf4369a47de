// Runs: POST / with the whole history, the event stream, frontend tool
// rounds, and rejoining a dropped stream with Last-Event-ID.

async function startRun() {
  const run = {
    id: newId(),
    threadId: app.threadId,
    controller: new AbortController(),
    lastEventId: null,
    ended: null,
    streaming: false,
    pending: [],
  };
  app.run = run;
  hideConnection();
  setStatus("running", `run ${shortId(run.id)}`);
  updateControls();
  const input = {
    threadId: app.threadId,
    runId: run.id,
    state: app.state,
    messages: app.messages.filter((m) => m.role !== "activity"),
    tools: FRONTEND_TOOLS,
    context: [],
    forwardedProps: {},
  };
  let res;
  try {
    res = await apiFetch(api(""), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(input),
      signal: run.controller.signal,
    });
  } catch (err) {
    // The server may or may not have started the run; a rejoin finds out.
    return dropped(run, `The request failed: ${err.message}.`);
  }
  if (!res.ok) {
    const e = await errorBody(res);
    const retry = res.headers.get("Retry-After");
    run.ended = "refused";
    chat.error(`${e.message} (HTTP ${res.status}${retry ? `; retry after ${retry} s` : ""})`, e.code);
    setStatus("error", e.code || `HTTP ${res.status}`);
    app.followUps = 0;
    updateControls();
    return;
  }
  await follow(run, res);
}

/** follow reads a run's event stream until it ends, then settles the run. */
async function follow(run, res) {
  run.streaming = true;
  updateControls();
  let failure = null;
  try {
    await readEvents(res.body, (ev, id) => {
      if (app.run !== run) return;
      if (id !== null) run.lastEventId = id;
      handleEvent(run, ev);
    });
  } catch (err) {
    failure = err;
  }
  run.streaming = false;
  if (app.run !== run) return; // the page moved on to another thread
  if (!run.ended) {
    const why = run.disconnected
      ? "You disconnected."
      : run.streamError
        ? `The stream stopped (${run.streamError}).`
        : failure
          ? `The connection was lost (${failure.message}).`
          : "The stream ended before the run did.";
    return dropped(run, why);
  }
  await settle(run);
}

function dropped(run, why) {
  run.streaming = false;
  const from = run.lastEventId ? `after event ${run.lastEventId}` : "from its start";
  showConnection(`${why} Run ${shortId(run.id)} goes on on the server; rejoin to follow it ${from}.`);
  setStatus("disconnected", `run ${shortId(run.id)}`);
  updateControls();
}

/** rejoin follows the run on screen again from its last event id. */
async function rejoin() {
  const run = app.run;
  if (!run || run.ended || run.streaming) return;
  run.controller = new AbortController();
  run.disconnected = false;
  run.streamError = null;
  hideConnection();
  setStatus("running", `rejoining run ${shortId(run.id)}`);
  const headers = { Accept: "text/event-stream" };
  if (run.lastEventId) headers["Last-Event-ID"] = run.lastEventId;
  let res;
  try {
    res = await apiFetch(api(`runs/${encodeURIComponent(run.id)}/events`), { headers, signal: run.controller.signal });
  } catch (err) {
    return dropped(run, `Rejoining failed: ${err.message}.`);
  }
  if (res.status === 404) {
    // The run ended and its events are gone: the saved thread has the result.
    const e = await errorBody(res);
    notify(`${e.message} Showing the saved thread.`, "warning");
    await openThread(run.threadId);
    return;
  }
  if (!res.ok) {
    const e = await errorBody(res);
    return dropped(run, `Rejoining failed: ${e.message} (HTTP ${res.status}).`);
  }
  await follow(run, res);
}

/** settle runs the frontend tools a finished run called, then continues. */
async function settle(run) {
  if (run.ended === "finished") {
    setStatus("finished", `run ${shortId(run.id)}`);
    const pending = run.pending.filter((id) => !hasResult(id));
    if (pending.length > 0 && app.followUps < MAX_FOLLOW_UPS) {
      for (const id of pending) runPendingTool(id);
      app.followUps++;
      await startRun();
      return;
    }
    if (pending.length > 0) {
      chat.error(`Stopped after ${MAX_FOLLOW_UPS} tool rounds in a row; send a message to go on.`, "tool_loop");
    }
  }
  app.followUps = 0;
  updateControls();
  refreshThreads();
}

function runPendingTool(id) {
  const tc = callById(id);
  const card = chat.card(id, tc.function.name);
  chat.setCardState(id, "running", "running in this page");
  const r = runFrontendTool(tc.function.name, tc.function.arguments, { output: card.output, notify });
  const msg = { id: newId(), role: "tool", toolCallId: id, content: r.error ? `Error: ${r.error}` : r.content };
  if (r.error) msg.error = r.error;
  addToolResult(msg);
}

async function stopRun() {
  const run = app.run;
  if (!run || run.ended) return;
  try {
    const res = await apiFetch(api(`runs/${encodeURIComponent(run.id)}/cancel`), { method: "POST" });
    if (!res.ok) {
      const e = await errorBody(res);
      notify(`Could not stop the run: ${e.message}`, "error");
    }
  } catch (err) {
    notify(`Could not stop the run: ${err.message}`, "error");
  }
}

function disconnect() {
  const run = app.run;
  if (!run || !run.streaming) return;
  run.disconnected = true;
  run.controller.abort();
}

/** detach leaves the run on screen to the server. */
function detach() {
  if (app.run) {
    const run = app.run;
    app.run = null;
    if (run.streaming) run.controller.abort();
  }
  app.followUps = 0;
  hideConnection();
}
