// AgentdAgent: HttpAgent with agentd's credentials, retries of a refused
// start and rejoins of a dropped stream. Built from whichever HttpAgent
// class it is given, so one implementation serves @ag-ui/client 1.x and the
// 0.0.x line CopilotKit pins.

import { agentdFetch } from "./fetch.js";

/** Returns the AgentdAgent class built on the given HttpAgent class. */
export function agentdAgentClass(HttpAgent) {
  return class AgentdAgent extends HttpAgent {
    constructor(config = {}) {
      const { apiKey, user, retry, rejoin, onRetry, onRejoin, ...rest } = config;
      super({ ...rest, headers: agentdHeaders(rest.headers, { apiKey, user }) });
      // HttpAgent sends every run through this.fetch; clone() copies it, so
      // the per-request clones CopilotKit's runtime makes keep the wrapper.
      this.fetch = agentdFetch(this.fetch, { retry, rejoin, onRetry, onRejoin });
    }
  };
}

/**
 * headers plus Authorization: Bearer apiKey and X-Agentd-User: user (each
 * when given, not empty); they replace a header of the same name, in any
 * case, in headers.
 */
export function agentdHeaders(headers = {}, { apiKey, user } = {}) {
  const out = {};
  const drop = new Set();
  if (given(apiKey)) drop.add("authorization");
  if (given(user)) drop.add("x-agentd-user");
  for (const [k, v] of Object.entries(headers)) if (!drop.has(k.toLowerCase())) out[k] = v;
  if (given(apiKey)) out.Authorization = `Bearer ${apiKey}`;
  if (given(user)) out["X-Agentd-User"] = String(user);
  return out;
}

const given = (v) => v !== undefined && v !== null && v !== "";
