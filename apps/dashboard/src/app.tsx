import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, request, session, UNAUTHORIZED } from './api-client';
import { AppContext, type AppState } from './app-context';
import type { ApiKey } from './api-types';
import { href, PAGES, useRoute } from './router';
import { type RangeChoice, viewerTimeZone } from './time-range';
import { ExecutionPage } from './pages/execution.page';
import { ExecutionsPage } from './pages/executions.page';
import { OperationsPage } from './pages/operations.page';
import { OverviewPage } from './pages/overview.page';
import { PricingPage } from './pages/pricing.page';
import { ReconciliationPage } from './pages/reconciliation.page';
import { SessionPage } from './pages/session.page';
import { UnpricedPage } from './pages/unpriced.page';
import { Page, PageBoundary } from './ui';

const LABELS: Record<(typeof PAGES)[number], string> = {
  overview: 'Overview',
  executions: 'Executions',
  pricing: 'Pricing',
  unpriced: 'Unpriced',
  reconciliation: 'Reconciliation',
  operations: 'Operations',
};
const ADMIN_ONLY = new Set(['pricing', 'operations']);
const RANGE = 'ledger.range';

interface Identity {
  isAdmin: boolean;
  /** A workspace key's own workspace, as its answers name it. */
  ownWorkspace: string | null;
}

/** Which key this is: the admin key may list keys; a workspace key is refused (403) and names its workspace in a summary. */
async function identify(key: string): Promise<Identity> {
  try {
    await request('GET', '/v1/admin/api-keys', { query: { limit: 1 }, key });
    return { isAdmin: true, ownWorkspace: null };
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
  }
  const { body } = await request<{ data: { workspaceId: string } }>('GET', '/v1/cost/summary', { key, query: { from: new Date().toISOString(), to: new Date().toISOString() } });
  return { isAdmin: false, ownWorkspace: body.data.workspaceId };
}

const MAX_PAGES = 20;

/**
 * The workspaces the admin key can pick: `GET /v1/admin/workspaces` (most recently active first), or, on a server
 * without it, those any key was issued for.
 */
async function knownWorkspaces(): Promise<string[]> {
  let cursor: string | null = null;
  try {
    const found: string[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const data: { workspaces: Array<{ workspace_id: string }>; next_cursor: string | null } = (await request<{ data: { workspaces: Array<{ workspace_id: string }>; next_cursor: string | null } }>('GET', '/v1/admin/workspaces', { query: { limit: 1000, cursor } })).body.data;
      found.push(...data.workspaces.map((w) => w.workspace_id));
      cursor = data.next_cursor;
      if (!cursor) break;
    }
    return found;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  const seen = new Set<string>();
  cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res: { data: ApiKey[]; next_cursor: string | null } = (await request<{ data: ApiKey[]; next_cursor: string | null }>('GET', '/v1/admin/api-keys', { query: { limit: 200, cursor } })).body;
    res.data.forEach((k) => seen.add(k.workspace_id));
    cursor = res.next_cursor;
    if (!cursor) break;
  }
  return [...seen].sort();
}

