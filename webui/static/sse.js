/**
 * readEvents reads an AG-UI server-sent event stream from a fetch body.
 * Frames end at a blank line ("\n\n"); "data:" lines are joined with "\n"
 * and parsed as one JSON event; "id:" lines give the event's sequence
 * number, which a rejoin sends back as Last-Event-ID; ":" lines are
 * keep-alive comments. onEvent(event, id) is called per event. It resolves
 * when the body ends and rejects when the connection fails or a frame is
 * not an event.
 */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        dispatchFrame(frame, onEvent);
      }
    }
    // A last frame without its blank line still counts.
    if (buf.trim() !== "") dispatchFrame(buf, onEvent);
  } finally {
    reader.releaseLock();
  }
}

function dispatchFrame(frame, onEvent) {
  let id = null;
  const data = [];
  for (const line of frame.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0) return;
  let event;
  try {
    event = JSON.parse(data.join("\n"));
  } catch (err) {
    throw new Error(`the server sent a frame that is not JSON: ${err.message}`);
  }
  if (!event || typeof event.type !== "string" || event.type === "") {
    throw new Error("the server sent an event without a type");
  }
  onEvent(event, id);
}
