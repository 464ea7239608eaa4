// The dashboard's small toolbox: the bearer token, JSON calls to the console API, a server-sent
// events reader over fetch (EventSource cannot send an Authorization header) and a tiny element
// builder. Plain ES modules for the browser: no framework, no bundler.

const TOKEN_KEY = 'agentvisor.console.token';

/** The token from `?token=` (then kept in sessionStorage and removed from the address) or storage. */
export function readToken() {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** An API error with the body's `{ code, message, path }`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? `HTTP_${status}`;
    this.path = body?.error?.path;
    this.issues = body?.error?.details?.issues;
  }
}

function headers(extra = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  return token === '' ? extra : { ...extra, authorization: `Bearer ${token}` };
}

/** GET or POST JSON; throws {@link ApiError} for a non-2xx answer. */
export async function api(path, body) {
  const init =
    body === undefined
      ? { headers: headers() }
      : {
          method: 'POST',
          headers: headers({ 'content-type': 'application/json' }),
          body: JSON.stringify(body),
        };
  const res = await fetch(path, init);
  const text = await res.text();
  const json =
    text === ''
      ? {}
      : (res.headers.get('content-type') ?? '').includes('json')
        ? JSON.parse(text)
        : text;
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

/** The Prometheus text of `/metrics`. */
export async function metricsText() {
  const res = await fetch('/metrics', { headers: headers() });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  return res.text();
}

/**
 * Whether this token may decide: a POST to a decision of no escalation is refused 403 for a
 * viewer before anything else is read; an operator gets past auth (404 or 400, nothing changes).
 */
export async function mayDecide() {
  try {
    await api('/api/escalations/-/decision', {});
    return true;
  } catch (error) {
    return !(error instanceof ApiError && (error.status === 403 || error.status === 401));
  }
}

/**
 * Reads `/api/events` (server-sent events) and calls `onEvent(name, data)` per event; reconnects
 * after a drop. Returns a function that stops it.
 */
export function subscribe(onEvent, onState = () => {}) {
  const abort = new AbortController();
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch('/api/events', { headers: headers(), signal: abort.signal });
        if (!res.ok || res.body === null) throw new ApiError(res.status, {});
        onState('live');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            onEvent(event, data === '' ? undefined : JSON.parse(data));
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };
  void run();
  return () => abort.abort();
}

/** `h('div', { class: 'x', onclick }, child, 'text')`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Pretty JSON in a <pre>. */
export const json = (value) => h('pre', { class: 'json' }, JSON.stringify(value, null, 2) ?? '—');

/** A wall time as a local time of day (with the date when not today). */
export function when(epochMs) {
  if (epochMs === null || epochMs === undefined) return '—';
  const d = new Date(epochMs);
  return d.toDateString() === new Date().toDateString()
    ? d.toLocaleTimeString()
    : d.toLocaleString();
}

/** `1h 02m`, `3m 04s`, `12s`. */
export function duration(ms) {
  if (!Number.isFinite(ms)) return 'never';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600)
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** A shown error: its code, message and field path. */
export const errorBox = (error) =>
  h(
    'div',
    { class: 'error', role: 'alert' },
    h('strong', {}, error.code ?? 'Error'),
    ' ',
    error.message,
    error.path ? h('div', { class: 'path' }, `at ${error.path}`) : null,
    ...(error.issues ?? []).map((i) => h('div', { class: 'path' }, `${i.path}: ${i.message}`)),
  );
