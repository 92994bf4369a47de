// A connection cut mid-stream: AgentdAgent rejoins GET /runs/{id}/events
// with the last event id it saw, and the client delivers exactly the events
// of an uncut run — under both @ag-ui/client versions.

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";

import {
  CLIENTS,
  PACED,
  afterDeltas,
  assertComplete,
  chat,
  endingFetch,
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

/** A loopback port nothing listens on. */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// agentd's own end of a stream that stopped (not the run): no id:, as
// agui.AppendRawFrame writes it with sequence number 0.
const STREAM_ERROR_FRAME =
  'data: {"type":"RUN_ERROR","timestamp":1,"message":"the stream failed; rejoin the run","code":"stream_error"}\n\n';

for (const client of CLIENTS) {
  for (const [what, append] of [
    ["a stream that ends before the run's end", ""],
    ["agentd's stream_error end (the stream stopped, not the run)", STREAM_ERROR_FRAME],
  ]) {
    test(`${what} is rejoined and the reply is the uncut one [${client.name}]`, { timeout: 30_000 }, () =>
      withLog(agentd, async () => {
        const text = `an ending story ${newId()}`;
        const ending = endingFetch(4, { append });
        const agent = new client.AgentdAgent({ url: agentd.baseUrl + "/", threadId: newId(), fetch: ending.fetch });
        const got = await chat(agent, text);
        const want = await uncut(client, text);

        assertSameRun(got, want);
        assert.deepEqual(ending.log.map((r) => [r.method, r.status]), [["POST", 200], ["GET", 200]]);
        assert.match(ending.log[1].headers.get("last-event-id") ?? "", /^\d+$/);
        assert.equal(ending.log[1].headers.get("content-type"), null, "the rejoin GET has no body type");
      }),
    );
  }

  test(`a rejoin answered 404 ends the run with RUN_ERROR rejoin_failed naming the answer [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(agentd, async () => {
      const ending = endingFetch(3);
      const agent = new client.AgentdAgent({
        url: agentd.baseUrl + "/",
        threadId: newId(),
        fetch: ending.fetch,
        rejoin: { baseUrl: agentd.baseUrl + "/nowhere" },
      });
      const { events } = await chat(agent, "where did it go");
      const end = events.at(-1);
      assert.deepEqual([end.type, end.code], ["RUN_ERROR", "rejoin_failed"]);
      assert.match(end.message, /rejoin was refused: HTTP 404/);
      assert.equal(events.filter((e) => e.type === "RUN_ERROR").length, 1);
      assert.deepEqual(ending.log.map((r) => [r.method, r.status]), [["POST", 200], ["GET", 404]]);
    }),
  );

  test(`rejoins that cannot connect stop after maxAttempts with RUN_ERROR rejoin_failed [${client.name}]`, { timeout: 30_000 }, () =>
    withLog(agentd, async () => {
      const ending = endingFetch(3);
      const attempts = [];
      const agent = new client.AgentdAgent({
        url: agentd.baseUrl + "/",
        threadId: newId(),
        fetch: ending.fetch,
        rejoin: { baseUrl: `http://127.0.0.1:${await closedPort()}`, maxAttempts: 3, maxDelayMs: 50 },
        onRejoin: (info) => void attempts.push(info.attempt),
      });
      const { events } = await chat(agent, "hello?");
      const end = events.at(-1);
      assert.deepEqual([end.type, end.code], ["RUN_ERROR", "rejoin_failed"]);
      assert.match(end.message, /3 rejoins failed: fetch failed \(connect ECONNREFUSED/);
      assert.deepEqual(attempts, [1, 2, 3]);
    }),
  );
}
