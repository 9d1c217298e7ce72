/** Loading data from the API in components: once, or polled, with the error kept for display. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  /** Loads again now. */
  reload: () => Promise<void>;
  /** Replaces the data locally (after a change the server confirmed). */
  set: (data: T) => void;
}

/**
 * GETs `path` (when not undefined), then again every `everyMs` if given. A
 * slow answer never overlaps the next request. Nothing is requested while the
 * tab is hidden: a page opened in a background tab loads when it is first
 * shown, polling resumes at once when the tab comes back, and a one-time load
 * that failed is tried again then. The last good data stays on screen when a
 * refresh fails.
 */
export function useApi<T>(path: string | undefined, everyMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== undefined });
  const current = useRef(path);
  current.current = path;

  /** One GET; true when it answered. */
  const fetchOnce = useCallback(async (): Promise<boolean> => {
    if (path === undefined) return false;
    try {
      const data = await api<T>('GET', path);
      if (current.current === path) setState({ data, loading: false });
      return true;
    } catch (error) {
      if (current.current === path) setState((s) => ({ data: s.data, error, loading: false }));
      return false;
    }
  }, [path]);

  useEffect(() => {
    if (path === undefined) return;
    setState({ loading: true });
    let stopped = false;
    let inFlight = false;
    let loaded = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      timer = undefined;
      // Hidden: no request and no timer; `visibilitychange` starts again.
      if (stopped || inFlight || document.hidden) return;
      inFlight = true;
      if (await fetchOnce()) loaded = true;
      inFlight = false;
      if (!stopped && everyMs && !document.hidden) timer = setTimeout(tick, everyMs);
    };
    const shown = () => {
      if (document.hidden || inFlight || timer !== undefined) return;
      if (everyMs || !loaded) void tick();
    };
    document.addEventListener('visibilitychange', shown);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [path, everyMs, fetchOnce]);

  const reload = useCallback(async () => {
    await fetchOnce();
  }, [fetchOnce]);
  return { ...state, reload, set: (data: T) => setState({ data, loading: false }) };
}
