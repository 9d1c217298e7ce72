/**
 * The shell: asks the gateway who we are (first-run setup, sign-in, or a
 * session), then shows the top bar, the navigation and the page the hash
 * route names. A page that crashes shows its error, never a blank screen.
 */
import { useCallback, useEffect, useErrorBoundary, useRef, useState } from 'preact/hooks';
import { api, can, setUnauthorizedHandler, type User } from './api.ts';
import { Banner, ErrorBanner, errorMessage, fieldErrors } from './components/error-banner.tsx';
import { FormActions } from './components/form-field.tsx';
import type { GatewayStatus, NorthboundConfig } from './components/gateway-types.ts';
import { Modal } from './components/modal.tsx';
import { EmptyState, Loading } from './components/page-header.tsx';
import { MIN_PASSWORD_LENGTH, PasswordField } from './components/password-field.tsx';
import { navigate, type Route, useRoute } from './components/route.ts';
import { type Session, SessionContext } from './components/session.ts';
import { NorthboundBadge } from './components/status-badge.tsx';
import { AuditPage } from './pages/audit.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { CertificatesPage, DeviceEditPage, DevicesPage } from './pages/devices/index.tsx';
import { LoginPage } from './pages/login.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SetupPage } from './pages/setup.tsx';
import { TemplateEditPage, TemplatesPage } from './pages/templates/templates.tsx';
import { UsersPage } from './pages/users.tsx';
import { ValuesPage } from './pages/values.tsx';

interface AuthState {
  setupRequired: boolean;
  user?: User;
}

export function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<AuthState>();
  const [startError, setStartError] = useState<unknown>();
  /** Why the login page is showing (the session ended, or the user signed out). */
  const [signedOut, setSignedOut] = useState<'expired' | 'signed-out'>();

  const loadState = useCallback(async () => {
    setStartError(undefined);
    try {
      setAuth(await api<AuthState>('GET', '/api/v1/auth/state'));
    } catch (err) {
      setStartError(err);
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSignedOut('expired');
      setAuth((a) => (a?.user ? { setupRequired: false } : a));
    });
    void loadState();
  }, [loadState]);

  const signedIn = (user: User) => {
    setSignedOut(undefined);
    setAuth({ setupRequired: false, user });
    if (route.parts[0] === 'login' || route.parts[0] === 'setup') navigate('/', true);
  };

  if (!auth) {
    return (
      <div class="center-page">
        {startError ? (
          <div class="card narrow">
            <h1>Plexus</h1>
            <ErrorBanner error={startError} title="The gateway did not answer" />
            <button type="button" class="btn btn-primary" onClick={loadState}>
              Try again
            </button>
          </div>
        ) : (
          <Loading what="Connecting to the gateway" />
        )}
      </div>
    );
  }
  if (auth.setupRequired) return <SetupPage token={route.parts[0] === 'setup' ? (route.query.get('token') ?? undefined) : undefined} onDone={signedIn} />;
  if (!auth.user) return <LoginPage reason={signedOut} onLogin={signedIn} />;
  return (
    <Shell
      user={auth.user}
      route={route}
      onUserChanged={(user) => setAuth({ setupRequired: false, user })}
      onSignedOut={() => {
        setSignedOut('signed-out');
        setAuth({ setupRequired: false });
        navigate('/login', true);
      }}
    />
  );
}

const NAV: { path: string; label: string; role?: 'admin' }[] = [
  { path: '', label: 'Dashboard' },
  { path: 'values', label: 'Values' },
  { path: 'devices', label: 'Devices' },
  { path: 'templates', label: 'Templates' },
  { path: 'audit', label: 'Audit' },
  { path: 'users', label: 'Users', role: 'admin' },
  { path: 'settings', label: 'Settings' },
];

