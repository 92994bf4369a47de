// The transport under AgentdAgent: a fetch for HttpAgent.run() that retries
// a refused start and hands back a body that survives a dropped stream.
// It works on the raw SSE bytes, below @ag-ui/client's own parser (which
// ignores `id:` lines), so every version of the client keeps its own
// parsing, validation and event pipeline and never sees the cut.

import { createParser } from "eventsource-parser";

/** RUN_ERROR codes agentd sends when the stream stopped but the run goes on. */
export const STREAM_STOPPED_CODES = new Set(["stream_error", "event_log_unavailable"]);

/** The RUN_ERROR code of a run whose stream dropped and could not be rejoined. */
export const REJOIN_FAILED = "rejoin_failed";

const RETRYABLE_STATUS = new Set([429, 503]);

class RejoinFailed extends Error {}

export const DEFAULT_RETRY = { maxAttempts: 5, maxTotalMs: 30_000, maxDelayMs: 10_000 };
export const DEFAULT_REJOIN = { maxAttempts: 5, maxDelayMs: 5_000 };
const DEFAULT_DELAY_MS = 1_000; // a 429/503 without Retry-After
const FIRST_BACKOFF_MS = 250; // between rejoins that failed without an answer

/**
 * Returns a fetch with HttpAgent's signature that retries 429/503 with
 * Retry-After and rejoins a run's dropped event stream.
 */
