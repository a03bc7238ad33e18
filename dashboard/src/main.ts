import { currentEnvironment, get, post, RequestFailed, setCsrfToken, setEnvironment, type Environment } from './api.js';
import { accountPage } from './pages/account.js';
import { forgotPasswordPage, loginPage, setPasswordPage, setupPage } from './pages/auth.js';
import { balancePage } from './pages/balance.js';
import { bankFileDetailPage, bankFilesPage } from './pages/bank-files.js';
import { bankSettingsPage } from './pages/bank-settings.js';
import { emailDetailPage, emailsPage } from './pages/emails.js';
import { batchDetailPage, batchesPage } from './pages/batches.js';
import { newBatchPage } from './pages/new-batch.js';
import { payoutDetailPage } from './pages/payout-detail.js';
import { payoutsPage } from './pages/payouts.js';
import { recipientDetailPage } from './pages/recipient-detail.js';
import { recipientsPage } from './pages/recipients.js';
import { settingsPage } from './pages/settings.js';
import { usersPage } from './pages/users.js';
import { webhookDetailPage, webhooksPage } from './pages/webhooks.js';
import { html, nothing, render } from './ui.js';

export interface Session {
  user: { id: string; email: string; role: string };
  permissions: string[];
  csrfToken: string;
}

export interface PageContext {
  session: Session;
  params: string[];
  can: (permission: string) => boolean;
}

type Mount = (el: HTMLElement, ctx: PageContext) => void;

// Hash routes, so dashboard paths never collide with the API's (/payments, /recipients, ...).
// A nav entry links to its label in lower case, spaces as dashes ("Bank files" → #/bank-files).
const ROUTES: { pattern: RegExp; mount: Mount; permission: string; nav?: string }[] = [
  { pattern: /^\/payouts\/new$/, mount: newBatchPage, permission: 'payouts:write' },
  { pattern: /^\/payouts\/([\w-]+)$/, mount: payoutDetailPage, permission: 'payouts:read' },
  { pattern: /^\/payouts$/, mount: payoutsPage, permission: 'payouts:read', nav: 'Payouts' },
  { pattern: /^\/batches\/([\w-]+)$/, mount: batchDetailPage, permission: 'payouts:read' },
  { pattern: /^\/batches$/, mount: batchesPage, permission: 'payouts:read', nav: 'Batches' },
  { pattern: /^\/recipients\/([\w-]+)$/, mount: recipientDetailPage, permission: 'recipients:read' },
  { pattern: /^\/recipients$/, mount: recipientsPage, permission: 'recipients:read', nav: 'Recipients' },
  // Like GET /emails: admins and managers (the roles that may write to recipients).
  { pattern: /^\/emails\/([\w-]+)$/, mount: emailDetailPage, permission: 'recipients:write' },
  { pattern: /^\/emails(?:\?recipientId=([\w-]+))?$/, mount: emailsPage, permission: 'recipients:write', nav: 'Emails' },
  { pattern: /^\/webhooks\/([\w-]+)$/, mount: webhookDetailPage, permission: 'webhooks:read' },
  { pattern: /^\/webhooks$/, mount: webhooksPage, permission: 'webhooks:read', nav: 'Webhooks' },
  { pattern: /^\/balance$/, mount: balancePage, permission: 'payouts:read', nav: 'Balance' },
  // The ACH rail (production only; the pages say so in sandbox mode).
  { pattern: /^\/bank-files\/([\w-]+)$/, mount: bankFileDetailPage, permission: 'ach:read' },
  { pattern: /^\/bank-files$/, mount: bankFilesPage, permission: 'ach:read', nav: 'Bank files' },
  // Reached from Settings; the Settings entry of the nav stays lit beneath it.
  { pattern: /^\/settings\/bank$/, mount: bankSettingsPage, permission: 'ach:settings' },
  { pattern: /^\/users$/, mount: usersPage, permission: 'users:manage', nav: 'Users' },
  { pattern: /^\/settings$/, mount: settingsPage, permission: 'keys:manage', nav: 'Settings' },
  { pattern: /^\/account$/, mount: accountPage, permission: 'signed_in' },
];

const root = document.getElementById('app')!;
// lit renders beside existing nodes: drop the static "Loading…" first.
root.replaceChildren();
let session: Session | null = null;

