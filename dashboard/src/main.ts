import {
  currentEnvironment,
  EXPIRED_MESSAGE,
  type Environment,
  get,
  post,
  RequestFailed,
  setConnectionHandlers,
  setCsrfToken,
  PRODUCTION_WARNING,
  setEnvironment,
  setSignedIn,
} from './api.js';
import { installTableAccessibility } from './a11y.js';
import { accountPage } from './pages/account.js';
import { forgotPasswordPage, loginPage, setPasswordPage, setupPage } from './pages/auth.js';
import { balancePage } from './pages/balance.js';
import { bankFileDetailPage, bankFilesPage } from './pages/bank-files.js';
import { bankSettingsPage } from './pages/bank-settings.js';
import { emailDetailPage, emailsPage } from './pages/emails.js';
import { batchDetailPage, batchesPage } from './pages/batches.js';
import { necReportPage } from './pages/nec-report.js';
import { newBatchPage } from './pages/new-batch.js';
import { overviewPage } from './pages/overview.js';
import { payoutDetailPage } from './pages/payout-detail.js';
import { payoutsPage } from './pages/payouts.js';
import { recipientDetailPage } from './pages/recipient-detail.js';
import { recipientsPage } from './pages/recipients.js';
import { settingsPage } from './pages/settings.js';
import { taxFormsPage } from './pages/tax-forms.js';
import { transactionsPage } from './pages/transactions.js';
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
  // The landing page after sign-in for every role that may read payouts.
  { pattern: /^\/overview$/, mount: overviewPage, permission: 'payouts:read', nav: 'Overview' },
  { pattern: /^\/payouts\/new$/, mount: newBatchPage, permission: 'payouts:write' },
  { pattern: /^\/payouts\/([\w-]+)$/, mount: payoutDetailPage, permission: 'payouts:read' },
  { pattern: /^\/payouts$/, mount: payoutsPage, permission: 'payouts:read', nav: 'Payouts' },
  { pattern: /^\/batches\/([\w-]+)$/, mount: batchDetailPage, permission: 'payouts:read' },
  { pattern: /^\/batches$/, mount: batchesPage, permission: 'payouts:read', nav: 'Batches' },
  { pattern: /^\/recipients\/([\w-]+)$/, mount: recipientDetailPage, permission: 'recipients:read' },
  { pattern: /^\/recipients$/, mount: recipientsPage, permission: 'recipients:read', nav: 'Recipients' },
  // Like GET /emails: admins and managers (the roles that may write to recipients).
  { pattern: /^\/emails\/([\w-]+)$/, mount: emailDetailPage, permission: 'recipients:write' },
  { pattern: /^\/emails$/, mount: emailsPage, permission: 'recipients:write', nav: 'Emails' },
  // Admins, managers and accountants; never employees (the filing copy is admins' only).
  { pattern: /^\/tax-forms$/, mount: taxFormsPage, permission: 'tax_forms:read', nav: 'Tax forms' },
  { pattern: /^\/webhooks\/([\w-]+)$/, mount: webhookDetailPage, permission: 'webhooks:read' },
  { pattern: /^\/webhooks$/, mount: webhooksPage, permission: 'webhooks:read', nav: 'Webhooks' },
  { pattern: /^\/balance$/, mount: balancePage, permission: 'payouts:read', nav: 'Balance' },
  { pattern: /^\/transactions$/, mount: transactionsPage, permission: 'payouts:read' },
  // The ACH rail (production only; the pages say so in sandbox mode).
  { pattern: /^\/bank-files\/([\w-]+)$/, mount: bankFileDetailPage, permission: 'ach:read' },
  { pattern: /^\/bank-files$/, mount: bankFilesPage, permission: 'ach:read', nav: 'Bank files' },
  // Reached from Settings; the Settings entry of the nav stays lit beneath it.
  { pattern: /^\/settings\/bank$/, mount: bankSettingsPage, permission: 'ach:settings' },
  // The year-end report: the roles that see tax forms (never employees).
  { pattern: /^\/1099-nec$/, mount: necReportPage, permission: 'tax_forms:read', nav: '1099-NEC' },
  { pattern: /^\/users$/, mount: usersPage, permission: 'users:manage', nav: 'Users' },
  { pattern: /^\/settings$/, mount: settingsPage, permission: 'keys:manage', nav: 'Settings' },
  { pattern: /^\/account$/, mount: accountPage, permission: 'signed_in' },
];

const root = document.getElementById('app')!;
// lit renders beside existing nodes: drop the static "Loading…" first.
root.replaceChildren();
// The connection banner lives outside the app's root, so re-rendering a page never hides it.
const alerts = document.getElementById('alerts') ?? document.body.insertBefore(document.createElement('div'), root);
let session: Session | null = null;
let navOpen = false;
/** Where a user whose session expired was, to return there after signing in again. */
let returnTo: string | null = null;

