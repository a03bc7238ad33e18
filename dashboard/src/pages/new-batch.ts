import { repeat } from 'lit-html/directives/repeat.js';
import { currentEnvironment, get, post, RequestFailed } from '../api.js';
import { checkRows, formatCents, type PayoutRow, type RowCheck, readPayoutCsv, rememberingCheckRow, SEPARATOR_NAMES } from '../csv-import.js';
import type { PageContext } from '../main.js';
import { errorBox, html, messageOf, nothing, notify, render } from '../ui.js';

// Composing a batch: typed rows or an uploaded CSV (read by csv-import.ts), every row re-checked
// after every edit, a summary of what is wrong at the top, and a confirmation with the total and
// the available balance before anything is paid. A batch is all or nothing, so Create stays off
// while any row has a problem. Up to 15,000 rows stay responsive: only one page of rows is drawn.

const PAGE_SIZE = 50;
const LINKED_PROBLEMS = 5;
type Field = 'email' | 'amount' | 'description' | 'reference';

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;
const blank = (row: number): PayoutRow => ({ row, email: '', amount: '', description: '', reference: '', separator: ',' });
const isBlank = (r: PayoutRow) => !r.email.trim() && !r.amount.trim() && !r.description.trim() && !r.reference.trim();
/** The input to focus for a row's first problem ("amount …" → the amount). */
const fieldOf = (problem: string | undefined): Field => (['amount', 'description', 'reference'] as const).find((f) => problem?.startsWith(f)) ?? 'email';

interface Confirmation {
  available?: bigint;
  error?: unknown;
}

