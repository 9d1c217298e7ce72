/** First run: the one-time link from the gateway log creates the first admin. */
import { useState } from 'preact/hooks';
import { ApiError, api, type User } from '../api.ts';
import { AuthCard } from '../components/auth-card.tsx';
import { ErrorBanner, fieldErrors } from '../components/error-banner.tsx';
import { FormField } from '../components/form-field.tsx';
import { PasswordField, tooShort } from '../components/password-field.tsx';

export interface SetupPageProps {
  /** The token from the setup link (`#/setup?token=…`), if the page was opened with it. */
  token?: string;
  onDone: (user: User) => void;
}

export function SetupPage({ token, onDone }: SetupPageProps) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const local = {
    password: tooShort(password),
    repeat: repeat !== password ? 'the two passwords differ' : undefined,
  };
  const server = fieldErrors(error);

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (local.password || local.repeat || !token) return;
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ user: User }>('POST', '/api/v1/auth/setup', { token, username: username.trim(), password });
      onDone(res.user);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const done = error instanceof ApiError && error.code === 'PLX_SETUP_DONE';
  return (
    <AuthCard title="Welcome to Plexus" tabTitle="Set up">
      {!token ? (
        <>
          <p>This gateway has no users yet. The first admin is created with a one-time setup link that the gateway writes to its log when it starts.</p>
          <ol class="steps">
            <li>
              Find the log line <q>no users yet: open this link to create the admin</q>. Its <code>setupUrl</code> field holds the link, e.g.{' '}
              <code>journalctl -u plexus | grep setupUrl</code> or <code>docker logs plexus 2&gt;&amp;1 | grep setupUrl</code>.
            </li>
            <li>
              Open that link (it looks like <code>http://gateway:8080/#/setup?token=…</code>) in this browser.
            </li>
            <li>If the link is lost, restart the gateway: while no user exists, every start prints a new one.</li>
          </ol>
        </>
      ) : (
        <form class="form" onSubmit={submit}>
          <p>Create the first administrator. Admins manage devices, users and API tokens; you can add operators and viewers afterwards.</p>
          <FormField label="User name" error={server.username} hint="Letters, digits, '.', '_' or '-'.">
            <input autocomplete="username" value={username} onInput={(e) => setUsername(e.currentTarget.value)} required maxLength={64} />
          </FormField>
          <PasswordField kind="new" label="Password" value={password} onInput={setPassword} error={(tried && local.password) || server.password} />
          <PasswordField kind="repeat" label="Repeat the password" value={repeat} onInput={setRepeat} error={tried ? local.repeat : undefined} />
          <ErrorBanner error={error} title="Setup failed" />
          {done && (
            <p>
              Someone finished the setup already.{' '}
              <button
                type="button"
                class="btn-link"
                onClick={() => {
                  location.hash = '#/login';
                  location.reload();
                }}
              >
                Sign in
              </button>{' '}
              instead.
            </p>
          )}
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Creating…' : 'Create admin'}
          </button>
        </form>
      )}
    </AuthCard>
  );
}
