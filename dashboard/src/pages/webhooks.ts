import { api, get, post } from '../api.js';
import { dateTime } from '../format.js';
import { type ListPage, pager, UrlList } from '../list.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, notify, nothing, page, statusBadge } from '../ui.js';

export function webhooksPage(el: HTMLElement, ctx: PageContext) {
  let result: { ok: true; secret: string } | { ok: false; error: unknown } | null = null;
  page(
    el,
    () => get('/events/subscriptions'),
    (list, reload) => {
      const add = async (event: Event) => {
        event.preventDefault();
        const v = formValues(event.target as HTMLFormElement);
        try {
          const { data } = await post('/events/subscription', { event_name: v.event_name, callback_url: v.callback_url });
          result = { ok: true, secret: data.secret };
          notify('Subscription added.');
        } catch (error) {
          result = { ok: false, error };
        }
        await reload();
      };
      return html`
      <div class="page-head"><h1>Webhooks</h1></div>
      ${
        ctx.can('webhooks:write')
          ? html`<form class="card inline-form" @submit=${add} data-testid="add-webhook">
            <strong>Add a subscription</strong>
            <select name="event_name" aria-label="Event"><option value="payout.updated">payout.updated</option><option value="tax_form.created">tax_form.created</option></select>
            <input name="callback_url" type="url" required placeholder="https://example.com/webhooks" aria-label="Callback URL" size="40" />
            <button type="submit" class="primary">Verify and add</button>
          </form>`
          : nothing
      }
      ${result?.ok ? secretNotice('The URL answered the challenge. Its signing secret:', result.secret) : result ? errorBox(result.error) : nothing}
      ${
        list.data.length === 0
          ? empty('No subscriptions. Add one to be told of every payout status change.')
          : html`<table class="table" data-testid="webhooks-table"><thead><tr><th>URL</th><th>Event</th><th>State</th><th>Created</th></tr></thead><tbody>
            ${list.data.map((s: any) => html`<tr><td><a href="#/webhooks/${s.id}">${s.callbackUrl}</a></td><td>${s.eventName}</td><td>${s.status}${s.disabledReason ? html` <span class="muted">(${s.disabledReason})</span>` : nothing}</td><td>${dateTime(s.createdAt)}</td></tr>`)}
          </tbody></table>`
      }
    `;
    },
  );
}

interface Delivery {
  id: string;
  event: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  createdAt: string;
  deliveredAt: string | null;
  attempts: { id: string; attemptedAt: string; statusCode: number | null; durationMs: number; error: string | null; responseExcerpt: string | null }[];
  payoutId: string | null;
  payoutStatus: string | null;
  payload: unknown;
}

/**
 * A secret shown once, with a Copy button that says whether it worked (the clipboard needs a
 * secure context and the page's focus; otherwise the text is there to select by hand).
 */
function secretNotice(text: string, secret: string) {
  const copy = async (event: Event) => {
    const button = event.currentTarget as HTMLButtonElement;
    const said = button.parentElement!.querySelector('.copy-feedback')!;
    try {
      await navigator.clipboard.writeText(secret);
      said.textContent = 'Copied.';
    } catch {
      said.textContent = 'Copying is blocked here: select the secret and copy it by hand.';
    }
  };
  return html`<div class="notice" data-testid="webhook-secret">
    <strong>${text}</strong>
    <div class="copy-row"><code data-testid="webhook-secret-value">${secret}</code><button type="button" @click=${copy}>Copy</button><span class="copy-feedback muted" role="status"></span></div>
    <span class="muted">Store it where your receiver reads it to verify signatures; it will not be shown again.</span>
  </div>`;
}

/** The payout's own reference, when the event carries one (payout.updated does). */
function referenceOf(d: Delivery): string | undefined {
  const reference = (d.payload as { data?: { reference_id?: unknown } } | null)?.data?.reference_id;
  return typeof reference === 'string' ? reference : undefined;
}

