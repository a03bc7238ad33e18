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
        <p class="muted">${opts.intro}</p>
        ${errorBox(error)}
        <form @submit=${onSubmit}>
          ${tokenField()}
          <label>Email <input name="email" type="email" autocomplete="username" required ?autofocus=${!asksToken || !!opts.setupToken} /></label>
          <label>Password <input name="password" type="password" autocomplete=${opts.minLength ? 'new-password' : 'current-password'} required minlength=${opts.minLength ?? 1} /></label>
          <button type="submit" class="primary" ?disabled=${busy}>${busy ? 'Please wait…' : opts.submit}</button>
        </form>
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

export const loginPage = (root: HTMLElement, start: Start) =>
  credentialsForm(root, {
    title: 'Sign in',
    intro: 'Sign in to manage payouts, recipients, webhooks and API keys.',
    submit: 'Sign in',
    path: '/auth/login',
    testid: 'login',
    start,
  });
