/**
 * The dashboard's only way to the ledger: the public API, with the key pasted at sign-in in `x-api-key`.
 * The key lives in sessionStorage (gone when the tab closes) and never in a URL.
 */

const KEY = 'ledger.apiKey';
const WORKSPACE = 'ledger.workspace';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  workspace: (): string | null => sessionStorage.getItem(WORKSPACE),
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  setWorkspace(id: string | null): void {
    if (id) sessionStorage.setItem(WORKSPACE, id);
    else sessionStorage.removeItem(WORKSPACE);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(WORKSPACE);
  },
};

export const UNAUTHORIZED = 'ledger:unauthorized';

/** An answer other than 2xx, with the message each API family puts in its own error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

function messageOf(status: number, body: unknown): { message: string; code?: string } {
  const b = body as { error?: { message?: string; code?: string }; detail?: unknown } | null;
  if (b?.error?.message) return { message: b.error.message, code: b.error.code };
  if (typeof b?.detail === 'string') return { message: b.detail };
  if (Array.isArray(b?.detail)) return { message: b.detail.map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg}`).join('; ') };
  return { message: `HTTP ${status}` };
}

export interface Answer<T> {
  body: T;
  headers: Headers;
}

export async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown; key?: string } = {}): Promise<Answer<T>> {
  const key = options.key ?? session.key();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers['x-api-key'] = key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(withQuery(path, options.query), {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const { message, code } = messageOf(res.status, body);
    // A key revoked or rotated away while the tab is open: the app returns to sign-in rather than fail page by page.
    if (res.status === 401 && !options.key) dispatchEvent(new CustomEvent(UNAUTHORIZED, { detail: message }));
    throw new ApiError(res.status, message, code);
  }
  return { body: body as T, headers: res.headers };
}

export const get = async <T>(path: string, query?: Query): Promise<T> => (await request<T>('GET', path, { query })).body;

/** The `/v1` families wrap answers in `{success, data}`. */
export const getData = async <T>(path: string, query?: Query): Promise<T> => (await get<{ data: T }>(path, query)).data;

export const send = async <T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, query?: Query): Promise<T> =>
  (await request<T>(method, path, { body, query })).body;

/** The cursor of `Link: <…?cursor=…>; rel="next"`, the `/costs` lists' next page. */
export function nextCursor(headers: Headers): string | null {
  const link = headers.get('link');
  const m = link && /<([^>]+)>;\s*rel="next"/.exec(link);
  return m ? new URL(m[1], location.origin).searchParams.get('cursor') : null;
}
