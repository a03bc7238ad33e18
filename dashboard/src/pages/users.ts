import { live } from 'lit-html/directives/live.js';
import { api, get, post } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import { errorBox, formValues, html, notify, nothing, page } from '../ui.js';

interface ManagedUser {
  id: string;
  email: string;
  role: string;
  createdAt: string;
  pending: boolean;
  /** While repeated failed sign-ins lock the user out: when the lock ends. */
  lockedUntil: string | null;
}

const ROLE_LABELS: Record<string, string> = { admin: 'Admin', manager: 'Manager', accountant: 'Accountant', employee: 'Employee' };
const roleOptions = (selected: string) =>
  Object.entries(ROLE_LABELS).map(([value, label]) => html`<option value=${value} ?selected=${value === selected}>${label}</option>`);

/** Admins only: invite users, change their roles, lift sign-in locks, resend invitations, remove. */
export function usersPage(el: HTMLElement, ctx: PageContext) {
  let error: unknown = null;
  let invited: string | null = null;
  page(
    el,
    async () => (await get<{ data: ManagedUser[] }>('/users')).data,
    (users, reload) => {
      /** Runs a confirmed change; on success says so and reloads, on failure shows the server's words. */
      const act = async (question: string, change: () => Promise<unknown>, done: string) => {
        if (!confirm(question)) return;
        try {
          await change();
          error = null;
          notify(done);
        } catch (failure) {
          error = failure;
        }
        await reload();
      };
      const invite = async (event: Event) => {
        event.preventDefault();
        const form = event.target as HTMLFormElement;
        const v = formValues(form);
        try {
          const { data } = await post('/users', { email: v.email, role: v.role });
          [invited, error] = [data.email, null];
          form.reset();
          notify(`Invitation sent to ${data.email}.`);
        } catch (failure) {
          [invited, error] = [null, failure];
        }
        await reload();
      };
      const saveRole = (user: ManagedUser, row: HTMLElement) => {
        const role = (row.querySelector('select[name="role"]') as HTMLSelectElement).value;
        if (role === user.role) return;
        const you = user.id === ctx.session.user.id;
        return act(
          `Change ${you ? 'your own' : `${user.email}'s`} role from ${ROLE_LABELS[user.role]} to ${ROLE_LABELS[role]}? It applies from ${you ? 'your' : 'their'} next action.`,
          async () => {
            await api('PATCH', `/users/${user.id}`, { role });
            // Stepping down from admin leaves this page: start again with the new role's pages.
            if (you && role !== 'admin') {
              location.hash = '#/';
              location.reload();
            }
          },
          `${user.email} is now ${ROLE_LABELS[role]}.`,
        );
      };
      const unlock = (user: ManagedUser) =>
        act(`Unlock ${user.email}? They can sign in again at once.`, () => post(`/users/${user.id}/unlock`), `${user.email} can sign in again.`);
      const resend = (user: ManagedUser) =>
        act(
          `Send ${user.email} a new invitation? The previous link stops working.`,
          async () => {
            await post(`/users/${user.id}/invitation`);
            invited = user.email;
          },
          `Invitation sent again to ${user.email}.`,
        );
      const remove = (user: ManagedUser) =>
        act(`Remove ${user.email}? They are signed out and can no longer sign in.`, () => api('DELETE', `/users/${user.id}`), `${user.email} removed.`);

      return html`
        <div class="page-head"><h1>Users</h1></div>
        ${errorBox(error)}
        <form class="card inline-form" @submit=${invite} data-testid="invite-user">
          <strong>Invite a user</strong>
          <input name="email" type="email" required placeholder="Email" aria-label="User email" />
          <select name="role" aria-label="Role">${roleOptions('manager')}</select>
          <button type="submit" class="primary">Send invitation</button>
        </form>
        ${
          invited
            ? html`<div class="notice" data-testid="invitation-sent">
              <span>Invitation sent to <strong>${invited}</strong>: the email has a link to choose a password, valid for 72 hours.</span>
            </div>`
            : nothing
        }
        <table class="table stack-table" data-testid="users-table">
          <thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Since</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            ${users.map((u) => {
              const you = u.id === ctx.session.user.id;
              return html`<tr data-testid="user-row" data-email=${u.email}>
                <td data-label="Email">${u.email}${you ? html` <span class="muted">(you)</span>` : nothing}</td>
                <td data-label="Role">
                  <span class="role-edit">
                    <select name="role" aria-label=${`Role of ${u.email}`} .value=${live(u.role)}>${roleOptions(u.role)}</select>
                    <button @click=${(e: Event) => saveRole(u, (e.target as HTMLElement).closest('tr')!)}>Save</button>
                  </span>
                </td>
                <td data-label="Status">${status(u)}</td>
                <td data-label="Since">${dateTime(u.createdAt)}</td>
                <td data-label="Actions">
                  <span class="row-actions">
                    ${u.lockedUntil ? html`<button @click=${() => unlock(u)}>Unlock</button>` : nothing}
                    ${u.pending ? html`<button @click=${() => resend(u)}>Resend invitation</button>` : nothing}
                    ${you ? html`<span class="muted">—</span>` : html`<button class="danger" @click=${() => remove(u)}>Remove</button>`}
                  </span>
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
        <p class="muted">A changed role applies from the user's next action. An organization always keeps at least one admin.</p>
      `;
    },
  );
}

function status(u: ManagedUser) {
  if (u.pending) return html`<span class="badge" data-testid="user-pending">Invited</span>`;
  if (u.lockedUntil)
    return html`<span class="badge badge-locked" data-testid="user-locked">Locked</span>
      <span class="muted">until ${dateTime(u.lockedUntil)} (too many failed sign-ins)</span>`;
  return 'Active';
}
