// Saved threads: open (GET /threads/{id}), new, delete, and the sidebar's
// pages (GET /threads with `next`).

/** openThread shows a thread; a fresh id has nothing saved to load. */
async function openThread(id, fresh = false) {
  detach();
  setThread(id);
  app.messages = [];
  app.loading = true;
  chat.clear();
  setState({});
  setStatus("idle");
  updateControls();
  if (fresh) {
    app.loading = false;
    updateControls();
    return;
  }
  try {
    const res = await apiFetch(api(`threads/${encodeURIComponent(id)}`), { headers: { Accept: "application/json" } });
    if (app.threadId !== id) return;
    if (res.status === 404) return; // nothing saved yet: a new thread
    if (!res.ok) {
      const e = await errorBody(res);
      chat.error(`Could not load the thread: ${e.message}`, e.code);
      return;
    }
    const t = await res.json();
    if (app.threadId !== id) return;
    app.messages = Array.isArray(t.messages) ? t.messages : [];
    showHistory();
    setState(t.state);
  } catch (err) {
    if (app.threadId === id) chat.error(`Could not load the thread: ${err.message}`, "network");
  } finally {
    if (app.threadId === id) {
      app.loading = false;
      updateControls();
    }
  }
}

function newThread() {
  openThread(newId(), true);
  ui.input.focus();
}

async function deleteThread(id) {
  if (!confirm(`Delete thread ${id}? Its messages and state are removed for good.`)) return;
  try {
    const res = await apiFetch(api(`threads/${encodeURIComponent(id)}`), { method: "DELETE" });
    if (!res.ok && res.status !== 404) {
      const e = await errorBody(res);
      notify(`Could not delete the thread: ${e.message}`, "error");
      return;
    }
  } catch (err) {
    notify(`Could not delete the thread: ${err.message}`, "error");
    return;
  }
  if (id === app.threadId) newThread();
  refreshThreads();
}

async function refreshThreads(cursor = "") {
  const url = api("threads");
  url.searchParams.set("limit", String(THREAD_PAGE));
  if (cursor) url.searchParams.set("cursor", cursor);
  try {
    const res = await apiFetch(url, { headers: { Accept: "application/json" } });
    if (!res.ok) {
      const e = await errorBody(res);
      threads.fail(`Could not list threads: ${e.message}`);
      return;
    }
    const page = await res.json();
    threads.show(page.threads || [], page.next || "", cursor !== "");
  } catch (err) {
    threads.fail(`Could not list threads: ${err.message}`);
  }
}
