// Signing in. When agentd requires a credential (an API key or a user's
// token), its API answers 401 and the page asks for one. The credential is
// kept in sessionStorage — this tab only, gone when it closes — and sent as
// `Authorization: Bearer …` on every API call. Without auth none of this
// shows. Which threads a credential sees is the server's business.

const CREDENTIAL_KEY = "agentd.credential";

const signIn = {
  credential: "",
  waiting: [], // requests refused with 401, resumed by the next sign-in
  dialog: byId("sign-in"),
  form: byId("sign-in-form"),
  reason: byId("sign-in-reason"),
  input: byId("sign-in-secret"),
  error: byId("sign-in-error"),
  submit: byId("sign-in-submit"),
  account: byId("account"),
  who: byId("account-who"),
};

try {
  signIn.credential = sessionStorage.getItem(CREDENTIAL_KEY) || "";
} catch {
  // Storage may be disabled: the credential then lasts until a reload.
}

/**
 * apiFetch is fetch for agentd's API, with the credential. On a 401 it asks
 * for a key or token and, once one is accepted, sends the request again:
 * agentd refuses before it reads a body, so nothing was done the first time.
 */
async function apiFetch(url, init = {}) {
  for (let tries = 1; ; tries++) {
    const headers = new Headers(init.headers);
    const sent = signIn.credential;
    if (sent) headers.set("Authorization", "Bearer " + sent);
    const res = await fetch(url, { ...init, headers });
    if (res.status !== 401 || tries === 3) return res;
    if (sent === signIn.credential) {
      if (sent) {
        const e = await errorBody(res);
        setCredential("");
        askToSignIn(`agentd did not accept your key or token (${e.message}). Sign in again.`);
      } else {
        askToSignIn("This agentd requires an API key or a user token.");
      }
      await new Promise((resolve) => signIn.waiting.push(resolve));
    }
  }
}

function setCredential(secret) {
  signIn.credential = secret;
  try {
    if (secret) sessionStorage.setItem(CREDENTIAL_KEY, secret);
    else sessionStorage.removeItem(CREDENTIAL_KEY);
  } catch {
    // Storage may be disabled.
  }
  signIn.account.hidden = !secret;
  signIn.who.textContent = secret ? signedInAs(secret) : "";
}

/** signedInAs names the user a JWT claims (shown only; the server verifies it). */
function signedInAs(secret) {
  const parts = secret.split(".");
  if (parts.length === 3) {
    try {
      const claims = JSON.parse(atob(parts[1].replace(/-/g, "+").replace(/_/g, "/")));
      if (claims && typeof claims.sub === "string" && claims.sub !== "") return `Signed in as ${claims.sub}`;
    } catch {
      // not a JWT after all
    }
  }
  return "Signed in with a key";
}

function askToSignIn(reason) {
  if (signIn.dialog.open) return; // keep what the form already says
  signIn.reason.textContent = reason;
  signIn.error.hidden = true;
  signIn.dialog.showModal();
  signIn.input.focus();
}

/** The credential is checked with GET /threads before it is kept. */
async function submitSignIn(e) {
  e.preventDefault();
  const secret = signIn.input.value.trim();
  if (secret === "") return;
  signIn.submit.disabled = true;
  signIn.error.hidden = true;
  let problem = "";
  try {
    const url = api("threads");
    url.searchParams.set("limit", "1");
    const res = await fetch(url, { headers: { Accept: "application/json", Authorization: "Bearer " + secret } });
    if (!res.ok) {
      const body = await errorBody(res);
      problem = res.status === 401 ? `Not accepted: ${body.message}` : `Could not check it: ${body.message} (HTTP ${res.status})`;
    }
  } catch (err) {
    problem = `Could not reach agentd: ${err.message}`;
  } finally {
    signIn.submit.disabled = false;
  }
  if (problem) {
    signIn.error.textContent = problem;
    signIn.error.hidden = false;
    signIn.input.select();
    return;
  }
  signIn.input.value = "";
  setCredential(secret);
  signIn.dialog.close();
  for (const resume of signIn.waiting.splice(0)) resume();
}

/** signOut forgets the credential and leaves nothing of this user on screen. */
function signOut() {
  setCredential("");
  threads.show([], "", false);
  openThread(newId(), true);
  refreshThreads(); // asks to sign in again when agentd requires it
}

signIn.form.addEventListener("submit", submitSignIn);
// Escape would leave a page that can do nothing but fail.
signIn.dialog.addEventListener("cancel", (e) => e.preventDefault());
byId("sign-out").addEventListener("click", signOut);
setCredential(signIn.credential);
