// Runs: POST / with the whole history, the event stream, frontend tool
// rounds, and rejoining a dropped stream with Last-Event-ID.

// resends counts the times this message was sent again because the server
// never had the run (see rejoin).
async function startRun({ resends = 0 } = {}) {
  const run = {
    resends,
    id: newId(),
    threadId: app.threadId,
    controller: new AbortController(),
    lastEventId: null,
    ended: null,
    streaming: false,
    pending: [],
    sent: app.messages.filter((m) => m.role !== "activity"),
    rejoins: 0, // rejoins in a row without an event in between
    wait: null, // the countdown on screen, if any
  };
  app.run = run;
  hideConnection();
  setStatus("running", `run ${shortId(run.id)}`);
  updateControls();
  const body = JSON.stringify({
    threadId: app.threadId,
    runId: run.id,
    state: app.state,
    messages: run.sent,
    tools: FRONTEND_TOOLS,
    context: [],
    forwardedProps: {},
  });
  // A refusal before the run started (429, 503) is sent again, the same run
  // id and body, after the server's Retry-After.
  for (let attempt = 0; ; attempt++) {
    let res;
    try {
      res = await apiFetch(api(""), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body,
        signal: run.controller.signal,
      });
    } catch (err) {
      // The server may or may not have started the run; a rejoin finds out.
      return dropped(run, `The request failed: ${err.message}.`);
    }
    if (app.run !== run) return;
    if (res.ok) {
      run.accepted = true;
      return follow(run, res);
    }
    const e = await errorBody(res);
    if ((res.status === 429 || res.status === 503) && attempt < MAX_BUSY_RETRIES) {
      const what = res.status === 429 ? "Too many requests" : "Busy";
      if (await countdown(run, retryAfter(res), `${what} (${e.code || res.status}), retrying`, "waiting")) {
        setStatus("running", `run ${shortId(run.id)}`);
        continue;
      }
      if (app.run !== run) return;
      run.ended = "refused";
      return failRun(run, `Not sent: ${e.message} (HTTP ${res.status}). You cancelled the retry.`, e.code);
    }
    run.ended = "refused";
    const gaveUp = res.status === 429 || res.status === 503 ? ` Gave up after ${attempt + 1} tries.` : "";
    return failRun(run, `${e.message} (HTTP ${res.status}).${gaveUp}`, e.code);
  }
}

/** follow reads a run's event stream until it ends, then settles the run. */
async function follow(run, res) {
  run.streaming = true;
  updateControls();
  let failure = null;
  const watch = watchStream(res.body, () => {
    run.stalled = true;
    run.controller.abort();
  });
  try {
    await readEvents(watch.stream, (ev, id) => {
      if (app.run !== run) return;
      if (id !== null) run.lastEventId = id;
      run.rejoins = 0;
      handleEvent(run, ev);
    });
  } catch (err) {
    failure = err;
  } finally {
    watch.stop();
  }
  run.streaming = false;
  if (app.run !== run) return; // the page moved on to another thread
  if (!run.ended) {
    const why = run.disconnected
      ? "You disconnected."
      : run.stalled
        ? `The stream sent nothing for ${STALL_MS / 1000} s.`
        : run.streamError
          ? `The stream stopped (${run.streamError}).`
          : failure
            ? `The connection was lost (${failure.message}).`
            : "The stream ended before the run did.";
    return dropped(run, why);
  }
  await settle(run);
}

/**
 * dropped rejoins a run whose stream was lost, after a growing delay, a
 * bounded number of times; then, or when the user disconnected, it offers
 * the Rejoin button.
 */
async function dropped(run, why, waitSeconds) {
  run.streaming = false;
  endSpinners();
  const from = run.lastEventId ? `after event ${run.lastEventId}` : "from its start";
  if (!run.disconnected && run.rejoins < REJOIN_BACKOFF_S.length) {
    const delay = waitSeconds ?? REJOIN_BACKOFF_S[run.rejoins];
    run.rejoins++;
    updateControls();
    if (await countdown(run, delay, `${why} Rejoining (try ${run.rejoins} of ${REJOIN_BACKOFF_S.length})`, "reconnecting")) {
      return rejoin();
    }
    if (app.run !== run) return;
  }
  const tried = run.rejoins > 0 && !run.disconnected ? ` Rejoining failed ${run.rejoins} times.` : "";
  showManualRejoin(`${why}${tried} Run ${shortId(run.id)} goes on on the server; rejoin to follow it ${from}.`);
  setStatus("disconnected", `run ${shortId(run.id)}`);
  updateControls();
}

/** rejoin follows the run on screen again from its last event id. */
async function rejoin() {
  const run = app.run;
  if (!run || run.ended || run.streaming || run.wait) return;
  run.controller = new AbortController();
  run.disconnected = false;
  run.stalled = false;
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
  if (app.run !== run) return;
  if (res.status === 404 && !run.accepted && run.resends < MAX_RESENDS) {
    // The request that would have started it failed on the way: the server
    // never had this run, so it is sent again.
    app.messages = run.sent.map((m) => ({ ...m }));
    return startRun({ resends: run.resends + 1 });
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
    const busyWait = res.status === 429 || res.status === 503 ? retryAfter(res) : undefined;
    return dropped(run, `Rejoining failed: ${e.message} (HTTP ${res.status}).`, busyWait);
  }
  await follow(run, res);
}

/** rejoinByHand is the Rejoin button: a new round of automatic tries. */
function rejoinByHand() {
  if (app.run) app.run.rejoins = 0;
  rejoin();
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
  // Before the server took the run, stopping is cancelling the retry.
  if (!run.accepted && cancelWait()) return;
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
