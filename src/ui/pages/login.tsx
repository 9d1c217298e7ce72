/** Sign-in with user name and password; the gateway's refusal (wrong password, too many attempts) is shown as it says it. */
import { useState } from 'preact/hooks';
import { api, type User } from '../api.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { Banner, ErrorBanner } from '../components/error-banner.tsx';
import { FormField } from '../components/form-field.tsx';
import { PasswordField } from '../components/password-field.tsx';

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
    <AuthCard title="Sign in to Plexus" tabTitle="Sign in">
      {reason === 'expired' && !error && <Banner tone="warn">Your session has ended. Sign in again to go on.</Banner>}
      {reason === 'signed-out' && !error && <Banner tone="info">You are signed out.</Banner>}
      <form class="form" onSubmit={submit}>
        <FormField label="User name">
          <input autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required />
        </FormField>
        <PasswordField kind="current" label="Password" value={password} onInput={setPassword} />
        <ErrorBanner error={error} title="Sign-in failed" />
        <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="muted small">
        Forgot your password? An admin can reset it on the Users page; on the gateway itself, <code>plexus user reset-password NAME</code> does it.
      </p>
    </AuthCard>
  );
}
