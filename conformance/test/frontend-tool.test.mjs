// 3. Frontend tool call: the server streams a call to a tool the client
// declared and finishes the run; the client answers with a tool message in
// a new run and gets a text reply that uses the result.

import assert from "node:assert/strict";

import {
  SHOW_NOTICE_TOOL,
  assertSimReply,
  assertStoredOrder,
  assistantReply,
  getThread,
  newId,
  runChecked,
  useServer,
  userMessage,
} from "./helpers.mjs";

const server = useServer();

server.eachClient("a frontend tool call ends the run and its result continues the thread", async ({ HttpAgent }) => {
  const threadId = newId();
  const user = userMessage("please call showNotice");
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId, initialMessages: [user] });
  const tools = [SHOW_NOTICE_TOOL];

  // Run 1: the server calls the tool and stops.
  const first = await runChecked(agent, { tools });
  const types = first.events.map((e) => e.type);
  assert.ok(!types.includes("TOOL_CALL_RESULT"), `no TOOL_CALL_RESULT for a frontend tool: ${types}`);
  const start = first.events.find((e) => e.type === "TOOL_CALL_START");
  assert.ok(start, `expected TOOL_CALL_START, got ${types}`);
  assert.equal(start.toolCallName, "showNotice");

  const caller = agent.messages.at(-1);
  assert.equal(caller.role, "assistant", `last message: ${JSON.stringify(caller)}`);
  assert.equal(caller.toolCalls?.length, 1, `tool calls: ${JSON.stringify(caller)}`);
  const [call] = caller.toolCalls;
  assert.equal(call.id, start.toolCallId);
  assert.equal(call.type, "function");
  assert.equal(call.function.name, "showNotice");
  const args = JSON.parse(call.function.arguments);
  assert.equal(typeof args.message, "string", `arguments: ${call.function.arguments}`);
  assert.notEqual(args.message, "", "the required message argument is empty");
  if (first.finished?.pendingToolCallIds !== undefined) {
    // 1.0.0 reports the calls left for the application (0.0.59 does not).
    assert.deepEqual(first.finished.pendingToolCallIds, [call.id]);
  }

  // Run 2: the client ran the tool and sends its result.
  const result = { id: newId(), role: "tool", toolCallId: call.id, content: "shown" };
  agent.addMessage(result);
  const second = await runChecked(agent, { tools });
  const reply = assistantReply(second.newMessages, "reply after the tool result");
  assert.ok(reply.content.includes("shown"), `reply should mention the tool result: ${JSON.stringify(reply.content)}`);
  assert.deepEqual(
    agent.messages.map((m) => m.role),
    ["user", "assistant", "tool", "assistant"],
    `client messages: ${JSON.stringify(agent.messages)}`,
  );

  const thread = await getThread(server.baseUrl, threadId);
  assertStoredOrder(thread.messages, agent.messages);
  const storedCall = thread.messages[1].toolCalls?.[0];
  assert.equal(storedCall?.id, call.id, `stored call: ${JSON.stringify(thread.messages[1])}`);
  assert.equal(storedCall.function.name, "showNotice");
  assert.deepEqual(JSON.parse(storedCall.function.arguments), args);
  assert.equal(thread.messages[2].toolCallId, call.id);
  assert.equal(thread.messages[2].content, "shown");
});

server.eachClient("without the tool declared, the tool name is just text", async ({ HttpAgent }) => {
  const user = userMessage("please call showNotice");
  const agent = new HttpAgent({ url: server.baseUrl + "/", threadId: newId(), initialMessages: [user] });

  const run = await runChecked(agent);

  assert.ok(!run.events.some((e) => e.type.startsWith("TOOL_CALL")), `events: ${run.events.map((e) => e.type)}`);
  assertSimReply(assistantReply(run.newMessages), user.content, 1);
});
