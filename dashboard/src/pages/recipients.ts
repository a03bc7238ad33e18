import { get, post } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import {
  methodLabel,
  type Recipient,
  RECIPIENT_STATUS_LABELS,
  type RecipientStatus,
  recipientName,
  recipientStatusBadge,
  undeliverableBadge,
} from '../recipient-view.js';
import { empty, errorBox, formValues, html, nothing, page } from '../ui.js';

interface RecipientList {
  data: Recipient[];
  hasMore: boolean;
  nextCursor: string | null;
}

// "Action needed" first: it is the filter people come here for.
const STATUS_FILTERS: [RecipientStatus | '', string][] = [
  ['', 'All'],
  ['action_needed', RECIPIENT_STATUS_LABELS.action_needed],
  ['invited', RECIPIENT_STATUS_LABELS.invited],
  ['ready', RECIPIENT_STATUS_LABELS.ready],
];

export function recipientsPage(el: HTMLElement, ctx: PageContext) {
  let search = '';
  let status: RecipientStatus | '' = '';
  let addError: unknown = null;
  const cursors: (string | null)[] = [null];
  const load = () => {
    const params = new URLSearchParams({ limit: '25' });
    if (search) params.set('email', search);
    if (status) params.set('status', status);
    const cursor = cursors.at(-1);
    if (cursor) params.set('cursor', cursor);
    return get<RecipientList>(`/recipients?${params}`);
  };
  page(el, load, (list, reload) => {
    const add = async (event: Event) => {
      event.preventDefault();
      const form = event.target as HTMLFormElement;
      const v = formValues(form);
      try {
        await post('/recipients', {
          recipients: [{ firstName: v.firstName, lastName: v.lastName, email: v.email, ...(v.nickname ? { nickname: v.nickname } : {}) }],
        });
        addError = null;
        form.reset();
      } catch (error) {
        addError = error;
      }
      await reload();
    };
    const filterBy = (next: RecipientStatus | '') => {
      status = next;
      cursors.splice(1);
      void reload();
    };
    const emptyText = status
      ? `No recipients are “${RECIPIENT_STATUS_LABELS[status]}”${search ? ` with that email` : ''}.`
      : search
        ? 'No recipient has that email.'
        : 'No recipients yet. Paying an email creates its recipient.';
    return html`
      <div class="page-head"><h1>Recipients</h1></div>
      <div class="filters">
        <div class="segmented" role="group" aria-label="Show recipients" data-testid="status-filter">
          ${STATUS_FILTERS.map(
            ([value, label]) =>
              html`<button type="button" class=${status === value ? 'active' : ''} aria-pressed=${status === value} @click=${() => filterBy(value)}>${label}</button>`,
          )}
        </div>
        <form class="filters inline" @submit=${(e: Event) => {
          e.preventDefault();
          search = (formValues(e.target as HTMLFormElement).email ?? '').trim();
          cursors.splice(1);
          void reload();
        }}>
          <label>Email <input name="email" type="search" placeholder="Exact email" .value=${search} /></label><button type="submit">Search</button>
        </form>
      </div>
      ${
        ctx.can('recipients:write')
          ? html`<form class="card inline-form" @submit=${add} data-testid="add-recipient">
            <strong>Add a recipient</strong>
            <input name="firstName" placeholder="First name" required aria-label="First name" />
            <input name="lastName" placeholder="Last name" required aria-label="Last name" />
            <input name="email" type="email" placeholder="Email" required aria-label="Email" />
            <input name="nickname" placeholder="Nickname (optional)" aria-label="Nickname" />
            <button type="submit" class="primary">Add</button>
            ${errorBox(addError)}
          </form>`
          : nothing
      }
      ${
        list.data.length === 0
          ? empty(emptyText)
          : html`<div class="table-scroll"><table class="table" data-testid="recipients-table">
            <thead><tr><th>Email</th><th class="wide-only">Name</th><th>Status</th><th>Payout method</th><th class="wide-only">Added</th></tr></thead>
            <tbody>
              ${list.data.map(
                (r) => html`<tr data-recipient-id=${r.id}>
                  <td><a href="#/recipients/${r.id}">${r.email}</a>${r.emailUndeliverable ? html` ${undeliverableBadge}` : nothing}<div class="muted phone-only">${recipientName(r)}</div></td>
                  <td class="wide-only">${recipientName(r) || '—'}</td>
                  <td>${recipientStatusBadge(r.status)}</td>
                  <td data-testid="recipient-method">${methodLabel(r.payoutMethod)}</td>
                  <td class="wide-only">${dateTime(r.createdAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
      <div class="pager">
        <button ?disabled=${cursors.length === 1} @click=${() => {
          cursors.pop();
          void reload();
        }}>Previous</button>
        <button ?disabled=${!list.hasMore} @click=${() => {
          cursors.push(list.nextCursor);
          void reload();
        }}>Next</button>
      </div>
    `;
  });
}