export function webhookDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  let notice: unknown = null;
  let rotated: string | null = null;
  // The deliveries' page is kept in the address, like every list: reload and Back return to it.
  const list = new UrlList();
  const reload = page(
    el,
    async () => {
      const [subscription, deliveriesPage] = await Promise.all([
        get(`/events/subscription/${id}`),
        get<ListPage<Delivery>>(`/events/subscription/${id}/deliveries?${list.query({})}`),
      ]);
      return { subscription: subscription.data, deliveriesPage, deliveries: deliveriesPage.data };
    },
    ({ subscription, deliveriesPage, deliveries }, reload) => {
      const act = async (change: () => Promise<unknown>, done?: string) => {
        try {
          await change();
          notice = null;
          if (done) notify(done);
        } catch (error) {
          notice = error;
        }
        await reload();
      };
      const rotate = () =>
        confirm('Issue a new signing secret? The old one keeps signing beside it during the overlap.') &&
        act(async () => {
          rotated = (await post(`/events/subscription/${id}/rotate-secret`, {})).data.secret;
        }, 'New signing secret issued.');
      const remove = () =>
        confirm('Delete this subscription? Nothing more will be delivered to it.') &&
        act(async () => {
          await api('DELETE', `/events/subscription/${id}`);
          location.hash = '#/webhooks';
        }, 'Subscription deleted.');
      const enable = () => confirm('Enable this subscription again?') && act(() => post(`/events/subscription/${id}/enable`), 'Subscription enabled.');
      const redeliver = (d: Delivery) =>
        confirm('Send this delivery again (same webhook id)? Its earlier attempts stay in its history.') &&
        act(() => post(`/events/subscription/${id}/deliveries/${d.id}/redeliver`), 'Delivery queued again.');
      return html`
        <div class="page-head"><h1>${subscription.callbackUrl}</h1><span class="spacer"></span>
          ${
            ctx.can('webhooks:write')
              ? html`
            ${subscription.status === 'disabled' ? html`<button @click=${enable}>Enable</button>` : nothing}
            <button @click=${rotate}>Rotate secret</button><button class="danger" @click=${remove}>Delete</button>`
              : nothing
          }
        </div>
        ${errorBox(notice)}
        ${rotated ? secretNotice('New signing secret. The old one keeps signing during the overlap.', rotated) : nothing}
        <dl class="facts"><dt>Event</dt><dd>${subscription.eventName}</dd><dt>State</dt><dd>${subscription.status}</dd><dt>Id</dt><dd><code>${subscription.id}</code></dd></dl>
        <h2>Deliveries</h2>
        ${
          deliveries.length === 0
            ? empty(list.state.cursor ? 'No more deliveries.' : 'Nothing delivered yet.')
            : html`<table class="table stack-table" data-testid="deliveries"><thead><tr><th scope="col">Created</th><th scope="col">About</th><th scope="col">Delivery</th><th scope="col">Attempts</th><th scope="col">Actions</th></tr></thead><tbody>
          ${deliveries.map(
            (d) => html`<tr data-testid="delivery" data-delivery-id=${d.id}>
            <td data-label="Created">${dateTime(d.createdAt)}<div class="muted"><code>${d.id}</code></div></td>
            <td data-label="About">
              ${d.event}
              ${d.payoutId ? html`<div><a href="#/payouts/${d.payoutId}" data-testid="delivery-payout">Payout ${referenceOf(d) ?? ''}</a> ${d.payoutStatus ? statusBadge(d.payoutStatus) : nothing}</div>` : nothing}
              <details class="payload"><summary>Payload</summary><pre data-testid="delivery-payload">${JSON.stringify(d.payload, null, 2)}</pre></details>
            </td>
            <td data-label="Delivery">${d.status}${d.lastStatusCode ? html` (HTTP ${d.lastStatusCode})` : nothing}${
              d.status === 'pending' && d.nextAttemptAt ? html`<div class="muted">next try ${dateTime(d.nextAttemptAt)}</div>` : nothing
            }</td>
            <td data-label="Attempts"><details data-testid="delivery-attempts"><summary>${d.attemptCount} attempt${d.attemptCount === 1 ? '' : 's'}</summary><ol class="attempt-list">${d.attempts.map(
              (a) =>
                html`<li class="attempt">${dateTime(a.attemptedAt)} · ${a.statusCode ?? 'no answer'} · ${a.durationMs} ms${a.error ? html` · ${a.error}` : nothing}${a.responseExcerpt ? html`<pre>${a.responseExcerpt}</pre>` : nothing}</li>`,
            )}</ol></details></td>
            <td data-label="Actions">${ctx.can('webhooks:write') ? html`<button @click=${() => redeliver(d)}>Redeliver</button>` : nothing}</td>
          </tr>`,
          )}
        </tbody></table>`
        }
        ${pager(list, deliveriesPage, 'deliveries')}
      `;
    },
  );
  list.onChange = () => void reload();
}
