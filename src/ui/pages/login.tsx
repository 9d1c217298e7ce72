/** Sign-in with user name and password; the gateway's refusal (wrong password, too many attempts) is shown as it says it. */
import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api.ts';
import { Banner, ErrorBanner } from '../components/error-banner.tsx';
import { FormField } from '../components/form-field.tsx';

export interface LoginPageProps {
  /** Why the user sees this page: their session ended, or they signed out. */
  reason?: 'expired' | 'signed-out';
  onLogin: (user: User) => void;
}

export function LoginPage({ reason, onLogin }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    document.title = 'Sign in · Plexus';
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ user: User }>('POST', '/api/v1/auth/login', { username: username.trim(), password });
      onLogin(res.user);
    } catch (err) {
      setError(err);
      setPassword('');
      setBusy(false);
    }
  };

  return (
    <div class="center-page">
      <div class="card narrow">
        <h1 class="auth-title">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          Sign in to Plexus
        </h1>
        {reason === 'expired' && !error && <Banner tone="warn">Your session has ended. Sign in again to go on.</Banner>}
        {reason === 'signed-out' && !error && <Banner tone="info">You are signed out.</Banner>}
        <form class="form" onSubmit={submit}>
          <FormField label="User name">
            <input autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
          </FormField>
          <FormField label="Password">
            <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
          </FormField>
          <ErrorBanner error={error} title="Sign-in failed" />
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p class="muted small">
          Forgot your password? An admin can reset it on the Users page; on the gateway itself, <code>plexus user reset-password NAME</code> does it.
        </p>
      </div>
    </div>
  );
}
