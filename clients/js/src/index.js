// @agentd/client: the agent class a CopilotKit runtime (or any
// @ag-ui/client user) puts in front of agentd. See docs/copilotkit.md.

import { HttpAgent } from "@ag-ui/client";

import { agentdAgentClass } from "./agent.js";

export const AgentdAgent = agentdAgentClass(HttpAgent);
export { agentdAgentClass, agentdHeaders } from "./agent.js";
export { agentdFetch, REJOIN_FAILED, STREAM_STOPPED_CODES } from "./fetch.js";
