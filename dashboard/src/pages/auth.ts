import { post } from '../api.js';
import type { Session } from '../main.js';
import { errorBox, formValues, html, nothing, render } from '../ui.js';

type Start = (session: Session) => Promise<void>;

interface FormOptions {
  title: string;
  intro: string;
  submit: string;
  path: string;
  testid: string;
  start: Start;
  minLength?: number;
  /** Setup only: the one-time token from the server's log; undefined shows a field to paste it. */
  setupToken?: string | null;
  /** Sign-in only: the "Forgot password?" link under the form. */
  forgotLink?: boolean;
  /** Why the user is asked to sign in (an expired session), shown above the form. */
  notice?: string;
}

function credentialsForm(root: HTMLElement, opts: FormOptions) {
  let error: unknown = null;
  let busy = false;
  const asksToken = opts.setupToken !== undefined;
  const tokenField = () => {
    if (!asksToken) return nothing;
    if (opts.setupToken) return html`<p class="muted" data-testid="setup-token-from-link">Using the setup token from the link the server printed.</p>`;
    return html`<label>Setup token <input name="setupToken" required autocomplete="off" spellcheck="false" /></label>
      <p class="muted">The server prints it in its log at start, in a line beginning “First run: open …?setup=”. Open that link, or paste the part after <code>setup=</code> here.</p>`;
  };
  const draw = () =>
    render(
      html`<div class="auth-card" data-testid=${opts.testid}>
        <h1>${opts.title}</h1>
        ${opts.notice && !error ? html`<p class="warn-banner" role="alert" data-testid="sign-in-notice">${opts.notice}</p>` : nothing}
        <p class="muted">${opts.intro}</p>
        ${errorBox(error)}
        <form @submit=${onSubmit}>
          ${tokenField()}
          <label>Email <input name="email" type="email" autocomplete="username" required ?autofocus=${!asksToken || !!opts.setupToken} /></label>
          <label>Password <input name="password" type="password" autocomplete=${opts.minLength ? 'new-password' : 'current-password'} required minlength=${opts.minLength ?? 1} /></label>
          <button type="submit" class="primary" ?disabled=${busy}>${busy ? 'Please wait…' : opts.submit}</button>
        </form>
        ${opts.forgotLink ? html`<p><a class="link" href="#/forgot-password" data-testid="forgot-link">Forgot password?</a></p>` : nothing}
      </div>`,
      root,
    );
  async function onSubmit(event: Event) {
    event.preventDefault();
    busy = true;
    error = null;
    draw();
    try {
      const values = formValues(event.target as HTMLFormElement);
      const body = asksToken
        ? { email: values.email, password: values.password, setupToken: opts.setupToken || values.setupToken?.trim() }
        : { email: values.email, password: values.password };
      const { data } = await post<{ data: Session }>(opts.path, body);
      // The token is spent: drop it from the address bar (and from the history entry).
      if (asksToken) history.replaceState(null, '', location.pathname);
      await opts.start(data);
    } catch (failure) {
      error = failure;
      busy = false;
      draw();
    }
  }
  draw();
}

export const setupPage = (root: HTMLElement, start: Start) =>
  credentialsForm(root, {
    title: 'Create the first admin',
    intro: 'Welcome. This installation has no users yet: the account you create now administers it. Use a passphrase of a few unrelated words.',
    submit: 'Create admin and sign in',
    path: '/auth/setup',
    testid: 'setup',
    start,
    minLength: 10,
    setupToken: new URLSearchParams(location.search).get('setup'),
  });

export const loginPage = (root: HTMLElement, start: Start, notice?: string) =>
  credentialsForm(root, {
    ...(notice ? { notice } : {}),
    title: 'Sign in',
    intro: 'Sign in to manage payouts, recipients, webhooks and API keys.',
    submit: 'Sign in',
    path: '/auth/login',
    testid: 'login',
    start,
    forgotLink: true,
  });

/** "Forgot password?": asks for the email and always answers the same, whether or not it has an account. */
export function forgotPasswordPage(root: HTMLElement) {
  let error: unknown = null;
  let busy = false;
  let sentTo: string | null = null;
  const draw = () =>
    render(
      html`<div class="auth-card" data-testid="forgot-password">
        <h1>Reset your password</h1>
        ${
          sentTo
            ? html`<p class="notice" role="status" data-testid="reset-requested">
                If ${sentTo} belongs to a dashboard user, an email with a link to choose a new password is on its way. The link is valid for 1 hour.
              </p>`
            : html`<p class="muted">Enter the email you sign in with. We will email you a link to choose a new password.</p>
                ${errorBox(error)}
                <form @submit=${onSubmit}>
                  <label>Email <input name="email" type="email" autocomplete="username" required autofocus /></label>
                  <button type="submit" class="primary" ?disabled=${busy}>${busy ? 'Please wait…' : 'Email me a link'}</button>
                </form>`
        }
        <p><a class="link" href="#/">Back to sign in</a></p>
      </div>`,
      root,
    );
  async function onSubmit(event: Event) {
    event.preventDefault();
    busy = true;
    error = null;
    draw();
    try {
      const { email } = formValues(event.target as HTMLFormElement);
      await post('/auth/password/reset', { email });
      sentTo = email!;
    } catch (failure) {
      error = failure;
    }
    busy = false;
    draw();
  }
  draw();
}

/** The page an invitation or reset email links to: choose a password (typed twice), then signed in. */
export function setPasswordPage(root: HTMLElement, start: Start, token: string) {
  let error: unknown = null;
  let busy = false;
  const draw = () =>
    render(
      html`<div class="auth-card" data-testid="set-password">
        <h1>Choose your password</h1>
        <p class="muted">Use a passphrase of four or more unrelated words, or a password manager. Your other sessions end when you save it.</p>
        ${errorBox(error)}
        <form @submit=${onSubmit}>
          <label>New password <input name="password" type="password" autocomplete="new-password" required minlength="10" autofocus /></label>
          <label>Repeat the new password <input name="repeat" type="password" autocomplete="new-password" required minlength="10" /></label>
          <button type="submit" class="primary" ?disabled=${busy}>${busy ? 'Please wait…' : 'Save password and sign in'}</button>
        </form>
        <p><a class="link" href="#/forgot-password">Link expired? Ask for a new one</a></p>
      </div>`,
      root,
    );
  async function onSubmit(event: Event) {
    event.preventDefault();
    const { password, repeat } = formValues(event.target as HTMLFormElement);
    if (password !== repeat) {
      error = new Error('The two passwords differ. Type the same password twice.');
      draw();
      return;
    }
    busy = true;
    error = null;
    draw();
    try {
      const { data } = await post<{ data: Session }>('/auth/password/set', { token, password });
      await start(data);
    } catch (failure) {
      error = failure;
      busy = false;
      draw();
    }
  }
  draw();
}
