import { get, post } from '../api.js';
import { dateTime } from '../format.js';
import { exportButton, exportPath, type ListPage, mountList, pager, UrlList } from '../list.js';
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
import { empty, errorBox, formValues, html, nothing, notify } from '../ui.js';

// "Action needed" first: it is the filter people come here for.
const STATUS_FILTERS: [RecipientStatus | '', string][] = [
  ['', 'All'],
  ['action_needed', RECIPIENT_STATUS_LABELS.action_needed],
  ['invited', RECIPIENT_STATUS_LABELS.invited],
  ['ready', RECIPIENT_STATUS_LABELS.ready],
];

export function recipientsPage(el: HTMLElement, ctx: PageContext) {
  // Search and status live in the address (list.ts): reload and Back keep them.
  const list = new UrlList();
  let addError: unknown = null;
  const apiFilters = () => ({ search: list.filters.search?.trim(), status: list.filters.status });
  const load = () => get<ListPage<Recipient>>(`/recipients?${list.query(apiFilters())}`);
  mountList(el, list, load, (page, { reload }) => {
    const search = list.filters.search ?? '';
    const status = (list.filters.status ?? '') as RecipientStatus | '';
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
        notify(`Recipient ${v.email} added.`);
      } catch (error) {
        addError = error;
      }
      await reload();
    };
    const filterBy = (next: RecipientStatus | '') => list.filter({ search, status: next });
    const emptyText = status
      ? `No recipients are “${RECIPIENT_STATUS_LABELS[status]}”${search ? ' matching that search' : ''}.`
      : search
        ? 'No recipient matches that search.'
        : 'No recipients yet. Paying an email creates its recipient.';
    return html`
      <div class="page-head"><h1>Recipients</h1><div class="head-actions">${exportButton(() => exportPath('/recipients', apiFilters()), 'recipients')}</div></div>
      <div class="filters">
        <div class="segmented" role="group" aria-label="Show recipients" data-testid="status-filter">
          ${STATUS_FILTERS.map(
            ([value, label]) =>
              html`<button type="button" class=${status === value ? 'active' : ''} aria-pressed=${status === value} @click=${() => filterBy(value)}>${label}</button>`,
          )}
        </div>
        <form class="filters inline" role="search" aria-label="Search recipients" @submit=${(e: Event) => {
          e.preventDefault();
          list.filter({ search: (formValues(e.target as HTMLFormElement).search ?? '').trim(), status });
        }}>
          <label>Search <input name="search" type="search" placeholder="Email, name or reference" maxlength="200" .value=${search} /></label><button type="submit">Search</button>
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
        page.data.length === 0
          ? empty(emptyText)
          : html`<div class="table-scroll"><table class="table" data-testid="recipients-table">
            <thead><tr><th>Email</th><th class="wide-only">Name</th><th>Status</th><th>Payout method</th><th class="wide-only">Added</th></tr></thead>
            <tbody>
              ${page.data.map(
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
      ${pager(list, page, 'recipients')}
    `;
  });
}
