import { currentEnvironment, post } from '../api.js';
import { isEmail, money, parseCsv, parseDollars } from '../format.js';
import type { PageContext } from '../main.js';
import { errorBox, html, nothing, render } from '../ui.js';

interface Row {
  email: string;
  amount: string;
  description: string;
  reference: string;
}

const blank = (): Row => ({ email: '', amount: '', description: '', reference: '' });

/** What is wrong with a row, in words; empty when it can be paid. */
export function rowProblems(row: Row): string[] {
  const problems: string[] = [];
  if (!isEmail(row.email)) problems.push(row.email.trim() ? 'not a valid email' : 'email is missing');
  const cents = parseDollars(row.amount);
  if (cents === undefined) problems.push(row.amount.trim() ? 'amount must be dollars like 12.50' : 'amount is missing');
  else if (cents <= 0) problems.push('amount must be greater than zero');
  if (row.description.length > 1000) problems.push('description is too long');
  if (row.reference.length > 255) problems.push('reference is too long');
  return problems;
}

export function newBatchPage(el: HTMLElement, _ctx: PageContext) {
  let rows: Row[] = [blank()];
  let csvError: string | null = null;
  let submitError: unknown = null;
  let submitting = false;
  // One key per batch being composed: a double click or a retry after a timeout creates one batch.
  let idempotencyKey = crypto.randomUUID();

  const update = (i: number, field: keyof Row, value: string) => {
    rows[i]![field] = value;
    draw();
  };

  const loadCsv = async (event: Event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const table = parseCsv(await file.text());
    const header = (table[0] ?? []).map((h) => h.trim().toLowerCase());
    const col = (name: string) => header.indexOf(name);
    if (col('email') === -1 || col('amount') === -1) {
      csvError = 'The CSV needs a header row with at least the columns email and amount (description and reference are optional).';
    } else {
      csvError = null;
      const imported = table.slice(1).map((cells) => ({
        email: cells[col('email')]?.trim() ?? '',
        amount: cells[col('amount')]?.trim() ?? '',
        description: col('description') === -1 ? '' : (cells[col('description')] ?? ''),
        reference: col('reference') === -1 ? '' : (cells[col('reference')] ?? ''),
      }));
      rows = [...rows.filter((r) => r.email || r.amount), ...imported];
      idempotencyKey = crypto.randomUUID();
    }
    draw();
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (submitting) return;
    submitting = true;
    submitError = null;
    draw();
    try {
      const payouts = rows.map((r) => ({
        payeeEmail: r.email.trim(),
        amount: parseDollars(r.amount)!,
        ...(r.description.trim() ? { description: r.description.trim() } : {}),
        ...(r.reference.trim() ? { referenceId: r.reference.trim() } : {}),
      }));
      const { data } = await post('/payments', { payouts }, { 'idempotency-key': idempotencyKey });
      location.hash = `#/batches/${data.batchId}`;
    } catch (error) {
      submitError = error;
      submitting = false;
      draw();
    }
  };

  function draw() {
    const problems = rows.map(rowProblems);
    const valid = rows.length > 0 && problems.every((p) => p.length === 0);
    const total = rows.reduce((sum, r) => sum + (parseDollars(r.amount) ?? 0), 0);
    render(
      html`
        <div class="page-head"><h1>New batch</h1></div>
        <p class="muted">Pay one or many people by email, in ${currentEnvironment()}. A batch is all or nothing: every row must be valid.</p>
        <div class="card">
          <label>Upload a CSV (columns: email, amount, description, reference)
            <input type="file" accept=".csv,text/csv" data-testid="csv-input" @change=${loadCsv} />
          </label>
          ${csvError ? html`<div class="error" role="alert">${csvError}</div>` : nothing}
        </div>
        <form @submit=${submit}>
          <table class="table editable" data-testid="batch-rows">
            <thead><tr><th>Email</th><th>Amount ($)</th><th>Description</th><th>Reference</th><th>Check</th><th></th></tr></thead>
            <tbody>
              ${rows.map(
                (row, i) => html`<tr class=${problems[i]!.length ? 'invalid' : ''}>
                  <td><input aria-label="Email, row ${i + 1}" .value=${row.email} @input=${(e: Event) => update(i, 'email', (e.target as HTMLInputElement).value)} /></td>
                  <td><input aria-label="Amount, row ${i + 1}" inputmode="decimal" .value=${row.amount} @input=${(e: Event) => update(i, 'amount', (e.target as HTMLInputElement).value)} /></td>
                  <td><input aria-label="Description, row ${i + 1}" .value=${row.description} @input=${(e: Event) => update(i, 'description', (e.target as HTMLInputElement).value)} /></td>
                  <td><input aria-label="Reference, row ${i + 1}" .value=${row.reference} @input=${(e: Event) => update(i, 'reference', (e.target as HTMLInputElement).value)} /></td>
                  <td class="check" data-testid="row-check">${problems[i]!.length ? html`<span class="bad">${problems[i]!.join('; ')}</span>` : html`<span class="ok">OK</span>`}</td>
                  <td><button type="button" class="link" aria-label="Remove row ${i + 1}" @click=${() => {
                    rows.splice(i, 1);
                    draw();
                  }}>Remove</button></td>
                </tr>`,
              )}
            </tbody>
          </table>
          <div class="actions">
            <button type="button" @click=${() => {
              rows.push(blank());
              draw();
            }}>Add row</button>
            <span class="spacer"></span>
            <strong>${rows.length} payout${rows.length === 1 ? '' : 's'}, ${money(total)}</strong>
            <button type="submit" class="primary" ?disabled=${!valid || submitting}>${submitting ? 'Creating…' : 'Create batch'}</button>
          </div>
          ${errorBox(submitError)}
        </form>
      `,
      el,
    );
  }
  draw();
}
