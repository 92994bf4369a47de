// Type declarations for @agentd/client (written by hand; the package is
// plain ESM JavaScript with no build step).

import { HttpAgent, HttpAgentConfig, HttpAgentFetchFn } from "@ag-ui/client";

/** Retries of a start agentd refused with 429 or 503 (after its Retry-After). */
export interface RetryOptions {
  /** Requests in all, the first included. Default 5; 1 retries nothing. */
  maxAttempts?: number;
  /** No retry whose wait would end later than this after the first request. Default 30000. */
  maxTotalMs?: number;
  /** Cap on one wait (a longer Retry-After is shortened). Default 10000. */
  maxDelayMs?: number;
}

/** Rejoins of a run whose event stream dropped. */
export interface RejoinOptions {
  /** Rejoins in a row without a new event before the run ends with RUN_ERROR `rejoin_failed`. Default 5. */
  maxAttempts?: number;
  /** Cap on the wait before a rejoin (backoff from 250 ms, or a 429/503's Retry-After). Default 5000. */
  maxDelayMs?: number;
  /**
   * agentd's base URL for `GET {baseUrl}/runs/{runId}/events`. Default: the
   * agent's `url` without a trailing `/agents/{name}` or `/`.
   */
  baseUrl?: string;
}

export interface RetryInfo {
  /** 429 or 503. */
  status: number;
  /** The request that was refused (1 for the first). */
  attempt: number;
  /** How long the kit waits before the next request. */
  delayMs: number;
}

export interface RejoinInfo {
  runId: string;
  /** The `id:` of the last event passed on; undefined if none was. */
  lastEventId: string | undefined;
  /** Rejoins in a row without a new event, this one included. */
  attempt: number;
  /** Why the stream is being rejoined. */
  cause: unknown;
}

export interface AgentdAgentConfig extends HttpAgentConfig {
  /** agentd service key or user token: sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The app's user the run acts for: sent as `X-Agentd-User` (with a service key). */
  user?: string;
  /** Retries of a refused start; `false` for none. */
  retry?: RetryOptions | false;
  /** Rejoins of a dropped stream; `false` for none. */
  rejoin?: RejoinOptions | false;
  /** Called before each retry of a refused start (for logs and metrics). */
  onRetry?: (info: RetryInfo) => void;
  /** Called before each rejoin of a dropped stream (for logs and metrics). */
  onRejoin?: (info: RejoinInfo) => void;
}

/**
 * An HttpAgent for agentd: credentials from `apiKey` and `user`, retries of
 * a refused start, and rejoins of a dropped stream that the runtime and the
 * UI never see.
 */
export declare class AgentdAgent extends HttpAgent {
  constructor(config: AgentdAgentConfig);
  clone(): AgentdAgent;
}

/**
 * Builds the AgentdAgent class on a given HttpAgent class (e.g. from a
 * second installed @ag-ui/client); `AgentdAgent` is this applied to the
 * HttpAgent of the @ag-ui/client the package resolves.
 */
export declare function agentdAgentClass<T extends typeof HttpAgent>(
  Base: T,
): new (config: AgentdAgentConfig) => InstanceType<T>;

/** `headers` with `Authorization: Bearer apiKey` and `X-Agentd-User: user` set (each when given). */
export declare function agentdHeaders(
  headers?: Record<string, string>,
  credentials?: { apiKey?: string; user?: string },
): Record<string, string>;

/** The fetch AgentdAgent sends runs through, wrapping `inner`. */
export declare function agentdFetch(
  inner: HttpAgentFetchFn,
  options?: {
    retry?: RetryOptions | false;
    rejoin?: RejoinOptions | false;
    onRetry?: (info: RetryInfo) => void;
    onRejoin?: (info: RejoinInfo) => void;
  },
): HttpAgentFetchFn;

/** RUN_ERROR code of a run whose stream dropped and could not be rejoined. */
export declare const REJOIN_FAILED: "rejoin_failed";

/** agentd's RUN_ERROR codes for a stream that stopped while the run goes on. */
export declare const STREAM_STOPPED_CODES: ReadonlySet<string>;