const path = () => location.hash.replace(/^#/, '') || '/';
const navPath = (label: string) => `/${label.toLowerCase().replaceAll(' ', '-')}`;
// Paths that are not pages of a signed-in user: after sign-in they lead to the landing page.
const NOT_A_PAGE = /^\/($|set-password|forgot-password)/;

function switchEnvironment(next: Environment) {
  if (next === currentEnvironment()) return;
  // Production moves real money: say so before the switch, not after.
  if (next === 'production' && !confirm(PRODUCTION_WARNING)) return;
  setEnvironment(next);
  route();
}

function shell(content: HTMLElement) {
  const can = (p: string) => session!.permissions.includes(p);
  const current = path();
  const environment = currentEnvironment();
  const live = environment === 'production';
  const toggleNav = () => {
    navOpen = !navOpen;
    route();
  };
  const skipToMain = (event: Event) => {
    // A plain #main link would change the hash route: move the focus instead.
    event.preventDefault();
    root.querySelector<HTMLElement>('main')?.focus();
  };
  render(
    html`
      <a class="skip-link" href="#main-content" @click=${skipToMain}>Skip to main content</a>
      ${
        live
          ? html`<div class="live-banner" data-testid="live-banner">Production — live: changes here move real money</div>`
          : html`<div class="sandbox-banner" data-testid="sandbox-banner">Sandbox — test data only, no real money moves</div>`
      }
      <header class="topbar ${live ? 'production' : ''}">
        <button class="menu-button" aria-expanded=${navOpen ? 'true' : 'false'} aria-controls="site-nav" @click=${toggleNav} data-testid="menu-button">
          <span aria-hidden="true">☰</span> Menu
        </button>
        <a class="brand" href="#/overview">Payouts</a>
        ${live ? html`<span class="live-marker" data-testid="live-marker" title="Production: real money">LIVE</span>` : nothing}
        <div class="env-switch" role="group" aria-label="Environment">
          <button class=${environment === 'sandbox' ? 'active' : ''} @click=${() => switchEnvironment('sandbox')} aria-pressed=${environment === 'sandbox' ? 'true' : 'false'}>Sandbox</button>
          <button class=${live ? 'active live' : ''} @click=${() => switchEnvironment('production')} aria-pressed=${live ? 'true' : 'false'}>Production</button>
        </div>
        <span class="spacer"></span>
        <span class="muted user-name">${session!.user.email} · ${session!.user.role}</span>
        <a class="link" href="#/account" data-testid="account-link">Change password</a>
        <button class="link" @click=${signOut}>Sign out</button>
      </header>
      <div class="layout">
        <nav class="sidebar ${navOpen ? 'open' : ''}" id="site-nav" aria-label="Pages">
          ${ROUTES.filter((r) => r.nav && can(r.permission)).map((r) => {
            const active = current.startsWith(navPath(r.nav!));
            return html`<a href="#${navPath(r.nav!)}" class=${active ? 'active' : ''} aria-current=${active ? 'page' : nothing}>${r.nav}</a>`;
          })}
        </nav>
        <main class="content" id="main-content" tabindex="-1"></main>
      </div>
    `,
    root,
  );
  const main = root.querySelector('main')!;
  main.replaceChildren(content);
}

async function signOut() {
  setSignedIn(false);
  await post('/auth/logout').catch(() => {});
  session = null;
  returnTo = null;
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
  // A list keeps its filters and page in the hash query (list.ts): routes match the path alone.
  let current = path().split('?')[0]!;
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

/**
 * After sign-in (`fresh`), land on the page the user was on when the session expired, or on the
 * page the address names, or else the first page; on reload, stay where the URL says.
 */
export async function startSession(next: Session, fresh = true) {
  session = next;
  setCsrfToken(next.csrfToken);
  setSignedIn(true);
  if (fresh) {
    const target = returnTo ?? location.hash;
    returnTo = null;
    history.replaceState(null, '', NOT_A_PAGE.test(target.replace(/^#/, '') || '/') ? '#/' : target);
  }
  route();
}

/** Any request answered 401 while signed in: sign in again, then back to this page. */
function sessionExpired() {
  if (!session) return;
  session = null;
  navOpen = false;
  returnTo = location.hash;
  loginPage(root, startSession, EXPIRED_MESSAGE);
}

/** No answer from the server: one banner, whose Retry runs the page (or the start-up) again. */
function serverUnreachable() {
  const retry = () => {
    render(nothing, alerts);
    if (session) route();
    else void boot();
  };
  render(
    html`<div class="connection-banner" role="alert" data-testid="connection-banner">
      <span>The server could not be reached. Check your connection; your last change may not have been saved.</span>
      <button class="primary" @click=${retry}>Retry</button>
    </div>`,
    alerts,
  );
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
    // The banner (with its Retry) is already up when no answer came; anything else is said here.
    if (!(error instanceof RequestFailed && error.error.code === 'unreachable')) {
      render(html`<div class="error" role="alert">The dashboard could not start: ${error instanceof Error ? error.message : String(error)}</div>`, root);
    }
  }
}

setConnectionHandlers({ sessionExpired, unreachable: serverUnreachable });
installTableAccessibility(root);
window.addEventListener('hashchange', () => {
  // Following a link closes the phone menu.
  navOpen = false;
  route();
});
void boot();
