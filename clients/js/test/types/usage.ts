// Compiled (never run) by types.test.mjs: the hand-written declarations
// accept what docs/copilotkit.md shows and reject wrong options.

import { HttpAgent } from "@ag-ui/client";

import { AgentdAgent, REJOIN_FAILED, agentdAgentClass, agentdHeaders, type AgentdAgentConfig } from "../../src/index.js";

const config: AgentdAgentConfig = {
  url: "http://localhost:8123/",
  apiKey: "k-from-the-server-env",
  user: "alice",
  headers: { "X-App": "demo" },
  retry: { maxAttempts: 3, maxTotalMs: 20_000, maxDelayMs: 5_000 },
  rejoin: { maxAttempts: 4, maxDelayMs: 2_000, baseUrl: "http://localhost:8123" },
  onRetry: ({ status, attempt, delayMs }) => console.log(status, attempt, delayMs),
  onRejoin: ({ runId, lastEventId, attempt }) => console.log(runId, lastEventId?.length, attempt),
};
const agent = new AgentdAgent(config);
const asHttp: HttpAgent = agent;
const copy: AgentdAgent = agent.clone();
new AgentdAgent({ url: "http://localhost:8123/", retry: false, rejoin: false });
const Built = agentdAgentClass(HttpAgent);
const built: HttpAgent = new Built({ url: "http://localhost:8123/", user: "bob" });
const headers: Record<string, string> = agentdHeaders({ A: "b" }, { apiKey: "k" });
const code: "rejoin_failed" = REJOIN_FAILED;

// @ts-expect-error the URL is required
new AgentdAgent({ apiKey: "k" });
// @ts-expect-error maxAttempts is a number
new AgentdAgent({ url: "http://x/", retry: { maxAttempts: "3" } });

export { asHttp, copy, built, headers, code };
