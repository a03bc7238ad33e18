import { api, get, post } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, nothing, page, render } from '../ui.js';

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
      ${
        result?.ok
          ? html`<div class="notice" data-testid="webhook-secret">The URL answered the challenge. Signing secret (shown only now): <code>${result.secret}</code></div>`
          : result
            ? errorBox(result.error)
            : nothing
      }
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

export function webhookDetailPage(el: HTMLElement, ctx: PageContext) {
  const id = ctx.params[0]!;
  let notice: unknown = null;
  let rotated: string | null = null;
  page(
    el,
    async () => ({
      subscription: (await get(`/events/subscription/${id}`)).data,
      deliveries: (await get(`/events/subscription/${id}/deliveries?limit=50`)).data,
    }),
    ({ subscription, deliveries }, reload) => {
      const act = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          notice = null;
        } catch (error) {
          notice = error;
        }
        await reload();
      };
      const rotate = () =>
        act(async () => {
          rotated = (await post(`/events/subscription/${id}/rotate-secret`, {})).data.secret;
        });
      const remove = () =>
        confirm('Delete this subscription? Nothing more will be delivered to it.') &&
        act(async () => {
          await api('DELETE', `/events/subscription/${id}`);
          location.hash = '#/webhooks';
        });
      return html`
        <div class="page-head"><h1>${subscription.callbackUrl}</h1><span class="spacer"></span>
          ${
            ctx.can('webhooks:write')
              ? html`
            ${subscription.status === 'disabled' ? html`<button @click=${() => act(() => post(`/events/subscription/${id}/enable`))}>Enable</button>` : nothing}
            <button @click=${rotate}>Rotate secret</button><button class="danger" @click=${remove}>Delete</button>`
              : nothing
          }
        </div>
        ${errorBox(notice)}
        ${rotated ? html`<div class="notice">New secret (shown only now; the old one keeps signing during the overlap): <code>${rotated}</code></div>` : nothing}
        <dl class="facts"><dt>Event</dt><dd>${subscription.eventName}</dd><dt>State</dt><dd>${subscription.status}</dd><dt>Id</dt><dd><code>${subscription.id}</code></dd></dl>
        <h2>Deliveries</h2>
        ${
          deliveries.length === 0
            ? empty('Nothing delivered yet.')
            : html`<table class="table" data-testid="deliveries"><thead><tr><th>Created</th><th>Status</th><th>Attempts</th><th></th></tr></thead><tbody>
          ${deliveries.map(
            (d: any) => html`<tr>
            <td>${dateTime(d.createdAt)}<div class="muted"><code>${d.id}</code></div></td>
            <td>${d.status}${d.lastStatusCode ? html` (HTTP ${d.lastStatusCode})` : nothing}</td>
            <td><details><summary>${d.attemptCount}</summary>${d.attempts.map((a: any) => html`<div class="attempt">${dateTime(a.attemptedAt)} · ${a.statusCode ?? 'no answer'} · ${a.durationMs} ms${a.error ? html` · ${a.error}` : nothing}${a.responseExcerpt ? html`<pre>${a.responseExcerpt}</pre>` : nothing}</div>`)}</details></td>
            <td>${ctx.can('webhooks:write') ? html`<button class="link" @click=${() => act(() => post(`/events/subscription/${id}/deliveries/${d.id}/redeliver`))}>Redeliver</button>` : nothing}</td>
          </tr>`,
          )}
        </tbody></table>`
        }
      `;
    },
  );
  void render;
}
