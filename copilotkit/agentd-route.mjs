// The CopilotKit runtime route of a Next.js app whose agent is agentd: the
// POST handler of app/api/copilotkit/route.ts, for @copilotkit/runtime 1.75.
// docs/security.md quotes this file and copilotkit/test/ runs it in front of
// a real agentd, so what the doc shows is what is tested.
//
// The runtime forwards the browser's `authorization` and every `x-*` header
// to the agent, except where the agent's own `headers` set the same name
// (case-insensitively): then the server's value wins. `forwardHeaders.deny`
// drops a header from forwarding altogether.

import { CopilotRuntime, copilotRuntimeNextJSAppRouterEndpoint } from "@copilotkit/runtime";
import { HttpAgent } from "@ag-ui/client";

const AGENT = "sample_agent"; // the agent agentd serves at POST /

/**
 * Service key: the app's server holds the agentd key and says which of its
 * users each request acts for. userOf(request) returns the signed-in user's
 * id (from the app's own session), or nothing: then the route answers 401
 * and agentd is not called. The browser never sees the key, and any
 * Authorization, X-API-Key or X-Agentd-User it sends is dropped.
 */
export function serviceKeyRoute({ agentdUrl, apiKey, endpoint, userOf }) {
  return async (request) => {
    const user = await userOf(request);
    if (!user) return Response.json({ error: "sign in first" }, { status: 401 });
    return endpointFor({
      agent: new HttpAgent({
        url: agentdUrl,
        headers: { Authorization: `Bearer ${apiKey}`, "X-Agentd-User": String(user) },
      }),
      deny: ["authorization", "x-api-key", "x-agentd-user"],
      endpoint,
    })(request);
  };
}

/**
 * User tokens: the browser sends its user's token (a JWT agentd verifies)
 * as `Authorization: Bearer …` — CopilotKit's `headers` prop — and the
 * runtime passes it through unchanged; agentd takes the user from the token.
 * The app's server holds no agentd credential. A user header or API key the
 * browser adds is dropped.
 */
export function userTokenRoute({ agentdUrl, endpoint }) {
  return endpointFor({
    agent: new HttpAgent({ url: agentdUrl }),
    deny: ["x-api-key", "x-agentd-user"],
    endpoint,
  });
}

function endpointFor({ agent, deny, endpoint }) {
  const runtime = new CopilotRuntime({ agents: { [AGENT]: agent }, forwardHeaders: { deny } });
  return copilotRuntimeNextJSAppRouterEndpoint({ runtime, endpoint }).handleRequest;
}
