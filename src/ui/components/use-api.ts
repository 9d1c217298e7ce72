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
 * slow answer never overlaps the next request; polling pauses while the tab is
 * hidden. The last good data stays on screen when a refresh fails.
 */
export function useApi<T>(path: string | undefined, everyMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: path !== undefined });
  const current = useRef(path);
  current.current = path;

  const load = useCallback(async () => {
    if (path === undefined) return;
    try {
      const data = await api<T>('GET', path);
      if (current.current === path) setState({ data, loading: false });
    } catch (error) {
      if (current.current === path) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [path]);

  useEffect(() => {
    if (path === undefined) return;
    setState({ loading: true });
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (!document.hidden) await load();
      if (!stopped && everyMs) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, everyMs, load]);

  return { ...state, reload: load, set: (data: T) => setState({ data, loading: false }) };
}
