import { post } from '../api.js';
import type { Session } from '../main.js';
import { errorBox, formValues, html, render } from '../ui.js';

type Start = (session: Session) => Promise<void>;

function credentialsForm(root: HTMLElement, opts: { title: string; intro: string; submit: string; path: string; testid: string; start: Start; minLength?: number }) {
  let error: unknown = null;
  let busy = false;
  const draw = () =>
    render(
      html`<div class="auth-card" data-testid=${opts.testid}>
        <h1>${opts.title}</h1>
        <p class="muted">${opts.intro}</p>
        ${errorBox(error)}
        <form @submit=${onSubmit}>
          <label>Email <input name="email" type="email" autocomplete="username" required autofocus /></label>
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
      const { data } = await post<{ data: Session }>(opts.path, { email: values.email, password: values.password });
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
    intro: 'Welcome. This installation has no users yet: the account you create now administers it.',
    submit: 'Create admin and sign in',
    path: '/auth/setup',
    testid: 'setup',
    start,
    minLength: 10,
  });

export const loginPage = (root: HTMLElement, start: Start) =>
  credentialsForm(root, { title: 'Sign in', intro: 'Sign in to manage payouts, recipients, webhooks and API keys.', submit: 'Sign in', path: '/auth/login', testid: 'login', start });
