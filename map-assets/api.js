// Talking to the server's JSON API with the logged-in user's token.
//
// The token is `state.token` (the browser tests read it there); it is kept
// for this tab in sessionStorage, so a reload stays logged in.

const TOKEN_KEY = 'wangge.token';

/** ctx: { state } */
export function createApi(ctx) {
  const { state } = ctx;

  async function fetchJson(path, signal, init = {}) {
    // The server writes its messages in the page's language.
    const headers = { Accept: 'application/json', 'Accept-Language': state.lang === 'en' ? 'en' : 'zh-CN' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    const res = await fetch(path, {
      signal, method: init.method || 'GET', headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    let body = null;
    try { body = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      // A revoked or expired token: back to the login form, the map where it was.
      if (res.status === 401 && state.token && body?.code === 'session_expired') ctx.onSessionLost?.();
      const err = new Error(body?.message || `${res.status} ${res.statusText}`);
      err.status = res.status;
      err.body = body;
      throw err;
    }
    return body;
  }

  function postJson(path, body) {
    return fetchJson(path, undefined, { method: 'POST', body });
  }

  /** The Authorization header's value, for requests fetchJson does not make (CSV bodies, blobs). */
  function authorization() {
    return `Bearer ${state.token}`;
  }

  /** The token this tab kept, if any, into state.token. */
  function restoreToken() {
    try { state.token = window.sessionStorage.getItem(TOKEN_KEY); } catch { state.token = null; }
    return state.token;
  }

  /** A new token (login) or none (logout), kept for this tab. */
  function setToken(token) {
    state.token = token;
    try {
      if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch { /* this page only */ }
  }

  return { fetchJson, postJson, authorization, restoreToken, setToken };
}