export function newBatchPage(el: HTMLElement, _ctx: PageContext) {
  let rows: PayoutRow[] = [blank(1)];
  let fileLoaded = false;
  let csvError: string | null = null;
  let note: string | null = null;
  let first = 0; // index, in the rows shown, of the first row on this page
  let onlyThese: Set<number> | null = null; // "only rows with problems": the row numbers, fixed when asked
  let confirmation: Confirmation | null = null;
  let submitError: unknown = null;
  let submitting = false;
  // One key per batch being composed: a double click or a retry after a timeout creates one batch;
  // any change to the rows makes it another batch, with another key.
  let idempotencyKey = crypto.randomUUID();
  let checks: RowCheck[] = [];
  const checkOne = rememberingCheckRow();

  const changed = () => {
    idempotencyKey = crypto.randomUUID();
    submitError = null;
  };

  const update = (row: PayoutRow, field: Field, value: string) => {
    row[field] = value;
    if (row.importProblem && (row.importProblem.clearedBy === 'any' || field === 'amount')) delete row.importProblem;
    delete row.serverProblem;
    changed();
    draw();
  };

  const nextRowNumber = () => rows.reduce((max, r) => Math.max(max, r.row), fileLoaded ? 1 : 0) + 1;

  const loadCsv = async (event: Event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    const result = readPayoutCsv(await file.text());
    input.value = ''; // the same file again (after fixing it) is a new upload
    if (!result.ok) {
      csvError = result.error;
      note = null;
    } else {
      csvError = null;
      // A file replaces the table (a second upload is the corrected file, not more rows); the
      // note says so when it replaced rows that were filled in.
      const replaced = rows.filter((r) => !isBlank(r)).length;
      rows = result.rows;
      fileLoaded = true;
      onlyThese = null;
      first = 0;
      note = `Read ${file.name}: ${plural(result.rows.length, 'row', 'rows')} separated by ${SEPARATOR_NAMES[result.separator]}${
        result.ignoredColumns.length ? `; columns ignored: ${result.ignoredColumns.join(', ')}` : ''
      }${replaced ? ` (it replaced the ${plural(replaced, 'row', 'rows')} in the table)` : ''}. Row numbers are the file's as a spreadsheet shows it (the header is row 1).`;
      changed();
    }
    draw();
  };

  const visibleRows = () => (onlyThese ? rows.filter((r) => onlyThese!.has(r.row)) : rows);

  const goToRow = (rowNumber: number) => {
    if (onlyThese && !onlyThese.has(rowNumber)) onlyThese = null;
    const index = visibleRows().findIndex((r) => r.row === rowNumber);
    if (index === -1) return;
    first = Math.floor(index / PAGE_SIZE) * PAGE_SIZE;
    draw();
    const tr = el.querySelector<HTMLElement>(`tr[data-row="${rowNumber}"]`);
    if (!tr) return;
    tr.scrollIntoView({ block: 'center' });
    const problem = checks[rows.findIndex((r) => r.row === rowNumber)]?.problems[0];
    tr.querySelector<HTMLInputElement>(`input[data-field="${fieldOf(problem)}"]`)?.focus({ preventScroll: true });
  };

  const removeRows = (remove: (row: PayoutRow, i: number) => boolean) => {
    rows = rows.filter((r, i) => !remove(r, i));
    if (rows.length === 0) rows = [blank(nextRowNumber())];
    if (onlyThese) onlyThese = new Set(rows.filter((r) => onlyThese!.has(r.row)).map((r) => r.row));
    first = Math.min(first, Math.max(0, Math.floor((visibleRows().length - 1) / PAGE_SIZE) * PAGE_SIZE));
    changed();
  };

  const removeProblemRows = () => {
    const bad = new Set(rows.filter((_, i) => checks[i]!.problems.length > 0).map((r) => r.row));
    removeRows((r) => bad.has(r.row));
    onlyThese = null;
    first = 0;
    note = `Removed ${plural(bad.size, 'row with a problem', 'rows with problems')}.`;
    draw();
  };

  const openConfirmation = async (event: Event) => {
    event.preventDefault();
    confirmation = {};
    draw();
    try {
      const { data } = await get<{ data: { available: number } }>('/balance');
      confirmation = { available: BigInt(data.available) };
    } catch (error) {
      confirmation = { error };
    }
    draw();
  };

  const closeConfirmation = () => {
    confirmation = null;
    draw();
  };

  const pay = async () => {
    if (submitting) return;
    submitting = true;
    submitError = null;
    draw();
    const total = checks.reduce((sum, c) => sum + c.cents!, 0n);
    const payouts = rows.map((r, i) => ({
      payeeEmail: r.email.trim(),
      amount: Number(checks[i]!.cents!), // at most Number.MAX_SAFE_INTEGER: parseAmount refuses more
      ...(r.description.trim() ? { description: r.description.trim() } : {}),
      ...(r.reference.trim() ? { referenceId: r.reference.trim() } : {}),
    }));
    try {
      const { data } = await post('/payments', { payouts }, { 'idempotency-key': idempotencyKey });
      notify(`Batch created: ${plural(payouts.length, 'payout', 'payouts')}, ${formatCents(total)}.`);
      location.hash = `#/batches/${data.batchId}`;
    } catch (error) {
      submitting = false;
      submitError = error;
      if (error instanceof RequestFailed && error.error.code === 'payload_too_large') {
        // The server's BODY_LIMIT_BYTES (16 MiB by default: about 50,000 payouts with short descriptions).
        const megabytes = (new Blob([JSON.stringify({ payouts })]).size / 1_000_000).toFixed(1);
        submitError = new Error(
          `The batch is too large to send in one request (about ${megabytes} MB). Split the file into smaller batches, or ask your administrator to raise BODY_LIMIT_BYTES.`,
        );
      }
      // The server names the row it refused ("payouts[699].payeeEmail"): show it there.
      const at = error instanceof RequestFailed ? /^payouts\[(\d+)\]/.exec(error.error.param ?? '') : null;
      const row = at ? rows[Number(at[1])] : undefined;
      if (row) {
        row.serverProblem = `the server refused this row: ${messageOf(error)}`;
        confirmation = null;
      }
      draw();
    }
  };

  function summary(problemRows: PayoutRow[]) {
    const valid = rows.length - problemRows.length;
    const shown = problemRows.slice(0, LINKED_PROBLEMS);
    return html`<div class="card batch-summary" data-testid="batch-summary">
      <p>
        <strong>${count(valid)} valid, ${plural(problemRows.length, 'with a problem', 'with problems')}</strong>${
          shown.length
            ? html` — go to ${shown.map(
                (r, i) =>
                  html`${i ? ', ' : ''}<button type="button" class="link" data-testid="go-to-row" @click=${() => goToRow(r.row)}>row ${count(r.row)}</button>`,
              )}${problemRows.length > shown.length ? ` and ${count(problemRows.length - shown.length)} more` : ''}`
            : nothing
        }
      </p>
      ${
        problemRows.length
          ? html`<div class="actions">
              <button type="button" class="danger" @click=${removeProblemRows}>Remove the ${plural(problemRows.length, 'row with a problem', 'rows with problems')}</button>
              <button type="button" aria-pressed=${onlyThese ? 'true' : 'false'} @click=${() => {
                onlyThese = onlyThese ? null : new Set(problemRows.map((r) => r.row));
                first = 0;
                draw();
              }}>Show only rows with problems</button>
            </div>`
          : onlyThese
            ? html`<div class="actions"><button type="button" @click=${() => {
                onlyThese = null;
                draw();
              }}>Show all rows</button></div>`
            : nothing
      }
    </div>`;
  }

  function rowView(row: PayoutRow, check: RowCheck) {
    const n = count(row.row);
    const input = (field: Field, label: string, extra: { inputmode?: string } = {}) =>
      html`<input aria-label="${label}, row ${n}" placeholder=${label} data-field=${field} inputmode=${extra.inputmode ?? nothing} aria-describedby="check-${row.row}" .value=${row[field]}
        aria-invalid=${check.problems.some((p) => fieldOf(p) === field) ? 'true' : 'false'}
        @input=${(e: Event) => update(row, field, (e.target as HTMLInputElement).value)} />`;
    return html`<tr data-row=${row.row} class=${check.problems.length ? 'invalid' : ''}>
      <th scope="row" class="num">${n}</th>
      <td>${input('email', 'Email')}</td>
      <td>${input('amount', 'Amount', { inputmode: 'decimal' })}</td>
      <td>${input('description', 'Description')}</td>
      <td>${input('reference', 'Reference')}</td>
      <td class="check" id="check-${row.row}" data-testid="row-check">${
        check.problems.length ? html`<span class="bad">${check.problems.join('; ')}</span>` : html`<span class="ok">OK</span>`
      }</td>
      <td><button type="button" class="link" aria-label="Remove row ${n}" @click=${() => {
        removeRows((r) => r === row);
        draw();
      }}>Remove</button></td>
    </tr>`;
  }

  function confirmationView(total: bigint, payouts: number) {
    if (!confirmation) return nothing;
    const people = new Set(rows.map((r) => r.email.trim().toLowerCase())).size;
    const environment = currentEnvironment() === 'production' ? 'Production' : 'Sandbox';
    const { available, error } = confirmation;
    const short = available !== undefined && total > available ? total - available : 0n;
    return html`<dialog class="confirm-batch" data-testid="confirm-batch" aria-labelledby="confirm-batch-title" @close=${closeConfirmation}>
      <h2 id="confirm-batch-title">Confirm the batch</h2>
      ${
        available === undefined
          ? error
            ? errorBox(error)
            : html`<p class="muted">Checking the balance…</p>`
          : // One line: the sentence is read (and tested) as the person sees it.
            html`<p data-testid="confirm-text">Pay <strong>${formatCents(total)}</strong> to ${plural(people, 'person', 'people')}${people === payouts ? '' : ` (${plural(payouts, 'payout', 'payouts')})`} from <strong>${environment}</strong> — available ${formatCents(available)}</p>`
      }
      ${
        short > 0n
          ? html`<div class="error" role="alert">That is ${formatCents(short)} more than the available balance: fund the balance first (<a href="#/balance">Balance</a>).</div>`
          : nothing
      }
      ${errorBox(submitError)}
      <div class="actions">
        <button type="button" @click=${closeConfirmation}>Back</button>
        <span class="spacer"></span>
        <button type="button" class="primary" ?disabled=${available === undefined || short > 0n || submitting} @click=${pay}>
          ${submitting ? 'Paying…' : `Pay ${formatCents(total)}`}
        </button>
      </div>
    </dialog>`;
  }

  function draw() {
    checks = checkRows(rows, checkOne);
    const problemRows = rows.filter((_, i) => checks[i]!.problems.length > 0);
    const ready = problemRows.length === 0 && rows.length > 0;
    // The money of the rows that can be paid: a row flagged for its email or a formula cell may
    // have a readable amount, but it is not in the batch until fixed.
    const total = checks.reduce((sum, c) => sum + (c.problems.length === 0 ? (c.cents ?? 0n) : 0n), 0n);
    const shown = visibleRows();
    const pageRows = shown.slice(first, first + PAGE_SIZE);
    const checkOf = new Map(rows.map((r, i) => [r, checks[i]!]));
    const environment = currentEnvironment() === 'production' ? 'Production' : 'Sandbox';
    render(
      html`
        <div class="page-head"><h1>New batch</h1></div>
        <p class="muted">Pay one or many people by email, in ${environment}. A batch is all or nothing: every row must be valid.</p>
        <div class="card">
          <label>Upload a CSV
            <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="csv-input" @change=${loadCsv} />
          </label>
          <p class="muted csv-help">
            A header row, then one payout per row: <code>email</code>, <code>amount</code> in dollars (<code>1234.56</code>, or
            <code>"$1,234.56"</code> in quotes), optional <code>description</code> and <code>reference</code>. Separated by commas,
            semicolons or tabs; UTF-8.
          </p>
          ${csvError ? html`<div class="error" role="alert" data-testid="csv-error">${csvError}</div>` : nothing}
          ${note ? html`<p class="muted" data-testid="csv-note">${note}</p>` : nothing}
        </div>
        ${fileLoaded || rows.length > 1 ? summary(problemRows) : nothing}
        <form @submit=${openConfirmation}>
          <div class="table-scroll batch-rows-scroll">
            <table class="table editable batch-rows" data-testid="batch-rows">
              <thead><tr><th scope="col" class="num">Row</th><th scope="col">Email</th><th scope="col">Amount ($)</th><th scope="col">Description</th><th scope="col">Reference</th><th scope="col">Check</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
              <tbody>${repeat(
                pageRows,
                (r) => r.row,
                (r) => rowView(r, checkOf.get(r)!),
              )}</tbody>
            </table>
          </div>
          ${
            shown.length > PAGE_SIZE
              ? html`<div class="pager" data-testid="rows-pager">
                  <button type="button" ?disabled=${first === 0} @click=${() => {
                    first = Math.max(0, first - PAGE_SIZE);
                    draw();
                  }}>Previous</button>
                  <span>Rows ${count(first + 1)}–${count(first + pageRows.length)} of ${count(shown.length)}</span>
                  <button type="button" ?disabled=${first + PAGE_SIZE >= shown.length} @click=${() => {
                    first += PAGE_SIZE;
                    draw();
                  }}>Next</button>
                </div>`
              : nothing
          }
          <div class="actions">
            <button type="button" @click=${() => {
              rows.push(blank(nextRowNumber()));
              onlyThese = null;
              first = Math.floor((rows.length - 1) / PAGE_SIZE) * PAGE_SIZE;
              changed();
              draw();
            }}>Add row</button>
            <span class="spacer"></span>
            <strong data-testid="batch-total">${
              problemRows.length
                ? `${plural(rows.length, 'row', 'rows')}, ${formatCents(total)} in the ${count(rows.length - problemRows.length)} valid`
                : `${plural(rows.length, 'payout', 'payouts')}, ${formatCents(total)}`
            }</strong>
            <button type="submit" class="primary" ?disabled=${!ready || confirmation !== null}>Create batch</button>
          </div>
          ${confirmation ? nothing : errorBox(submitError)}
        </form>
        ${confirmationView(total, rows.length)}
      `,
      el,
    );
    const dialog = el.querySelector<HTMLDialogElement>('dialog.confirm-batch');
    if (dialog && !dialog.open) dialog.showModal();
  }
  draw();
}
