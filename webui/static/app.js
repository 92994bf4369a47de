// The page's state: the thread's AG-UI messages and shared state, the run
// on screen, and the elements and views that show them. The other parts of
// the controller are fold.js (events into messages), runs.js (running,
// rejoining and stopping), threads.js (saved threads) and main.js (wiring).

const base = new URL("./", location.href);
const api = (path) => new URL(path, base);
const STORAGE_KEY = "agentd.threadId";
const THREAD_PAGE = 20;
// Frontend tool rounds in a row before the page stops starting new runs,
// so a model that keeps calling tools cannot loop forever.
const MAX_FOLLOW_UPS = 5;

const app = {
  threadId: "",
  messages: [], // the thread's AG-UI messages, sent whole with every run
  state: {},
  run: null, // the run on screen: {id, controller, lastEventId, ended, streaming, pending}
  loading: false,
  followUps: 0,
};

const ui = {
  status: byId("status"),
  detail: byId("status-detail"),
  threadLabel: byId("thread-id"),
  composer: byId("composer"),
  input: byId("composer-input"),
  send: byId("send"),
  stop: byId("stop"),
  disconnect: byId("disconnect"),
  connection: byId("connection"),
  connectionText: byId("connection-text"),
  notices: byId("notices"),
  messages: byId("messages"),
};

const chat = new ChatView(ui.messages, byId("empty-chat"));
const statePanel = new StatePanel((state) => setState(state));
const threads = new ThreadList({ onOpen: (id) => openThread(id), onDelete: (id) => deleteThread(id) });

function busy() {
  return app.loading || (app.run !== null && !app.run.ended);
}

function updateControls() {
  const running = app.run !== null && !app.run.ended;
  ui.send.disabled = busy();
  ui.stop.hidden = !running;
  ui.disconnect.hidden = !(running && app.run.streaming);
  // Screen readers hear a reply once it is complete, not every delta.
  ui.messages.setAttribute("aria-busy", String(running));
  statePanel.render(app.state, !busy());
}

function setStatus(status, detail = "") {
  ui.status.dataset.status = status;
  ui.status.textContent = status;
  ui.detail.textContent = detail;
}

function setState(state) {
  app.state = state === null || state === undefined ? {} : state;
  statePanel.render(app.state, !busy());
}

function setThread(id) {
  app.threadId = id;
  try {
    // One thread per tab: a second tab starts its own.
    sessionStorage.setItem(STORAGE_KEY, id);
  } catch {
    // Storage may be disabled; the URL still names the thread.
  }
  const hash = "#thread=" + encodeURIComponent(id);
  if (location.hash !== hash) history.replaceState(null, "", hash);
  ui.threadLabel.textContent = id;
  threads.markCurrent(id);
}

function threadFromHash() {
  const m = /^#thread=(.+)$/.exec(location.hash);
  if (!m) return "";
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return "";
  }
}

function notify(message, level = "info") {
  const note = el(
    "div",
    { className: "notice", attrs: { role: "status", "data-level": level } },
    el("p", { text: message }),
  );
  note.append(el("button", { text: "Dismiss", attrs: { type: "button" }, on: { click: () => note.remove() } }));
  ui.notices.append(note);
}

function showConnection(text) {
  ui.connectionText.textContent = text;
  ui.connection.hidden = false;
}

function hideConnection() {
  ui.connection.hidden = true;
}

/** errorBody reads agentd's {"error":{"code","message"}}, or the raw text. */
async function errorBody(res) {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (body && body.error) return { code: body.error.code || "", message: body.error.message || text };
  } catch {
    // not JSON
  }
  return { code: "", message: text.trim() || res.statusText };
}
