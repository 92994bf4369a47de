// A TCP proxy in front of agentd that can cut one run's stream mid-answer,
// as a flaky network would: the page loads through it, and once armed, the
// next `POST /` connection is closed after a number of response bytes, or
// (stall) left open with nothing more passed on.

import net from "node:net";

export async function startCutProxy(targetUrl) {
  const target = new URL(targetUrl);
  let armed = null; // {afterBytes, stall, resolve} while waiting for a run to cut
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let cut = null; // {left, stall, resolve} once this connection carries the armed run
    client.on("data", (chunk) => {
      if (armed && chunk.subarray(0, 16).toString("latin1").startsWith("POST / HTTP/1.1")) {
        cut = { left: armed.afterBytes, stall: armed.stall, resolve: armed.resolve };
        armed = null;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!cut) return client.write(chunk);
      if (cut.left === 0) return; // stalled: swallowed
      if (chunk.length < cut.left) {
        cut.left -= chunk.length;
        return client.write(chunk);
      }
      client.write(chunk.subarray(0, cut.left));
      cut.left = 0;
      if (!cut.stall) {
        client.destroy();
        upstream.destroy();
      }
      cut.resolve();
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    baseUrl: `http://127.0.0.1:${server.address().port}`,
    /** cutNextRun arms the cut; the promise resolves once it happened. */
    cutNextRun(afterBytes, { stall = false } = {}) {
      return new Promise((resolve) => {
        armed = { afterBytes, stall, resolve };
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
