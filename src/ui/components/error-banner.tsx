/** Shows what went wrong where it happened: the API's message and every detail (path: message). */
import { ApiError, type ErrorDetail } from '../api.ts';

/** The error's message, whatever was thrown. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The details of an API error, keyed by path (for messages next to form fields). */
export function fieldErrors(err: unknown, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ApiError)) return out;
  for (const d of err.details) {
    if (!d.path.startsWith(prefix)) continue;
    const key = d.path.slice(prefix.length).replace(/^\./, '');
    out[key] = out[key] ? `${out[key]}; ${d.message}` : d.message;
  }
  return out;
}

export interface ErrorBannerProps {
  error: unknown;
  /** A heading such as "Saving failed"; the message follows. */
  title?: string;
  onDismiss?: () => void;
}

export function ErrorBanner({ error, title, onDismiss }: ErrorBannerProps) {
  if (error === undefined || error === null) return null;
  const details: ErrorDetail[] = error instanceof ApiError ? error.details : [];
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div class="banner banner-bad" role="alert">
      <div class="banner-body">
        <p class="banner-message">
          {title && <strong>{title}: </strong>}
          {errorMessage(error)}
        </p>
        {details.length > 0 && (
          <ul class="banner-details">
            {details.map((d) => (
              <li key={`${d.path}:${d.message}`}>
                <code>{d.path}</code>: {d.message}
              </li>
            ))}
          </ul>
        )}
        {code && <p class="banner-code">{code}</p>}
      </div>
      {onDismiss && (
        <button type="button" class="btn btn-ghost btn-small" onClick={onDismiss} aria-label="Dismiss the error">
          ✕
        </button>
      )}
    </div>
  );
}

/** A neutral or warning note (read-only mode, hints), or a result; warnings are announced, others when `role` says so. */
export function Banner({
  tone = 'info',
  role = tone === 'warn' ? 'status' : undefined,
  children,
}: {
  tone?: 'info' | 'warn' | 'good';
  role?: 'status';
  children: preact.ComponentChildren;
}) {
  return (
    <div class={`banner banner-${tone}`} role={role}>
      <div class="banner-body">{children}</div>
    </div>
  );
}
