/** Hash routing: `#/values/Line1?x=1` → path "/values/Line1", query x=1. Survives reloads and works from any static server. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path without the leading "#", e.g. "/values/Line1". */
  path: string;
  /** Path segments, decoded: ["values", "Line1"]. */
  parts: string[];
  query: URLSearchParams;
}

function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { path: path.startsWith('/') ? path : `/${path}`, parts, query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Goes to `#path`; `replace` keeps the browser history free of redirects. */
export function navigate(path: string, replace = false): void {
  const hash = `#${path}`;
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = hash;
}

/** `#/values/Line%201` from ["values", "Line 1"]. */
export const href = (...parts: string[]) => `#/${parts.map(encodeURIComponent).join('/')}`;
