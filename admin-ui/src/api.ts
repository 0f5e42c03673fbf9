/**
 * The admin UI's client of the REST API: session tokens in sessionStorage, the access token
 * refreshed once on a 401 (rotation), errors as {@link ApiError} with the server's code.
 */
const STORE = 'gaemi.session';

export interface Session {
  access_token: string;
  refresh_token: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

let session: Session | null = (() => {
  try {
    const raw = sessionStorage.getItem(STORE);
    return raw === null ? null : (JSON.parse(raw) as Session);
  } catch {
    return null;
  }
})();
const listeners = new Set<(s: Session | null) => void>();

export function currentSession(): Session | null {
  return session;
}

export function setSession(s: Session | null): void {
  session = s;
  if (s === null) sessionStorage.removeItem(STORE);
  else sessionStorage.setItem(STORE, JSON.stringify({ access_token: s.access_token, refresh_token: s.refresh_token }));
  for (const fn of listeners) fn(s);
}

export function onSession(fn: (s: Session | null) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

async function raw(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(`/api/v1${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function toError(res: Response): Promise<ApiError> {
  try {
    const b = (await res.json()) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } };
    return new ApiError(res.status, b.error?.code ?? 'HTTP_' + String(res.status), b.error?.message ?? res.statusText, b.error?.details ?? {});
  } catch {
    return new ApiError(res.status, 'HTTP_' + String(res.status), res.statusText);
  }
}

let refreshing: Promise<boolean> | null = null;

async function refresh(): Promise<boolean> {
  const s = session;
  if (s === null) return false;
  refreshing ??= (async () => {
    const res = await raw('POST', '/login/refresh', { refresh_token: s.refresh_token }, null);
    if (!res.ok) {
      setSession(null);
      return false;
    }
    setSession((await res.json()) as Session);
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Call the API; JSON answer or {@link ApiError}. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res = await raw(method, path, body, session?.access_token ?? null);
  if (res.status === 401 && session !== null && (await refresh())) res = await raw(method, path, body, session?.access_token ?? null);
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export async function login(username: string, password: string): Promise<void> {
  const res = await raw('POST', '/login/access-token', { username, password }, null);
  if (!res.ok) throw await toError(res);
  setSession((await res.json()) as Session);
}

export async function logout(): Promise<void> {
  const s = session;
  if (s !== null) await raw('POST', '/logout', { refresh_token: s.refresh_token }, s.access_token).catch(() => undefined);
  setSession(null);
}
