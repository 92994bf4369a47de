// Recovery: what the page does by itself when the server is busy, a stream
// drops or goes quiet, or a run fails. runs.js calls these; the user only
// acts once the bounded retries are used up.

// A refused start (429/503) is tried again after its Retry-After, this many
// times, waiting at most MAX_RETRY_WAIT_S each time.
const MAX_BUSY_RETRIES = 6;
const MAX_RETRY_WAIT_S = 30;
const DEFAULT_RETRY_WAIT_S = 2;
// A dropped stream is rejoined this many times in a row (counted since the
// last event that arrived), after these delays in seconds.
const REJOIN_BACKOFF_S = [0.5, 1, 2, 4, 8];
// A start whose request failed on the way, unknown to the server when
// rejoined, is sent again this many times.
const MAX_RESENDS = 3;
// A stream with no byte at all (events and the server's keep-alive comments
// alike) for this long is taken for dead and rejoined. agentd's default
// --heartbeat is 15 s.
const STALL_MS = 30_000;

// Plain explanations of agentd's codes (the README's `| code | when |`
// table, and the HTTP refusals' codes).
const CODE_EXPLANATIONS = {
  first_token_timeout: "The model did not start answering in time.",
  idle_timeout: "The model stopped sending in the middle of its answer.",
  run_timeout: "The run took longer than the server allows.",
  tool_timeout: "A tool took longer than the server allows.",
  timeout: "A time limit was hit.",
  model_rate_limited: "The model provider is rate limiting this server.",
  model_unavailable: "The model provider is unavailable.",
  model_timeout: "The model provider did not answer in time.",
  model_bad_request: "The model provider refused the request.",
  model_auth: "The server's credentials for the model provider were refused.",
  model_stream: "The model provider's stream broke off.",
  max_steps: "The agent used all its steps without finishing its answer.",
  cancelled: "The run was stopped.",
  interrupted: "A newer run on this thread replaced this one.",
  server_restarting: "The server restarted before the run could finish.",
  server_restarted: "The server crashed while the run was going on.",
  instance_lost: "The server instance running it went away.",
  lease_lost: "Another server instance took the thread over.",
  lease_expired: "The run was abandoned and a newer run took the thread over.",
  store_error: "The conversation could not be saved.",
  internal: "Something went wrong inside agentd.",
  rate_limited: "Too many requests from you in a short time.",
  overloaded: "The server is busy.",
  unavailable: "The server is busy.",
  conflict: "Another run is going on in this thread (another tab?).",
  too_many_threads: "You have as many threads as the server allows; delete one.",
  network: "The network connection failed.",
};

function explain(code) {
  return CODE_EXPLANATIONS[code] || "";
}

/** retryAfter reads a response's Retry-After in seconds, within bounds. */
function retryAfter(res) {
  const v = res.headers.get("Retry-After");
  let s = v === null ? NaN : Number(v);
  if (!Number.isFinite(s) && v) s = (Date.parse(v) - Date.now()) / 1000;
  if (!Number.isFinite(s) || s < 0) s = DEFAULT_RETRY_WAIT_S;
  return Math.min(Math.max(s, 0.2), MAX_RETRY_WAIT_S);
}

const recoveryUi = {
  cancel: byId("connection-cancel"),
  rejoin: byId("rejoin"),
  reload: byId("reload-thread"),
};

/**
 * countdown shows "text in N s" in the connection banner for seconds, with
 * a Cancel button. It resolves true when the time is up, false when the
 * user cancelled or the run is no longer on screen.
 */
function countdown(run, seconds, text, status) {
  return new Promise((resolve) => {
    const end = Date.now() + seconds * 1000;
    let timer = null;
    const finish = (ok) => {
      clearInterval(timer);
      if (run.wait === wait) run.wait = null;
      recoveryUi.cancel.hidden = true;
      hideConnection();
      resolve(ok && app.run === run);
    };
    const wait = { cancel: () => finish(false) };
    const tick = () => {
      if (app.run !== run) return finish(false);
      const left = end - Date.now();
      if (left <= 0) return finish(true);
      showConnection(`${text} in ${Math.ceil(left / 1000)} s`);
      setStatus(status, `run ${shortId(run.id)}`);
    };
    run.wait = wait;
    recoveryUi.rejoin.hidden = true;
    recoveryUi.reload.hidden = true;
    recoveryUi.cancel.hidden = false;
    timer = setInterval(tick, 200);
    tick();
  });
}

/** cancelWait stops the countdown on screen; true if there was one. */
function cancelWait() {
  const run = app.run;
  if (!run || !run.wait) return false;
  run.wait.cancel();
  return true;
}

/** showManualRejoin offers Rejoin and Load saved thread, nothing automatic. */
function showManualRejoin(text) {
  recoveryUi.cancel.hidden = true;
  recoveryUi.rejoin.hidden = false;
  recoveryUi.reload.hidden = false;
  showConnection(text);
}

/**
 * watchStream passes a stream body through, noting when bytes arrive; when
 * none came for STALL_MS it calls onStall. stop() ends the watch.
 */
function watchStream(body, onStall) {
  let last = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - last >= STALL_MS) {
      clearInterval(timer);
      onStall();
    }
  }, Math.min(1000, STALL_MS / 4));
  const stream = body.pipeThrough(
    new TransformStream({
      transform(chunk, c) {
        last = Date.now();
        c.enqueue(chunk);
      },
    }),
  );
  return { stream, stop: () => clearInterval(timer) };
}

/** endSpinners removes the streaming cursor from every bubble. */
function endSpinners() {
  for (const node of ui.messages.querySelectorAll(".streaming")) node.classList.remove("streaming");
}

/**
 * failRun shows why a run did not give an answer: the message, the code's
 * plain explanation and a Retry button that sends the same history again.
 */
function failRun(run, message, code) {
  endSpinners();
  chat.error(message, code, { hint: explain(code), retry: () => retryRun(run) });
  setStatus("error", code || "");
  app.followUps = 0;
  updateControls();
}

/** retryRun starts a new run from the messages the failed run was sent. */
function retryRun(run) {
  if (busy() || app.threadId !== run.threadId) return;
  app.messages = run.sent.map((m) => ({ ...m }));
  showHistory();
  startRun();
}
