/** The one way the UI talks to the gateway: JSON over fetch, errors as ApiError with the server's details. */

export type Role = 'viewer' | 'operator' | 'admin';
export interface User {
  name: string;
  role: Role;
}
export interface ErrorDetail {
  path: string;
  message: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
/** True when the user's role is at least `role`. */
export const can = (user: User | undefined, role: Role): boolean => !!user && RANK[user.role] >= RANK[role];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

/** Called when any request answers 401 (the session ended): the shell shows the login page. */
let onUnauthorized: () => void = () => {};
export const setUnauthorizedHandler = (fn: () => void) => {
  onUnauthorized = fn;
};

/**
 * Calls the API. `body` is sent as JSON, or as-is when it is a string with `contentType`.
 * Resolves to the parsed JSON (or text, for non-JSON answers); rejects with ApiError.
 */
export async function api<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.body = typeof body === 'string' && contentType !== 'application/json' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = contentType;
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'PLX_NETWORK', `the gateway cannot be reached: ${(err as Error).message}`);
  }
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? await res.json().catch(() => undefined) : await res.text();
  if (res.ok) return data as T;
  const e = (data ?? {}) as { code?: string; message?: string; details?: ErrorDetail[] };
  if (res.status === 401 && !path.startsWith('/api/v1/auth/')) onUnauthorized();
  throw new ApiError(res.status, e.code ?? `HTTP_${res.status}`, e.message ?? `${method} ${path} failed with HTTP ${res.status}`, e.details ?? []);
}

/** Path segments are user-defined names: always encode them. */
export const seg = (s: string) => encodeURIComponent(s);
