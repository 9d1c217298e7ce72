/** The title row of a page, with its actions on the right; also sets the document title. */
import { useEffect } from 'preact/hooks';

export function PageHeader({ title, subtitle, children }: { title: string; subtitle?: preact.ComponentChildren; children?: preact.ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Plexus`;
  }, [title]);
  return (
    <div class="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p class="page-subtitle">{subtitle}</p>}
      </div>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}

/** A place-holder that says why it is empty and what to do next. */
export function EmptyState({ title, class: cls, children }: { title: string; class?: string; children?: preact.ComponentChildren }) {
  return (
    <div class={cls ? `empty ${cls}` : 'empty'}>
      <p class="empty-title">{title}</p>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function Loading({ what = 'Loading', class: cls }: { what?: string; class?: string }) {
  return (
    <p class={cls ? `loading ${cls}` : 'loading'} role="status">
      <span class="spinner" aria-hidden="true" />
      {what}…
    </p>
  );
}
