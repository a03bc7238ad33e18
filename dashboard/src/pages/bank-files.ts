// Bank files: the NACHA files cut for the organization (production only). The list with "Cut
// file" and the return-file upload, and one file with its payouts, Download, Mark sent and Void.
import { currentEnvironment, get, post, RequestFailed } from '../api.js';
import { dateTime, money } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, html, nothing, notify, page, render, statusBadge } from '../ui.js';
import { loadRailState, productionOnly, railBanner, unwrap } from './bank-settings.js';

interface AchFile {
  id: string;
  status: 'created' | 'sent' | 'settled' | 'voided';
  effectiveDate: string;
  fileIdModifier: string;
  entryCount: number;
  payoutCount: number;
  creditTotal: number;
  debitTotal: number;
  byteLength: number | null;
  sha256: string | null;
  createdAt: string;
  createdBy: string;
  sentAt: string | null;
  settledAt: string | null;
  voidedAt: string | null;
  voidReason: string | null;
  fileName: string;
}

interface AchEntry {
  id: string;
  payoutId: string;
  recipientId: string;
  traceNumber: string;
  secCode: string;
  amount: number;
  accountLast4: string;
  accountType: string;
  holderName: string;
  payoutStatus: string;
  active: boolean;
}

interface ReturnsReport {
  returns: { line: number; traceNumber: string; code: string; description: string; payoutId: string | null; outcome: string }[];
  corrections: { line: number; traceNumber: string; code: string; payoutId: string | null; outcome: string }[];
  unmatched: { line: number; traceNumber: string; code: string; why: string }[];
}

interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

const PAGE_SIZE = 25;

const FILE_STATUS_LABELS: Record<AchFile['status'], string> = { created: 'Created', sent: 'Sent', settled: 'Settled', voided: 'Voided' };
const FILE_STATUS_MEANINGS: Record<AchFile['status'], string> = {
  created: 'Cut, not yet uploaded to the bank. Download it, upload it in your bank’s portal, then mark it sent.',
  sent: 'Uploaded to the bank. Its payouts complete at the end of the effective date.',
  settled: 'Its payouts completed on the effective date. Returns may still arrive in a return file.',
  voided: 'Not sent (or rejected by the bank): its payouts went back to pending for the next file.',
};

const fileBadge = (status: AchFile['status']) =>
  html`<span class="badge badge-file-${status}" data-file-status=${status}>${FILE_STATUS_LABELS[status] ?? status}</span>`;

/** "2024-07-05" as a date people read, without a time zone shifting the day. */
const day = (date: string) => new Date(`${date}T12:00:00`).toLocaleDateString('en-US', { dateStyle: 'medium' });

/**
 * Requests that are not JSON both ways (the file's text down, a return file up): the same session
 * cookie, environment header and CSRF token as every other dashboard call. A plain link could not
 * send the environment header, so downloads go through fetch and a Blob URL.
 */
async function rawRequest(ctx: PageContext, method: 'GET' | 'POST', path: string, text?: string): Promise<Response> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      'x-payouts-environment': currentEnvironment(),
      ...(method === 'GET' ? {} : { 'x-csrf-token': ctx.session.csrfToken }),
      ...(text === undefined ? {} : { 'content-type': 'text/plain' }),
    },
    ...(text === undefined ? {} : { body: text }),
  });
  if (response.ok) return response;
  const body = await response.text();
  let error: { code?: string; message?: string; param?: string } | undefined;
  try {
    error = JSON.parse(body).error;
  } catch {
    error = undefined;
  }
  throw new RequestFailed({
    status: response.status,
    code: error?.code ?? 'network_error',
    message: error?.message ?? `The server answered ${response.status}.`,
  });
}

/** The file's name from Content-Disposition, else the one the API gave. */
function attachmentName(response: Response, fallback: string) {
  const match = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '');
  return match?.[1] ?? fallback;
}