function Shell({ user, route, onSignedOut, onUserChanged }: { user: User; route: Route; onSignedOut: () => void; onUserChanged: (u: User) => void }) {
  const [status, setStatus] = useState<GatewayStatus>();
  const [node, setNode] = useState<string>();

  const refreshStatus = useCallback(async () => {
    try {
      setStatus(await api<GatewayStatus>('GET', '/api/v1/status'));
    } catch {
      // The pages show their own errors; the top bar keeps the last status.
    }
  }, []);

  useEffect(() => {
    void refreshStatus();
    const t = setInterval(() => {
      if (!document.hidden) void refreshStatus();
    }, 5000);
    return () => clearInterval(t);
  }, [refreshStatus]);

  // An admin may have changed this user's role meanwhile: what the pages offer follows the gateway's answer.
  const current = status?.user;
  useEffect(() => {
    if (current && current.name === user.name && current.role !== user.role) onUserChanged({ name: current.name, role: current.role });
  }, [current, user, onUserChanged]);

  // The status names the edge node; a gateway that does not gets asked for its northbound settings.
  const statusNode = status?.edgeNode && `${status.edgeNode.groupId} / ${status.edgeNode.edgeNodeId}`;
  const needConfig = status !== undefined && !statusNode;
  useEffect(() => {
    if (!needConfig) return;
    api<NorthboundConfig>('GET', '/api/v1/config/northbound')
      .then((nb) => setNode(`${nb.groupId} / ${nb.edgeNodeId}`))
      .catch(() => setNode(undefined));
  }, [needConfig]);
  const nodeName = statusNode ?? node;

  const session: Session = { user, status, refreshStatus };
  const section = route.parts[0] ?? '';
  return (
    <SessionContext.Provider value={session}>
      <button type="button" class="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href="#/" aria-label="Plexus dashboard">
          <span class="brand-mark" aria-hidden="true">
            ◆
          </span>
          Plexus
        </a>
        {nodeName && (
          <span class="node-name" title="Sparkplug group / edge node">
            {nodeName}
          </span>
        )}
        {status && (
          <span class="topbar-status" title={status.northbound.broker ? `MQTT ${status.northbound.broker}` : 'MQTT session'}>
            <span class="muted topbar-label">MQTT</span> <NorthboundBadge state={status.northbound.state} />
          </span>
        )}
        {status?.readOnly && (
          <span class="badge badge-warn" title="Every write is refused">
            <span class="badge-dot" aria-hidden="true" />
            read-only
          </span>
        )}
        <span class="topbar-spacer" />
        <UserMenu user={user} onSignedOut={onSignedOut} />
      </header>
      <nav class="mainnav" aria-label="Main">
        {NAV.filter((n) => !n.role || can(user, n.role)).map((n) => (
          <a key={n.path} href={`#/${n.path}`} aria-current={section === n.path || (n.path === 'devices' && section === 'certificates') ? 'page' : undefined}>
            {n.label}
          </a>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={route.path}>
          <Page user={user} route={route} />
        </PageBoundary>
      </main>
    </SessionContext.Provider>
  );
}

function Page({ user, route }: { user: User; route: Route }) {
  const [section, name] = route.parts;
  switch (section) {
    case undefined:
      return <DashboardPage user={user} />;
    case 'devices':
      if (name === 'new') return <DeviceEditPage user={user} />;
      return name === undefined ? <DevicesPage user={user} /> : <DeviceEditPage user={user} name={name} />;
    case 'certificates':
      return <CertificatesPage user={user} />;
    case 'templates':
      if (name === 'new') return <TemplateEditPage user={user} />;
      return name === undefined ? <TemplatesPage user={user} /> : <TemplateEditPage user={user} name={name} />;
    case 'values':
      return <ValuesPage user={user} device={name} />;
    case 'audit':
      return <AuditPage user={user} tab={route.query.get('tab') ?? undefined} />;
    case 'users':
      return <UsersPage user={user} />;
    case 'settings':
      return <SettingsPage user={user} />;
    case 'login':
    case 'setup':
      return <Redirect to="/" />;
    default:
      return (
        <EmptyState title={`There is no page "${route.path}"`}>
          <p>
            Go to the <a href="#/">dashboard</a>.
          </p>
        </EmptyState>
      );
  }
}

/** Signed in already: the login and setup links lead to the dashboard. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

/** Catches a page's rendering error and shows it in place of the page. */
function PageBoundary({ children }: { children: preact.ComponentChildren }) {
  const [error, reset] = useErrorBoundary();
  if (error) {
    return (
      <div class="card">
        <ErrorBanner error={error} title="This page failed" />
        <p>
          <button type="button" class="btn" onClick={reset}>
            Show the page again
          </button>{' '}
          or go to the <a href="#/">dashboard</a>.
        </p>
      </div>
    );
  }
  return <>{children}</>;
}

function UserMenu({ user, onSignedOut }: { user: User; onSignedOut: () => void }) {
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const [error, setError] = useState<unknown>();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const outside = (e: Event) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        (ref.current?.querySelector('button') as HTMLButtonElement | null)?.focus();
      }
    };
    document.addEventListener('mousedown', outside);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', outside);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  const signOut = async () => {
    setError(undefined);
    try {
      await api('POST', '/api/v1/auth/logout');
      onSignedOut();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <div class="usermenu" ref={ref}>
      <button type="button" class="btn btn-ghost usermenu-button" aria-expanded={open} aria-controls="usermenu-panel" onClick={() => setOpen(!open)}>
        <span class="avatar" aria-hidden="true">
          {user.name.slice(0, 1).toUpperCase()}
        </span>
        <span class="usermenu-name">{user.name}</span>
        <span class="muted usermenu-role">{user.role}</span>
      </button>
      {open && (
        <div class="usermenu-panel" id="usermenu-panel">
          <p class="usermenu-who">
            Signed in as <strong>{user.name}</strong> ({user.role})
          </p>
          <button
            type="button"
            class="menu-item"
            onClick={() => {
              setOpen(false);
              setChanging(true);
            }}
          >
            Change password
          </button>
          <button type="button" class="menu-item" onClick={signOut}>
            Sign out
          </button>
          {error !== undefined && (
            <p class="field-error" role="alert">
              {errorMessage(error)}
            </p>
          )}
        </div>
      )}
      {changing && <ChangePasswordDialog onClose={() => setChanging(false)} />}
    </div>
  );
}

function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [tried, setTried] = useState(false);

  const local = {
    password: password.length < MIN_PASSWORD_LENGTH ? `at least ${MIN_PASSWORD_LENGTH} characters` : undefined,
    repeat: repeat !== password ? 'the two new passwords differ' : undefined,
  };
  const server = fieldErrors(error);

  const submit = async (e: Event) => {
    e.preventDefault();
    setTried(true);
    if (local.password || local.repeat) return;
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', '/api/v1/auth/password', { current, password });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <Modal
        title="Change password"
        onClose={onClose}
        footer={
          <button type="button" class="btn btn-primary" onClick={onClose}>
            Close
          </button>
        }
      >
        <Banner tone="good">Your password is changed. Other sessions of yours stay signed in until they expire.</Banner>
      </Modal>
    );
  }
  return (
    <Modal title="Change password" onClose={onClose}>
      <form onSubmit={submit} class="form">
        <PasswordField kind="current" label="Current password" value={current} onInput={setCurrent} error={server.current} />
        <PasswordField kind="new" label="New password" value={password} onInput={setPassword} error={(tried && local.password) || server.password} />
        <PasswordField kind="repeat" label="Repeat the new password" value={repeat} onInput={setRepeat} error={tried ? local.repeat : undefined} />
        <ErrorBanner error={error} />
        <FormActions onCancel={onClose} busy={busy} label="Change password" busyLabel="Saving…" />
      </form>
    </Modal>
  );
}
