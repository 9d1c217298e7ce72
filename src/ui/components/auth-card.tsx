/** The centred card of the sign-in and first-run pages, under the Plexus mark; it names the browser tab too. */
import { useEffect } from 'preact/hooks';

export function AuthCard({ title, tabTitle, children }: { title: string; tabTitle: string; children: preact.ComponentChildren }) {
  useEffect(() => {
    document.title = `${tabTitle} · Plexus`;
  }, [tabTitle]);
  return (
    <div class="center-page">
      <div class="card narrow">
        <h1 class="auth-title">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          {title}
        </h1>
        {children}
      </div>
    </div>
  );
}
