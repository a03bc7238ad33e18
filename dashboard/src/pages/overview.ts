// The home page: what an operator checks first. Balances, the last 30 days of payouts as a chart
// (our own SVG: no chart library, and the same numbers as tables for screen readers), and what
// needs attention, each linking to the thing to fix.
import { currentEnvironment, get } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, html, nothing, page, STATUS_LABELS, statusBadge, svg } from '../ui.js';

interface Overview {
  since: string;
  balance: { available: number; held: number; paidOut: number };
  payoutsByStatus: { status: string; count: number; amount: number }[];
  payoutsByDay: { date: string; counts: Record<string, number> }[];
  recentProblems: {
    id: string;
    status: string;
    reason: string | null;
    amount: number;
    recipientEmail: string;
    referenceId: string | null;
    changedAt: string;
  }[];
  failingWebhooks?: { id: string; eventName: string; callbackUrl: string; status: string; disabledReason: string | null; failingSince: string | null }[];
  failedEmails?: { countSince: number; recent: { id: string; to: string; template: string; lastError: string | null; createdAt: string }[] };
}

// Bottom to top in the stacked columns: the good news first, the problems on top where they show.
const CHART_ORDER = ['completed', 'processing', 'pending', 'awaiting_acceptance', 'created', 'canceled', 'returned', 'failed'];
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const shortDate = (date: string) => new Date(`${date}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function dailyChart(days: Overview['payoutsByDay']) {
  const max = Math.max(1, ...days.map((d) => total(d.counts)));
  const [width, height, gap] = [600, 160, 3];
  const column = width / days.length;
  const busiest = days.reduce((a, b) => (total(b.counts) > total(a.counts) ? b : a), days[0]!);
  const sum = days.reduce((n, d) => n + total(d.counts), 0);
  const label = `Payouts created per day over the last ${days.length} days: ${sum} in all${sum ? `, most on ${shortDate(busiest.date)} (${total(busiest.counts)})` : ''}. The table below gives the numbers.`;
  return html`<figure class="chart" data-testid="daily-chart">
    <svg viewBox="0 0 ${width} ${height}" width="100%" height=${height} preserveAspectRatio="none" role="img" aria-label=${label}>
      <line x1="0" y1=${height - 0.5} x2=${width} y2=${height - 0.5} class="axis"></line>
      ${days.map((d, i) => {
        let y = height;
        return svg`<g>${CHART_ORDER.map((status) => {
          const n = d.counts[status] ?? 0;
          if (!n) return nothing;
          const h = (n / max) * (height - 6);
          y -= h;
          return svg`<rect class="fill-${status}" x=${i * column + gap / 2} y=${y} width=${column - gap} height=${h}><title>${shortDate(d.date)}: ${n} ${STATUS_LABELS[status]}</title></rect>`;
        })}</g>`;
      })}
    </svg>
    <div class="chart-ticks" aria-hidden="true"><span>${shortDate(days[0]!.date)}</span><span>${shortDate(days.at(-1)!.date)}</span></div>
    <figcaption class="legend">
      ${CHART_ORDER.map((s) => html`<span><svg width="10" height="10" aria-hidden="true"><rect class="fill-${s}" width="10" height="10"></rect></svg>${STATUS_LABELS[s]}</span>`)}
    </figcaption>
  </figure>`;
}

function statusTable(rows: Overview['payoutsByStatus']) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return html`<div class="table-scroll"><table class="table" data-testid="status-table">
    <caption class="visually-hidden">Payouts created in the last 30 days, by current status</caption>
    <thead><tr><th scope="col">Status</th><th scope="col" class="num">Payouts</th><th scope="col" class="num">Amount</th><th scope="col" class="bar-col"><span class="visually-hidden">Share</span></th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr data-status-row=${r.status}>
        <th scope="row">${statusBadge(r.status)}</th><td class="num">${r.count}</td><td class="num">${money(r.amount)}</td>
        <td class="bar-col"><svg viewBox="0 0 100 8" width="100%" height="8" preserveAspectRatio="none" aria-hidden="true"><rect class="fill-${r.status}" width=${(r.count / max) * 100} height="8"></rect></svg></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function dailyTable(days: Overview['payoutsByDay']) {
  const active = days.filter((d) => total(d.counts) > 0);
  if (active.length === 0) return nothing;
  const statuses = CHART_ORDER.filter((s) => active.some((d) => d.counts[s]));
  return html`<details class="chart-table">
    <summary>Payouts per day as a table</summary>
    <div class="table-scroll"><table class="table">
      <thead><tr><th scope="col">Day</th>${statuses.map((s) => html`<th scope="col" class="num">${STATUS_LABELS[s]}</th>`)}<th scope="col" class="num">All</th></tr></thead>
      <tbody>${active.map((d) => html`<tr><th scope="row">${shortDate(d.date)}</th>${statuses.map((s) => html`<td class="num">${d.counts[s] ?? 0}</td>`)}<td class="num">${total(d.counts)}</td></tr>`)}</tbody>
    </table></div>
  </details>`;
}

function problems(rows: Overview['recentProblems']) {
  if (rows.length === 0) return empty('No payout failed or came back.');
  return html`<ul class="attention-list" data-testid="recent-problems">${rows.map(
    (p) => html`<li>
      <a href="#/payouts/${p.id}">${p.recipientEmail}</a>
      <strong class="amount">${money(p.amount)}</strong>
      ${statusBadge(p.status)}
      <span class="muted">${dateTime(p.changedAt)}${p.referenceId ? ` · ${p.referenceId}` : ''}</span>
      ${p.reason ? html`<span class="reason">${p.reason}</span>` : nothing}
    </li>`,
  )}</ul>`;
}

function webhooks(rows: NonNullable<Overview['failingWebhooks']>) {
  if (rows.length === 0) return empty('Every webhook endpoint is delivering.');
  return html`<ul class="attention-list" data-testid="failing-webhooks">${rows.map(
    (w) => html`<li>
      <a href="#/webhooks/${w.id}">${w.callbackUrl}</a>
      <span class="muted">${w.eventName}</span>
      ${w.status === 'disabled' ? html`<span class="badge badge-failed">Disabled</span> <span>${w.disabledReason ?? ''}</span>` : html`<span class="badge badge-awaiting_acceptance">Failing</span> <span>since ${dateTime(w.failingSince)}</span>`}
    </li>`,
  )}</ul>`;
}

function emails(failed: NonNullable<Overview['failedEmails']>) {
  if (failed.recent.length === 0) return empty('No email failed to send.');
  return html`<p>${failed.countSince} email${failed.countSince === 1 ? '' : 's'} could not be sent in the last 30 days. <a href="#/emails">All emails</a></p>
    <ul class="attention-list" data-testid="failed-emails">${failed.recent.map(
      (e) =>
        html`<li><a href="#/emails/${e.id}">${e.to}</a> <span class="muted">${e.template.replace(/_/g, ' ')} · ${dateTime(e.createdAt)}</span> <span>${e.lastError ?? ''}</span></li>`,
    )}</ul>`;
}

export function overviewPage(el: HTMLElement, _ctx: PageContext) {
  page(
    el,
    async () => (await get<{ data: Overview }>('/overview')).data,
    (o) => html`
      <div class="page-head"><h1>Overview</h1><span class="muted">${currentEnvironment() === 'production' ? 'Production' : 'Sandbox'} · last 30 days</span></div>
      <section aria-labelledby="balances-heading">
        <h2 id="balances-heading" class="visually-hidden">Balances</h2>
        <div class="stat-row" data-testid="overview-balances">
          <div class="stat"><span>Available</span><strong>${money(o.balance.available)}</strong></div>
          <div class="stat"><span>Held for payouts</span><strong>${money(o.balance.held)}</strong></div>
          <div class="stat"><span>Paid out</span><strong>${money(o.balance.paidOut)}</strong></div>
          <a class="stat-link" href="#/balance">Balance and transactions</a>
        </div>
      </section>
      <section aria-labelledby="payouts-heading" class="card">
        <h2 id="payouts-heading">Payouts in the last 30 days</h2>
        ${dailyChart(o.payoutsByDay)} ${statusTable(o.payoutsByStatus)} ${dailyTable(o.payoutsByDay)}
      </section>
      <section aria-labelledby="problems-heading">
        <h2 id="problems-heading">Recent failures and returns</h2>
        ${problems(o.recentProblems)}
      </section>
      ${o.failingWebhooks ? html`<section aria-labelledby="webhooks-heading"><h2 id="webhooks-heading">Webhook endpoints failing</h2>${webhooks(o.failingWebhooks)}</section>` : nothing}
      ${o.failedEmails ? html`<section aria-labelledby="emails-heading"><h2 id="emails-heading">Emails failing</h2>${emails(o.failedEmails)}</section>` : nothing}
    `,
  );
}