const path = () => location.hash.replace(/^#/, '') || '/';
const navPath = (label: string) => `/${label.toLowerCase().replaceAll(' ', '-')}`;

function shell(content: HTMLElement) {
  const can = (p: string) => session!.permissions.includes(p);
  const current = path();
  const environment = currentEnvironment();
  const switchTo = (next: Environment) => {
    setEnvironment(next);
    route();
  };
  render(
    html`
      ${environment === 'sandbox' ? html`<div class="sandbox-banner" data-testid="sandbox-banner">Sandbox — test data only, no real money moves</div>` : nothing}
      <header class="topbar">
        <a class="brand" href="#/payouts">Payouts</a>
        <div class="env-switch" role="group" aria-label="Environment">
          <button class=${environment === 'sandbox' ? 'active' : ''} @click=${() => switchTo('sandbox')} aria-pressed=${environment === 'sandbox'}>Sandbox</button>
          <button class=${environment === 'production' ? 'active' : ''} @click=${() => switchTo('production')} aria-pressed=${environment === 'production'}>Production</button>
        </div>
        <span class="spacer"></span>
        <span class="muted">${session!.user.email} · ${session!.user.role}</span>
        <a class="link" href="#/account" data-testid="account-link">Change password</a>
        <button class="link" @click=${signOut}>Sign out</button>
      </header>
      <div class="layout">
        <nav class="sidebar">
          ${ROUTES.filter((r) => r.nav && can(r.permission)).map(
            (r) => html`<a href="#${navPath(r.nav!)}" class=${current.startsWith(navPath(r.nav!)) ? 'active' : ''}>${r.nav}</a>`,
          )}
        </nav>
        <main class="content"></main>
      </div>
    `,
    root,
  );
  const main = root.querySelector('main')!;
  main.replaceChildren(content);
}

async function signOut() {
  await post('/auth/logout').catch(() => {});
  session = null;
  location.hash = '#/';
  await boot();
}

function route() {
  // An emailed link opens its page even in a tab that is signed in (as someone else, perhaps).
  if (path().startsWith('/set-password')) {
    signedOutPage();
    return;
  }
  if (!session) {
    // Signed out: only the sign-in page and the password pages exist.
    if (!signedOutPage()) loginPage(root, startSession);
    return;
  }
  const can = (p: string) => session!.permissions.includes(p);
  let current = path();
  if (current === '/' || current === '') {
    const first = ROUTES.find((r) => r.nav && can(r.permission));
    current = first ? navPath(first.nav!) : '/none';
  }
  const content = document.createElement('div');
  content.className = 'page';
  shell(content);
  for (const r of ROUTES) {
    const match = r.pattern.exec(current);
    if (!match) continue;
    if (!can(r.permission)) {
      render(
        html`<div class="error" role="alert" data-testid="forbidden">Your role (${session.user.role}) does not allow this page. Ask an admin of your organization.</div>`,
        content,
      );
      return;
    }
    r.mount(content, { session, params: match.slice(1), can });
    return;
  }
  render(html`<div class="empty">${current === '/none' ? 'Your role has no pages yet. Ask an admin for access.' : 'Nothing here.'}</div>`, content);
}

/** After sign-in (`fresh`), land on the user's first page; on reload, stay where the URL says. */
export async function startSession(next: Session, fresh = true) {
  session = next;
  setCsrfToken(next.csrfToken);
  if (fresh) history.replaceState(null, '', '#/');
  route();
}

/** The pages reached without a session: from an emailed link, or "Forgot password?". */
function signedOutPage(): boolean {
  const current = path();
  if (current.startsWith('/set-password')) {
    const token = new URLSearchParams(current.split('?')[1] ?? '').get('token') ?? '';
    // The token is a secret: keep it out of the address bar and history from now on.
    history.replaceState(null, '', `${location.pathname}#/set-password`);
    setPasswordPage(root, startSession, token);
    return true;
  }
  if (current === '/forgot-password') {
    forgotPasswordPage(root);
    return true;
  }
  return false;
}

async function boot() {
  if (signedOutPage()) return;
  try {
    const { data } = await get<{ data: { needsSetup: boolean } }>('/auth/setup');
    if (data.needsSetup) return setupPage(root, startSession);
    const current = await get<{ data: Session }>('/auth/session');
    await startSession(current.data, false);
  } catch (error) {
    if (error instanceof RequestFailed && error.error.status === 401) return loginPage(root, startSession);
    render(html`<div class="error">The server could not be reached. Reload to try again.</div>`, root);
  }
}

window.addEventListener('hashchange', route);
void boot();
