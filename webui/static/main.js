// Wiring: the page's controls, the URL hash, and the first thread.

ui.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  const text = ui.input.value.trim();
  if (text === "" || busy()) return;
  ui.input.value = "";
  const msg = { id: newId(), role: "user", content: text };
  app.messages.push(msg);
  chat.setText(msg.id, "user", text, false);
  app.followUps = 0;
  startRun();
});
ui.input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    ui.composer.requestSubmit();
  }
});
ui.stop.addEventListener("click", stopRun);
ui.disconnect.addEventListener("click", disconnect);
byId("rejoin").addEventListener("click", rejoinByHand);
byId("connection-cancel").addEventListener("click", cancelWait);
byId("reload-thread").addEventListener("click", () => openThread(app.threadId));
byId("new-thread").addEventListener("click", newThread);
byId("threads-more").addEventListener("click", (e) => refreshThreads(e.currentTarget.dataset.cursor || ""));
window.addEventListener("hashchange", () => {
  const id = threadFromHash();
  if (id && id !== app.threadId) openThread(id);
});

let stored = "";
try {
  stored = sessionStorage.getItem(STORAGE_KEY) || "";
} catch {
  // Storage may be disabled.
}
const initial = threadFromHash() || stored;
if (initial) openThread(initial);
else openThread(newId(), true);
refreshThreads();