export function agentdFetch(inner, { retry = DEFAULT_RETRY, rejoin = DEFAULT_REJOIN, onRetry, onRejoin } = {}) {
  const retryOpts = retry === false ? { ...DEFAULT_RETRY, maxAttempts: 1 } : { ...DEFAULT_RETRY, ...retry };
  const rejoinOpts = rejoin === false ? false : { ...DEFAULT_REJOIN, ...rejoin };
  return async (url, init = {}) => {
    const res = await startWithRetry(inner, url, init, retryOpts, onRetry);
    const runId = runIdOf(init.body);
    if (!rejoinOpts || !res.ok || !res.body || !runId || !isEventStream(res)) return res;
    const body = rejoiningBody(res.body, {
      inner,
      url: rejoinUrl(rejoinOpts.baseUrl ?? url, runId, rejoinOpts.baseUrl !== undefined),
      headers: rejoinHeaders(init.headers),
      signal: init.signal,
      runId,
      opts: rejoinOpts,
      onRejoin,
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

// ---------------------------------------------------------------------------
// Refused starts

async function startWithRetry(inner, url, init, opts, onRetry) {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const res = await inner(url, init);
    if (!RETRYABLE_STATUS.has(res.status) || attempt >= opts.maxAttempts) return res;
    const delayMs = refusalDelay(res, opts.maxDelayMs);
    if (Date.now() - started + delayMs > opts.maxTotalMs) return res;
    await res.body?.cancel().catch(() => {});
    notify(onRetry, { status: res.status, attempt, delayMs });
    await sleep(delayMs, init.signal);
  }
}

/** How long to wait after a 429/503: its Retry-After, else 1 s, capped. */
const refusalDelay = (res, capMs) => retryDelay(res.headers.get("retry-after"), capMs) ?? Math.min(DEFAULT_DELAY_MS, capMs);

/** Retry-After (seconds or an HTTP date) in milliseconds, capped; undefined if absent or bad. */
export function retryDelay(header, capMs) {
  if (header == null || header.trim() === "") return undefined;
  let ms;
  if (/^\s*\d+\s*$/.test(header)) ms = Number(header) * 1000;
  else {
    const at = Date.parse(header);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - Date.now());
  }
  return Math.min(ms, capMs);
}

// ---------------------------------------------------------------------------
// Dropped streams

/**
 * A body that passes on complete SSE frames only, remembers the last `id:`
 * and, when the stream breaks or ends before the run's end, continues from
 * GET /runs/{runId}/events with Last-Event-ID. A partial frame at the cut is
 * dropped (the rejoin sends it whole), agentd's own "stream stopped" error is
 * swallowed, so the frames passed on are exactly those of an unbroken stream.
 */
function rejoiningBody(first, { inner, url, headers, signal, runId, opts, onRejoin }) {
  const encoder = new TextEncoder();
  let reader = first.getReader();
  let decoder = new TextDecoder();
  let lastEventId; // id of the last frame passed on
  let ended = false; // the run's RUN_FINISHED or RUN_ERROR was passed on
  let cancelled = false; // the reader of this body let go
  let stopped = false; // agentd said the stream (not the run) stopped
  let failures = 0; // rejoins since the last new event
  let out = []; // frames parsed from the current chunk
  const halt = new AbortController(); // stops a rejoin in progress on cancel
  const rejoinSignal = signal ? AbortSignal.any([signal, halt.signal]) : halt.signal;

  const parser = createParser({
    onEvent({ id, data }) {
      if (ended || stopped) return;
      const event = parseEvent(data);
      if (event?.type === "RUN_ERROR" && STREAM_STOPPED_CODES.has(event.code)) {
        stopped = true;
        return;
      }
      let frame = id !== undefined ? `id: ${id}\n` : "";
      for (const line of data.split("\n")) frame += `data: ${line}\n`;
      out.push(encoder.encode(frame + "\n"));
      if (id !== undefined) {
        lastEventId = id;
        failures = 0;
      }
      if (event?.type === "RUN_FINISHED" || event?.type === "RUN_ERROR") ended = true;
    },
  });

  // Opens the rejoin stream, within opts' bounds; throws a RejoinFailed
  // when they are spent or agentd answers with anything but the stream or a
  // 429/503.
  async function reopen(cause) {
    let waitMs = 0;
    for (;;) {
      if (cancelled) throw new Error("agentd: the stream's reader let go");
      failures++;
      if (failures > opts.maxAttempts) {
        throw new RejoinFailed(
          `the event stream of run ${runId} dropped and ${opts.maxAttempts} rejoins failed: ${describe(cause)}`,
        );
      }
      await sleep(waitMs, rejoinSignal);
      notify(onRejoin, { runId, lastEventId, attempt: failures, cause });
      const h = new Headers(headers);
      if (lastEventId !== undefined) h.set("Last-Event-ID", lastEventId);
      let res;
      try {
        res = await inner(url, { method: "GET", headers: h, signal: rejoinSignal });
      } catch (err) {
        if (rejoinSignal.aborted) throw err;
        cause = err;
        waitMs = Math.min(FIRST_BACKOFF_MS * 2 ** (failures - 1), opts.maxDelayMs);
        continue;
      }
      if (res.ok && res.body) return res.body.getReader();
      const err = await httpError(res, `rejoin of run ${runId}`);
      if (!RETRYABLE_STATUS.has(res.status)) {
        throw new RejoinFailed(`the event stream of run ${runId} dropped and its rejoin was refused: ${err.message}`);
      }
      cause = err;
      waitMs = refusalDelay(res, opts.maxDelayMs);
    }
  }

  return new ReadableStream({
    async pull(controller) {
      try {
        for (;;) {
          let cause;
          try {
            const { done, value } = await reader.read();
            if (!done) {
              parser.feed(decoder.decode(value, { stream: true }));
              const frames = out;
              out = [];
              for (const f of frames) controller.enqueue(f);
              if (ended) {
                reader.cancel().catch(() => {});
                controller.close();
                return;
              }
              if (!stopped) {
                if (frames.length > 0) return;
                continue;
              }
              cause = new Error("agentd stopped the stream (the run goes on)");
              reader.cancel().catch(() => {});
            } else {
              if (ended) return controller.close();
              cause = new Error("the stream ended before the run's end");
            }
          } catch (err) {
            if (signal?.aborted) throw err;
            cause = err;
          }
          if (cancelled) return;
          reader = await reopen(cause);
          if (cancelled) return void reader.cancel().catch(() => {});
          parser.reset(); // a partial frame at the cut is sent again whole
          decoder = new TextDecoder();
          stopped = false;
        }
      } catch (err) {
        if (cancelled) return;
        if (!(err instanceof RejoinFailed)) return controller.error(err); // the caller's abort
        // The run's end as an event: erroring the body instead would make
        // HttpAgent's teardown (reader.cancel()) reject unhandled.
        const event = { type: "RUN_ERROR", timestamp: Date.now(), code: REJOIN_FAILED, message: err.message };
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(event)}\n\n`));
        controller.close();
      }
    },
    cancel(reason) {
      cancelled = true;
      halt.abort();
      return reader.cancel(reason).catch(() => {});
    },
  });
}

function parseEvent(data) {
  try {
    const v = JSON.parse(data);
    return v && typeof v === "object" ? v : undefined;
  } catch {
    return undefined; // HttpAgent's own parser reports it
  }
}

// ---------------------------------------------------------------------------
// Helpers

/** GET {base}/runs/{runId}/events, base being the agent URL without /agents/{name}. */
export function rejoinUrl(agentUrl, runId, isBase = false) {
  const u = new URL(String(agentUrl));
  let path = u.pathname;
  if (!isBase) path = path.replace(/\/agents\/[^/]+\/?$/, "");
  u.pathname = `${path.replace(/\/+$/, "")}/runs/${encodeURIComponent(runId)}/events`;
  u.search = "";
  u.hash = "";
  return u.toString();
}

function rejoinHeaders(requestHeaders) {
  const h = new Headers(requestHeaders);
  h.delete("content-type");
  h.set("Accept", "text/event-stream");
  return h;
}

function runIdOf(body) {
  if (typeof body !== "string") return undefined;
  try {
    const id = JSON.parse(body)?.runId;
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}

function isEventStream(res) {
  return (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
}

/** An Error like HttpAgent's for a refused request: message, status, payload. */
async function httpError(res, what) {
  const text = await res.text().catch(() => "");
  let payload = text;
  if ((res.headers.get("content-type") ?? "").includes("application/json")) {
    try {
      payload = JSON.parse(text);
    } catch {
      /* keep the text */
    }
  }
  const err = new Error(`HTTP ${res.status} (${what}): ${typeof payload === "string" ? payload : JSON.stringify(payload)}`);
  err.status = res.status;
  err.payload = payload;
  return err;
}

// A hook is for logs and metrics: its failure must not end the run.
function notify(hook, info) {
  try {
    hook?.(info);
  } catch (err) {
    console.error("@agentd/client: a hook threw", err);
  }
}

const describe = (err) => (err instanceof Error ? err.message + (err.cause ? ` (${describe(err.cause)})` : "") : String(err));

function sleep(ms, signal) {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
