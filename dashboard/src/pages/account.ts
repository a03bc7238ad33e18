import { post } from '../api.js';
import type { PageContext } from '../main.js';
import { errorBox, formValues, html, nothing, notify, render } from '../ui.js';

/** "Change my password", for every role: the current password, then the new one twice. */
export function accountPage(el: HTMLElement, ctx: PageContext) {
  let error: unknown = null;
  let done: { otherSessionsEnded: number } | null = null;
  let busy = false;
  const draw = () =>
    render(
      html`<div class="page-head"><h1>Change password</h1></div>
        <p class="muted">Signed in as ${ctx.session.user.email}. Changing your password signs you out everywhere else.</p>
        ${errorBox(error)}
        ${
          done
            ? html`<div class="notice" role="status" data-testid="password-changed">
              <strong>Your password was changed.</strong>
              <span>${done.otherSessionsEnded === 0 ? 'You had no other sessions.' : `${done.otherSessionsEnded} other session${done.otherSessionsEnded === 1 ? '' : 's'} signed out.`}</span>
            </div>`
            : nothing
        }
        <form class="card account-form" @submit=${onSubmit} data-testid="change-password">
          <label>Current password <input name="currentPassword" type="password" autocomplete="current-password" required /></label>
          <label>New password <input name="newPassword" type="password" autocomplete="new-password" required minlength="10" /></label>
          <label>New password again <input name="confirmPassword" type="password" autocomplete="new-password" required minlength="10" /></label>
          <span class="muted">At least 10 characters and hard to guess: a passphrase of four or more unrelated words works well.</span>
          <button type="submit" class="primary" ?disabled=${busy}>${busy ? 'Please wait…' : 'Change password'}</button>
        </form>`,
      el,
    );
  async function onSubmit(event: Event) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const values = formValues(form);
    error = null;
    done = null;
    if (values.newPassword !== values.confirmPassword) {
      error = new Error('The two new passwords differ.');
      return draw();
    }
    busy = true;
    draw();
    try {
      const { data } = await post<{ data: { otherSessionsEnded: number } }>('/auth/password', {
        currentPassword: values.currentPassword,
        newPassword: values.newPassword,
      });
      done = data;
      form.reset();
      notify('Password changed.');
    } catch (failure) {
      error = failure;
    }
    busy = false;
    draw();
  }
  draw();
}
