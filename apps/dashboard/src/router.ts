import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/executions/<id>`), so the server serves one index.html and needs no fallback. */
export interface Route {
  page: string;
  id?: string;
  params: URLSearchParams;
}

export const PAGES = ['overview', 'executions', 'pricing', 'unpriced', 'reconciliation', 'operations'] as const;

export function parseHash(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query);
  const [page = 'overview', ...rest] = path.split('/');
  const id = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  if (page === 'executions' && id) return { page: 'execution', id, params };
  if (page === 'sessions' && id) return { page: 'session', id, params };
  return { page: page || 'overview', id, params };
}

export const href = {
  page: (page: string) => `#/${page}`,
  execution: (id: string) => `#/executions/${encodeURIComponent(id)}`,
  session: (id: string) => `#/sessions/${encodeURIComponent(id)}`,
};

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
