/** Users and API tokens (admin): add, change role, reset password, delete; create (shown once) and revoke tokens. */
import { useRef, useState } from 'preact/hooks';
import { api, can, type Role, seg, type User } from '../api.ts';
import { actionsColumn, DataTable } from '../components/data-table.tsx';
import { Banner, ErrorBanner, fieldErrors } from '../components/error-banner.tsx';
import { FormActions, FormField } from '../components/form-field.tsx';
import { formatTime } from '../components/format.ts';
import { ConfirmDialog, Modal } from '../components/modal.tsx';
import { EmptyState, Loading, PageHeader } from '../components/page-header.tsx';
import { PasswordField, tooShort } from '../components/password-field.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useApi } from '../components/use-api.ts';

/** A user or an API token, as the lists give them. */
interface Account {
  name: string;
  role: Role;
  createdAt: number;
}

/** Users and tokens are listed alike. */
const COLUMNS = ['Name', 'Role', 'Created', actionsColumn()];

const ROLES: { role: Role; what: string }[] = [
  { role: 'viewer', what: 'reads status, values and the audit log' },
  { role: 'operator', what: 'also writes tag values' },
  { role: 'admin', what: 'also configuration, users, tokens and the read-only switch' },
];

function RoleOptions() {
  return (
    <>
      {ROLES.map((r) => (
        <option key={r.role} value={r.role}>
          {r.role}
        </option>
      ))}
    </>
  );
}

const RoleHint = () => (
  <>
    {ROLES.map((r, i) => (
      <span key={r.role}>
        {i > 0 && '; '}
        <strong>{r.role}</strong> {r.what}
      </span>
    ))}
    .
  </>
);

export function UsersPage({ user }: { user: User }) {
  if (!can(user, 'admin')) {
    return (
      <div class="page">
        <PageHeader title="Users and API tokens" />
        <EmptyState title="Only admins manage users and API tokens">
          <p>
            You are signed in as {user.name} ({user.role}). To change your own password, use the menu under your name at the top right.
          </p>
        </EmptyState>
      </div>
    );
  }
  return (
    <div class="page">
      <PageHeader title="Users and API tokens" subtitle="People sign in with a user; scripts and other systems use an API token (Authorization: Bearer …)." />
      <Users me={user} />
      <Tokens />
    </div>
  );
}