async function download(ctx: PageContext, file: AchFile) {
  const response = await rawRequest(ctx, 'GET', `/ach/files/${file.id}/download`);
  // Bytes as the server sent them: the bank gets exactly the stored file.
  const url = URL.createObjectURL(new Blob([await response.arrayBuffer()], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = attachmentName(response, file.fileName);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const countOf = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function bankFilesPage(el: HTMLElement, ctx: PageContext) {
  const notice = productionOnly('Bank files');
  if (notice) return render(notice, el);
  const canWrite = ctx.can('ach:write');
  let files: AchFile[] = [];
  let nextCursor: string | null = null;
  let cut: AchFile | null = null;
  let actionError: unknown = null;
  let cutting = false;
  let upload: { report?: ReturnsReport; error?: unknown; busy: boolean } = { busy: false };
  const listPath = (cursor?: string) => `/ach/files?${new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })}`;
  page(
    el,
    async () => {
      // A reload starts again from the newest file: a cut or an upload changes the first page.
      const [rail, list] = await Promise.all([loadRailState(), get<Page<AchFile>>(listPath())]);
      [files, nextCursor] = [list.data, list.nextCursor];
      return rail;
    },
    (rail, reload) => {
      const loadMore = async () => {
        try {
          const next = await get<Page<AchFile>>(listPath(nextCursor!));
          [files, nextCursor] = [[...files, ...next.data], next.nextCursor];
          actionError = null;
        } catch (error) {
          actionError = error;
        }
        render(view(), el);
      };
      const cutFile = async () => {
        if (cutting) return;
        cutting = true;
        render(view(), el);
        try {
          cut = unwrap<AchFile>(await post('/ach/files'));
          actionError = null;
          if (cut) notify('Bank file cut.');
        } catch (error) {
          [cut, actionError] = [null, error];
        } finally {
          cutting = false;
        }
        await reload();
      };
      const uploadReturns = async (event: Event) => {
        event.preventDefault();
        const form = event.target as HTMLFormElement;
        const chosen = (form.elements.namedItem('returnFile') as HTMLInputElement).files?.[0];
        if (!chosen || upload.busy) return;
        upload = { busy: true };
        render(view(), el);
        try {
          const response = await rawRequest(ctx, 'POST', '/ach/returns', await chosen.text());
          upload = { busy: false, report: unwrap<ReturnsReport>(await response.json()) };
          form.reset();
        } catch (error) {
          upload = { busy: false, error };
        }
        await reload();
      };
      const view = () => html`
        <div class="page-head">
          <h1>Bank files</h1>
          ${canWrite ? html`<button class="primary" data-testid="cut-file" ?disabled=${cutting} @click=${cutFile}>${cutting ? 'Cutting…' : 'Cut file'}</button>` : nothing}
        </div>
        ${rail.configured ? nothing : railBanner(rail, ctx)}
        ${errorBox(actionError)}
        ${
          cut
            ? html`<div class="notice" role="status" data-testid="file-cut">
              <span>Cut <a href="#/bank-files/${cut.id}">${cut.fileName}</a>: ${countOf(cut.payoutCount, 'payout')}, ${money(cut.creditTotal)}, effective ${day(cut.effectiveDate)}. Download it and upload it to your bank, then mark it sent.</span>
            </div>`
            : nothing
        }
        ${
          files.length === 0
            ? empty(canWrite ? 'No bank files yet. Cut one when payouts to bank accounts are pending.' : 'No bank files yet.')
            : html`<div class="table-scroll"><table class="table" data-testid="bank-files-table">
              <thead><tr><th>Created</th><th>Status</th><th>Effective</th><th class="num">Total</th><th class="num wide-only">Payouts</th><th class="wide-only">File</th></tr></thead>
              <tbody>
                ${files.map(
                  (f) => html`<tr data-file-id=${f.id}>
                    <td><a href="#/bank-files/${f.id}">${dateTime(f.createdAt)}</a></td>
                    <td>${fileBadge(f.status)}</td>
                    <td>${day(f.effectiveDate)}</td>
                    <td class="num nowrap">${money(f.creditTotal)}<div class="muted phone-only">${countOf(f.payoutCount, 'payout')}</div></td>
                    <td class="num wide-only">${f.payoutCount}</td>
                    <td class="wide-only"><code>${f.fileName}</code></td>
                  </tr>`,
                )}
              </tbody>
            </table></div>`
        }
        <div class="pager">
          ${nextCursor ? html`<button data-testid="more-files" @click=${loadMore}>Load more</button>` : nothing}
          <button class="link" @click=${() => reload()}>Refresh</button>
        </div>
        ${canWrite ? uploadSection(uploadReturns, upload) : nothing}
      `;
      return view();
    },
  );
}

function uploadSection(submit: (event: Event) => unknown, upload: { report?: ReturnsReport; error?: unknown; busy: boolean }) {
  return html`<h2>Return file</h2>
    <form class="card inline-form" data-testid="upload-returns" @submit=${submit}>
      <label>The bank’s return or notification-of-change file (NACHA text)
        <input type="file" name="returnFile" accept=".txt,.ach,.nacha,text/plain" required />
      </label>
      <button type="submit" class="primary" ?disabled=${upload.busy}>${upload.busy ? 'Uploading…' : 'Upload return file'}</button>
    </form>
    ${upload.error ? html`<div class="error" role="alert" data-testid="returns-error">${upload.error instanceof Error ? upload.error.message : String(upload.error)}</div>` : nothing}
    ${upload.report ? returnsReport(upload.report) : nothing}`;
}

const payoutLink = (id: string | null) => (id ? html`<a href="#/payouts/${id}"><code>${id.slice(0, 8)}…</code></a>` : '—');

function returnsReport(report: ReturnsReport) {
  const { returns, corrections, unmatched } = report;
  return html`<div class="card" role="status" data-testid="returns-report">
    <strong>Return file read. Returns: ${returns.length} · Corrections: ${corrections.length} · Unmatched: ${unmatched.length}</strong>
    <div class="muted">Each entry’s outcome is below; uploading the same file again changes nothing.</div>
    ${
      returns.length
        ? html`<h3>Returns</h3><div class="table-scroll"><table class="table" data-testid="returns-applied">
          <thead><tr><th>Line</th><th>Trace</th><th>Code</th><th>Payout</th><th>Outcome</th></tr></thead>
          <tbody>${returns.map((r) => html`<tr><td>${r.line}</td><td><code>${r.traceNumber}</code></td><td>${r.code}: ${r.description}</td><td>${payoutLink(r.payoutId)}</td><td>${r.outcome}</td></tr>`)}</tbody>
        </table></div>`
        : nothing
    }
    ${
      corrections.length
        ? html`<h3>Notifications of change</h3><div class="table-scroll"><table class="table" data-testid="returns-corrections">
          <thead><tr><th>Line</th><th>Trace</th><th>Code</th><th>Payout</th><th>Outcome</th></tr></thead>
          <tbody>${corrections.map((c) => html`<tr><td>${c.line}</td><td><code>${c.traceNumber}</code></td><td>${c.code}</td><td>${payoutLink(c.payoutId)}</td><td>${c.outcome}</td></tr>`)}</tbody>
        </table></div>`
        : nothing
    }
    ${
      unmatched.length
        ? html`<h3>Unmatched</h3><div class="table-scroll"><table class="table" data-testid="returns-unmatched">
          <thead><tr><th>Line</th><th>Trace</th><th>Code</th><th>Why</th></tr></thead>
          <tbody>${unmatched.map((u) => html`<tr><td>${u.line}</td><td><code>${u.traceNumber}</code></td><td>${u.code}</td><td>${u.why}</td></tr>`)}</tbody>
        </table></div>`
        : nothing
    }
  </div>`;
}

export function bankFileDetailPage(el: HTMLElement, ctx: PageContext) {
  const notice = productionOnly('Bank file');
  if (notice) return render(notice, el);
  const id = ctx.params[0]!;
  const canWrite = ctx.can('ach:write');
  let entries: AchEntry[] = [];
  let nextCursor: string | null = null;
  let actionError: unknown = null;
  let voiding = false;
  let busy = false;
  const entriesPath = (cursor?: string) => `/ach/files/${id}/entries?${new URLSearchParams({ limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })}`;
  page(
    el,
    async () => {
      const [file, list] = await Promise.all([get(`/ach/files/${id}`), get<Page<AchEntry>>(entriesPath())]);
      [entries, nextCursor] = [list.data, list.nextCursor];
      return unwrap<AchFile>(file);
    },
    (file, reload) => {
      // Files record `user:<id>` or `api_key:<id>`; the signed-in user reads "you".
      const byWhom = (actor: string) => (actor === `user:${ctx.session.user.id}` ? 'you' : actor.startsWith('api_key:') ? 'an API key' : 'another user');
      const act = async (fn: () => Promise<unknown>) => {
        if (busy) return;
        busy = true;
        try {
          await fn();
          actionError = null;
        } catch (error) {
          actionError = error;
        } finally {
          busy = false;
        }
        await reload();
      };
      const markSent = () =>
        confirm(
          `Mark ${file.fileName} as sent? Do this once you have uploaded it to your bank: its payouts then complete at the end of ${day(file.effectiveDate)}.`,
        ) && act(() => post(`/ach/files/${id}/sent`));
      const keepFile = async () => {
        voiding = false;
        await reload();
      };
      const startVoid = async () => {
        voiding = true;
        await reload();
        el.querySelector<HTMLInputElement>('[name="voidReason"]')?.focus();
      };
      const confirmVoid = (event: Event) => {
        event.preventDefault();
        const reason = ((event.target as HTMLFormElement).elements.namedItem('voidReason') as HTMLInputElement).value.trim();
        voiding = false;
        return act(() => post(`/ach/files/${id}/void`, reason ? { reason } : {}));
      };
      const loadMore = async () => {
        try {
          const next = await get<Page<AchEntry>>(entriesPath(nextCursor!));
          [entries, nextCursor] = [[...entries, ...next.data], next.nextCursor];
        } catch (error) {
          actionError = error;
        }
        render(view(), el);
      };
      const fetchFile = async () => {
        try {
          await download(ctx, file);
          actionError = null;
        } catch (error) {
          actionError = error;
        }
        render(view(), el);
      };
      const view = () => html`
        <div class="page-head">
          <h1>Bank file ${file.fileName} ${fileBadge(file.status)}</h1>
        </div>
        <p class="muted" data-testid="file-status-meaning">${FILE_STATUS_MEANINGS[file.status]}</p>
        <div class="head-actions file-actions">
          <button class="primary" data-testid="download-file" @click=${fetchFile}>Download</button>
          ${canWrite && file.status === 'created' ? html`<button data-testid="mark-sent" ?disabled=${busy} @click=${markSent}>Mark sent</button>` : nothing}
          ${canWrite && (file.status === 'created' || file.status === 'sent') && !voiding ? html`<button class="danger" data-testid="void-file" @click=${startVoid}>Void</button>` : nothing}
          <a class="button" href="#/bank-files">All bank files</a>
        </div>
        ${
          voiding
            ? html`<form class="card edit-form" data-testid="void-form" @submit=${confirmVoid}>
              <strong>Void this file?</strong>
              <span>Only if the bank rejected it or it was never uploaded: its ${countOf(file.payoutCount, 'payout')} go back to pending and into the next file. This cannot be undone.</span>
              <label>Reason (optional) <input name="voidReason" maxlength="200" placeholder="e.g. Rejected by the bank" /></label>
              <div class="actions"><button type="submit" class="danger">Void file</button><button type="button" @click=${keepFile}>Keep file</button></div>
            </form>`
            : nothing
        }
        ${errorBox(actionError)}
        <dl class="facts" data-testid="file-facts">
          <dt>Effective date</dt><dd>${day(file.effectiveDate)}</dd>
          <dt>Payouts</dt><dd>${file.payoutCount} (${countOf(file.entryCount, 'entry', 'entries')} in the file)</dd>
          <dt>Credits</dt><dd>${money(file.creditTotal)}</dd>
          ${file.debitTotal ? html`<dt>Offset debits</dt><dd>${money(file.debitTotal)}</dd>` : nothing}
          <dt>Created</dt><dd>${dateTime(file.createdAt)} by ${byWhom(file.createdBy)}</dd>
          <dt>Sent</dt><dd>${dateTime(file.sentAt)}</dd>
          <dt>Settled</dt><dd>${dateTime(file.settledAt)}</dd>
          ${file.voidedAt ? html`<dt>Voided</dt><dd>${dateTime(file.voidedAt)}${file.voidReason ? html` — ${file.voidReason}` : nothing}</dd>` : nothing}
          <dt>Size</dt><dd>${file.byteLength == null ? '—' : `${file.byteLength.toLocaleString('en-US')} bytes`}</dd>
          <dt>SHA-256</dt><dd><code>${file.sha256 ?? '—'}</code></dd>
        </dl>
        <h2>Payouts in this file</h2>
        ${
          entries.length === 0
            ? empty('No entries.')
            : html`<div class="table-scroll"><table class="table" data-testid="file-entries">
              <thead><tr><th>Account holder</th><th class="num">Amount</th><th class="wide-only">Account</th><th>Payout</th><th class="wide-only">Trace</th></tr></thead>
              <tbody>
                ${entries.map(
                  (e) => html`<tr class=${e.active ? '' : 'revoked'}>
                    <td>${e.holderName}<div class="muted">${e.secCode}<span class="phone-only">••••${e.accountLast4} ${e.accountType}</span></div></td>
                    <td class="num nowrap">${money(e.amount)}</td>
                    <td class="wide-only nowrap">••••${e.accountLast4} <span class="muted">${e.accountType}</span></td>
                    <td><a href="#/payouts/${e.payoutId}">${statusBadge(e.payoutStatus)}</a>
                      ${e.active ? nothing : html`<div class="muted">Not active (file voided)</div>`}</td>
                    <td class="wide-only"><code>${e.traceNumber}</code></td>
                  </tr>`,
                )}
              </tbody>
            </table></div>`
        }
        <div class="pager">${nextCursor ? html`<button data-testid="more-entries" @click=${loadMore}>Load more</button>` : nothing}</div>
      `;
      return view();
    },
  );
}