function SignIn({ onSignedIn, notice }: { onSignedIn: (key: string, who: Identity) => void; notice: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(key.trim(), await identify(key.trim()));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That key is not valid.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <form onSubmit={submit} class="panel">
        <h1>Cost Ledger</h1>
        <p>Paste an API key: a workspace key, or the admin key (printed by <code>npm start</code>). It stays in this tab only.</p>
        <label for="signin-key">API key</label>
        <input
          id="signin-key"
          data-testid="signin-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <button type="submit" data-testid="signin-submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p class="problem" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function WorkspacePicker({ app }: { app: AppState }) {
  const { principal } = app;
  if (!principal.isAdmin) return <span class="workspace-own" title="The workspace of this key">{principal.workspace}</span>;
  const options = principal.workspace && !principal.workspaces.includes(principal.workspace) ? [principal.workspace, ...principal.workspaces] : principal.workspaces;
  return (
    <div class="workspace-picker">
      <label for="workspace-select">Workspace</label>
      <select
        id="workspace-select"
        data-testid="workspace-select"
        value={principal.workspace ?? ''}
        onChange={(e) => principal.setWorkspace((e.target as HTMLSelectElement).value || null)}
      >
        <option value="">(choose)</option>
        {options.map((w) => (
          <option key={w} value={w}>
            {w}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A workspace no key names yet (usage sent with a key since revoked, say) can still be opened by its id. */
function OtherWorkspace({ app }: { app: AppState }) {
  const [id, setId] = useState('');
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (id.trim()) app.principal.setWorkspace(id.trim());
      }}
    >
      <label for="other-workspace">Another workspace id</label>
      <input id="other-workspace" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} />
      <button type="submit">Open</button>
    </form>
  );
}

function Shell({ app }: { app: AppState }) {
  const route = useRoute();
  const { principal } = app;
  useEffect(() => {
    // Moves focus to the new page's heading, so a screen reader announces the page a link opened.
    requestAnimationFrame(() => document.getElementById('page-title')?.focus({ preventScroll: true }));
  }, [route.page, route.id]);
  const active = route.page === 'execution' || route.page === 'session' ? 'executions' : route.page;
  const needsWorkspace = !['pricing', 'operations', 'unpriced'].includes(route.page) && !principal.workspace;
  let content;
  if (ADMIN_ONLY.has(route.page) && !principal.isAdmin) {
    content = (
      <Page title={LABELS[route.page as 'pricing']}>
        <p>This page needs the admin key.</p>
      </Page>
    );
  } else if (needsWorkspace) {
    content = (
      <Page title="Pick a workspace">
        <p>The admin key reads every workspace: choose one.</p>
        <ul>
          {principal.workspaces.map((w) => (
            <li key={w}>
              <button type="button" class="link" onClick={() => principal.setWorkspace(w)}>
                {w}
              </button>
            </li>
          ))}
        </ul>
        <OtherWorkspace app={app} />
      </Page>
    );
  } else {
    switch (route.page) {
      case 'overview': content = <OverviewPage />; break;
      case 'executions': content = <ExecutionsPage />; break;
      case 'execution': content = <ExecutionPage id={route.id!} />; break;
      case 'session': content = <SessionPage id={route.id!} />; break;
      case 'pricing': content = <PricingPage />; break;
      case 'unpriced': content = <UnpricedPage />; break;
      case 'reconciliation': content = <ReconciliationPage />; break;
      case 'operations': content = <OperationsPage />; break;
      default: content = <Page title="Not found"><p>No such page. <a href={href.page('overview')}>Go to the overview</a>.</p></Page>;
    }
  }
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('page-title')?.focus(); }}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href.page('overview')}>Cost Ledger</a>
        <nav aria-label="Pages" class="nav">
          <ul>
            {PAGES.filter((p) => principal.isAdmin || !ADMIN_ONLY.has(p)).map((p) => (
              <li key={p}>
                <a href={href.page(p)} data-testid={`nav-${p}`} aria-current={active === p ? 'page' : undefined}>
                  {LABELS[p]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <WorkspacePicker app={app} />
          <span class="role">{principal.isAdmin ? 'admin' : 'workspace key'}</span>
          <button type="button" class="quiet" onClick={principal.signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <PageBoundary resetKey={`${route.page}/${route.id ?? ''}/${principal.workspace ?? ''}`}>{content}</PageBoundary>
      </main>
    </>
  );
}

function loadRange(): RangeChoice {
  try {
    const saved = JSON.parse(sessionStorage.getItem(RANGE) ?? 'null') as RangeChoice | null;
    if (saved?.tz) return saved;
  } catch {
    /* a bad saved range is forgotten */
  }
  return { preset: '7d', customFrom: '', customTo: '', tz: viewerTimeZone() };
}

export function App() {
  const [key, setKey] = useState(session.key());
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [identifyError, setIdentifyError] = useState<string | null>(null);
  const [workspace, setWorkspaceState] = useState<string | null>(session.workspace());
  const [workspaces, setWorkspaces] = useState<string[]>([]);
  const [range, setRangeState] = useState<RangeChoice>(loadRange);

  useEffect(() => {
    // A reload keeps the key (sessionStorage) but must learn again what it is.
    if (key && !identity) identify(key).then(setIdentity, (e: Error) => setIdentifyError(e.message));
  }, [key, identity]);

  const reloadWorkspaces = useCallback(() => {
    if (identity?.isAdmin) knownWorkspaces().then(setWorkspaces, () => setWorkspaces([]));
  }, [identity]);
  useEffect(reloadWorkspaces, [reloadWorkspaces]);

  const signOut = useCallback(() => {
    session.signOut();
    setKey(null);
    setIdentity(null);
    setWorkspaceState(null);
    location.hash = '#/overview';
  }, []);

  useEffect(() => {
    const onUnauthorized = (e: Event) => {
      session.signOut();
      setKey(null);
      setIdentity(null);
      setIdentifyError(`Signed out: ${(e as CustomEvent<string>).detail}`);
    };
    addEventListener(UNAUTHORIZED, onUnauthorized);
    return () => removeEventListener(UNAUTHORIZED, onUnauthorized);
  }, []);

  const app = useMemo<AppState | null>(() => {
    if (!identity) return null;
    return {
      principal: {
        isAdmin: identity.isAdmin,
        workspace: identity.isAdmin ? workspace : identity.ownWorkspace,
        setWorkspace: (id) => {
          session.setWorkspace(id);
          setWorkspaceState(id);
        },
        workspaces,
        reloadWorkspaces,
        signOut,
      },
      range,
      setRange: (r) => {
        sessionStorage.setItem(RANGE, JSON.stringify(r));
        setRangeState(r);
      },
    };
  }, [identity, workspace, workspaces, range, reloadWorkspaces, signOut]);

  useEffect(() => {
    // The admin key's first sign-in lands on the only workspace there is, or on the first one.
    if (identity?.isAdmin && !workspace && workspaces.length) app?.principal.setWorkspace(workspaces[0]);
  }, [identity, workspace, workspaces, app]);

  if (!key || identifyError) {
    return (
      <SignIn
        notice={identifyError}
        onSignedIn={(k, who) => {
          session.signIn(k);
          setIdentifyError(null);
          setKey(k);
          setIdentity(who);
          if (!location.hash) location.hash = '#/overview';
        }}
      />
    );
  }
  if (!app) return <p class="loading" role="status">Signing in…</p>;
  return (
    <AppContext.Provider value={app}>
      <Shell app={app} />
    </AppContext.Provider>
  );
}