function Users({ me }: { me: User }) {
  const users = useApi<Account[]>('/api/v1/users');
  const [adding, setAdding] = useState(false);
  const [resetting, setResetting] = useState<string>();
  const [deleting, setDeleting] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState<string>();

  const changeRole = async (name: string, role: Role) => {
    setError(undefined);
    setSaved(undefined);
    setBusy(name);
    try {
      await api('PATCH', `/api/v1/users/${seg(name)}`, { role });
      setSaved(`${name} is now ${role}.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
      await users.reload();
    }
  };

  return (
    <section class="card" aria-labelledby="users-title">
      <header class="card-header">
        <h2 id="users-title">Users</h2>
        <button type="button" class="btn btn-primary" onClick={() => setAdding(true)}>
          Add user
        </button>
      </header>
      <ErrorBanner
        error={error ?? users.error}
        title={error ? 'The change failed' : 'The users could not be read'}
        onDismiss={error ? () => setError(undefined) : undefined}
      />
      {saved && <Banner tone="good">{saved}</Banner>}
      {!users.data && !users.error && <Loading what="Reading the users" />}
      {users.data && (
        <DataTable caption="Users" columns={COLUMNS}>
          {users.data.map((u) => (
            <tr key={u.name}>
              <td>
                {u.name} {u.name === me.name && <StatusBadge tone="info">you</StatusBadge>}
              </td>
              <td>
                <select
                  aria-label={`Role of ${u.name}`}
                  value={u.role}
                  disabled={busy === u.name}
                  onChange={(e) => changeRole(u.name, e.currentTarget.value as Role)}
                >
                  <RoleOptions />
                </select>
              </td>
              <td class="mono small">{formatTime(u.createdAt)}</td>
              <td class="num">
                <span class="page-actions" style={{ justifyContent: 'flex-end' }}>
                  <button type="button" class="btn btn-small" aria-label={`Reset the password of ${u.name}`} onClick={() => setResetting(u.name)}>
                    Reset password
                  </button>
                  <button type="button" class="btn btn-small" aria-label={`Delete user ${u.name}`} onClick={() => setDeleting(u.name)}>
                    Delete
                  </button>
                </span>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {adding && (
        <AddUserDialog
          onClose={() => setAdding(false)}
          onAdded={(u) => {
            setSaved(`User ${u.name} (${u.role}) added.`);
            void users.reload();
          }}
        />
      )}
      {resetting && (
        <ResetPasswordDialog name={resetting} onClose={() => setResetting(undefined)} onDone={() => setSaved(`The password of ${resetting} is reset.`)} />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete user ${deleting}`}
          confirmLabel={`Delete ${deleting}`}
          danger
          onClose={() => setDeleting(undefined)}
          onConfirm={async () => {
            await api('DELETE', `/api/v1/users/${seg(deleting)}`);
            setSaved(`User ${deleting} deleted.`);
            await users.reload();
          }}
        >
          <p>
            {deleting} can no longer sign in{deleting === me.name ? ' — and that is you: you are signed out at once' : ''}. Their entries in the audit log stay.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function AddUserDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (u: Account) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const server = fieldErrors(error);
  const short = tooShort(password);

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (short) return;
    setBusy(true);
    setError(undefined);
    try {
      onAdded(await api<Account>('POST', '/api/v1/users', { name: name.trim(), password, role }));
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title="Add user" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <FormField label="User name" error={server.name} hint="1-64 letters, digits, '.', '_' or '-'.">
          <input autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} />
        </FormField>
        <PasswordField kind="new" label="Password" value={password} onInput={setPassword} error={(tried && short) || server.password} />
        <FormField label="Role" error={server.role} hint={<RoleHint />}>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <RoleOptions />
          </select>
        </FormField>
        <ErrorBanner error={error} title="The user could not be added" />
        <FormActions onCancel={onClose} busy={busy} label="Add user" busyLabel="Adding…" />
      </form>
    </Modal>
  );
}

function ResetPasswordDialog({ name, onClose, onDone }: { name: string; onClose: () => void; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const short = tooShort(password);

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (short) return;
    setBusy(true);
    setError(undefined);
    try {
      await api('PATCH', `/api/v1/users/${seg(name)}`, { password });
      onDone();
      onClose();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal title={`Reset the password of ${name}`} onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <p>Give {name} the new password by a safe way; they can change it themselves after signing in.</p>
        <PasswordField kind="new" label="Password" value={password} onInput={setPassword} error={(tried && short) || fieldErrors(error).password} />
        <ErrorBanner error={error} title="The password could not be reset" />
        <FormActions onCancel={onClose} busy={busy} label="Reset password" busyLabel="Saving…" />
      </form>
    </Modal>
  );
}

function Tokens() {
  const tokens = useApi<Account[]>('/api/v1/tokens');
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<string>();

  return (
    <section class="card" aria-labelledby="tokens-title">
      <header class="card-header">
        <h2 id="tokens-title">API tokens</h2>
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
          Create token
        </button>
      </header>
      <ErrorBanner error={tokens.error} title="The tokens could not be read" />
      {!tokens.data && !tokens.error && <Loading what="Reading the tokens" />}
      {tokens.data?.length === 0 && (
        <EmptyState title="No API token yet">
          <p>Create one for a script, a SCADA or a monitoring system; it acts with the role you give it.</p>
        </EmptyState>
      )}
      {tokens.data && tokens.data.length > 0 && (
        <DataTable caption="API tokens" columns={COLUMNS}>
          {tokens.data.map((t) => (
            <tr key={t.name}>
              <td class="mono">{t.name}</td>
              <td>{t.role}</td>
              <td class="mono small">{formatTime(t.createdAt)}</td>
              <td class="num">
                <button type="button" class="btn btn-small" aria-label={`Revoke token ${t.name}`} onClick={() => setRevoking(t.name)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {creating && <CreateTokenDialog onClose={() => setCreating(false)} onCreated={() => void tokens.reload()} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke token ${revoking}`}
          confirmLabel={`Revoke ${revoking}`}
          danger
          onClose={() => setRevoking(undefined)}
          onConfirm={async () => {
            await api('DELETE', `/api/v1/tokens/${seg(revoking)}`);
            await tokens.reload();
          }}
        >
          <p>Whatever uses this token is refused from now on (401). This cannot be undone; create a new token instead.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function CreateTokenDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [token, setToken] = useState<string>();
  const [copied, setCopied] = useState<'yes' | 'no'>();
  const field = useRef<HTMLInputElement>(null);
  const server = fieldErrors(error);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const res = await api<{ name: string; role: Role; token: string }>('POST', '/api/v1/tokens', { name: name.trim(), role });
      setToken(res.token);
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    if (!token) return;
    try {
      await navigator.clipboard.writeText(token);
      setCopied('yes');
    } catch {
      // Plain http is not a secure context: the clipboard API is missing there.
      field.current?.select();
      setCopied(document.execCommand('copy') ? 'yes' : 'no');
    }
  };

  if (token) {
    return (
      <Modal
        title={`Token ${name} created`}
        onClose={onClose}
        footer={
          <button type="button" class="btn btn-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <Banner tone="warn">
          <strong>Copy the token now.</strong> It is shown only this once; the gateway keeps only a hash of it.
        </Banner>
        <div class="secret">
          <input ref={field} readOnly value={token} aria-label="The new API token" class="mono" onFocus={(e) => e.currentTarget.select()} />
          <button type="button" class="btn" onClick={copy}>
            Copy
          </button>
        </div>
        {copied === 'yes' && (
          <p class="small" role="status">
            Copied to the clipboard.
          </p>
        )}
        {copied === 'no' && (
          <p class="small" role="status">
            The browser did not allow copying: select the token and copy it by hand.
          </p>
        )}
        <p class="small muted">
          Use it as <code>Authorization: Bearer {'<token>'}</code>; it acts with the {role} role.
        </p>
      </Modal>
    );
  }

  return (
    <Modal title="Create API token" onClose={onClose}>
      <form class="form" onSubmit={submit}>
        <FormField label="Token name" error={server.name} hint="Names what uses it, e.g. scada or grafana: 1-64 letters, digits, '.', '_' or '-'.">
          <input autocomplete="off" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} />
        </FormField>
        <FormField label="Role" error={server.role} hint={<RoleHint />}>
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <RoleOptions />
          </select>
        </FormField>
        <ErrorBanner error={error} title="The token could not be created" />
        <FormActions onCancel={onClose} busy={busy} label="Create token" busyLabel="Creating…" />
      </form>
    </Modal>
  );
}
