// A connection cut mid-stream: AgentdAgent rejoins GET /runs/{id}/events
// with the last event id it saw, and the client delivers exactly the events
// of an uncut run — under both @ag-ui/client versions.

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CLIENTS,
  PACED,
  afterDeltas,
  assertComplete,
  chat,
  newId,
  normalize,
  useAgentd,
  withLog,
} from "./helpers.mjs";

const agentd = useAgentd(PACED, { proxy: true });

/** The same message on a fresh thread, straight to agentd with no cut. */
async function uncut(client, text) {
  const agent = new client.AgentdAgent({ url: agentd.baseUrl + "/", threadId: newId() });
  const run = await chat(agent, text);
  assertComplete(run);
  return run;
}

function assertSameRun(got, want) {
  assertComplete(got);
  assert.equal(got.reply, want.reply, "the reply text");
  assert.deepEqual(got.events.map(normalize), want.events.map(normalize), "the event sequence");
}

for (const client of CLIENTS) {
  for (const route of ["/", "/agents/sample_agent"]) {
    test(`a connection cut mid-stream on POST ${route} yields the uncut reply [${client.name}]`, { timeout: 30_000 }, () =>
      withLog(agentd, async () => {
        const text = `tell me a story ${newId()}`;
        const rejoins = [];
        const agent = new client.AgentdAgent({
          url: agentd.proxy.url + route,
          threadId: newId(),
          onRejoin: (info) => void rejoins.push(info),
        });
        const cut = agentd.proxy.cutWhen(afterDeltas(5, { method: "POST" }));
        const mark = agentd.proxy.requests.length;
        const got = await chat(agent, text);
        await cut;
        const want = await uncut(client, text);

        assertSameRun(got, want);
        const seen = agentd.proxy.requests.slice(mark);
        assert.deepEqual(
          seen.map((r) => [r.method, r.path, r.cut]),
          [
            ["POST", route, true],
            ["GET", `/runs/${got.runId}/events`, false],
          ],
          "the run was cut once and rejoined once",
        );
        assert.equal(rejoins.length, 1);
        assert.match(String(rejoins[0].lastEventId), /^\d+$/, "the rejoin named the last event id it saw");
        assert.ok(got.events.filter((e) => e.type === "TEXT_MESSAGE_CONTENT").length >= 5);
      }),
    );
  }

  test(`a rejoin cut again is rejoined again [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(agentd, async () => {
      const text = `a longer story ${newId()}`;
      const rejoins = [];
      const agent = new client.AgentdAgent({
        url: agentd.proxy.url + "/",
        threadId: newId(),
        onRejoin: (info) => void rejoins.push(info),
      });
      const cuts = [
        agentd.proxy.cutWhen(afterDeltas(3, { method: "POST" })),
        agentd.proxy.cutWhen(afterDeltas(3, { method: "GET", path: "/runs/" })),
      ];
      const mark = agentd.proxy.requests.length;
      const got = await chat(agent, text);
      await Promise.all(cuts);
      const want = await uncut(client, text);

      assertSameRun(got, want);
      assert.deepEqual(
        agentd.proxy.requests.slice(mark).map((r) => [r.method, r.cut]),
        [
          ["POST", true],
          ["GET", true],
          ["GET", false],
        ],
      );
      assert.equal(rejoins.length, 2);
      assert.ok(Number(rejoins[1].lastEventId) > Number(rejoins[0].lastEventId), "the second rejoin starts later");
    }),
  );
}
