import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, api } from './api.js';

/** Load `path` (GET) now and when `deps` change; `reload()` on demand. */
export function useApi<T>(path: string | null, deps: unknown[] = []): { data: T | null; error: ApiError | null; loading: boolean; reload: () => void } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    api<T>('GET', path).then(
      (d) => {
        if (!live) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'NETWORK', String(e)));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick, ...deps]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** The current `#/route?query` of the page. */
export function useHash(): { route: string; params: URLSearchParams } {
  const read = () => {
    const h = window.location.hash.replace(/^#\/?/, '');
    const [route = '', query = ''] = h.split('?');
    return { route, params: new URLSearchParams(query) };
  };
  const [state, setState] = useState(read);
  useEffect(() => {
    const on = () => setState(read());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return state;
}
