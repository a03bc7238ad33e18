import { html, nothing, render, svg, type TemplateResult } from 'lit-html';
import { RequestFailed } from './api.js';

export { html, nothing, render, svg };
export type { TemplateResult };

export const STATUS_LABELS: Record<string, string> = {
  created: 'Created',
  pending: 'Pending',
  awaiting_acceptance: 'Awaiting acceptance',
  processing: 'Processing',
  completed: 'Completed',
  failed: 'Failed',
  returned: 'Returned',
  canceled: 'Canceled',
};

export const statusBadge = (status: string) => html`<span class="badge badge-${status}" data-status=${status}>${STATUS_LABELS[status] ?? status}</span>`;

/** The words of an error for people: the API's message, or a plain fallback. */
export const messageOf = (error: unknown) => (error instanceof RequestFailed ? error.error.message : error instanceof Error ? error.message : String(error));

export const errorBox = (error: unknown) => (error ? html`<div class="error" role="alert">${messageOf(error)}</div>` : nothing);

export const empty = (text: string) => html`<div class="empty">${text}</div>`;

/**
 * A page with its own async state: `load` fetches, `view` renders. `refresh()` loads again;
 * errors show in words instead of a blank page.
 */
export function page<T>(el: HTMLElement, load: () => Promise<T>, view: (data: T, refresh: () => Promise<void>) => TemplateResult) {
  const refresh = async () => {
    try {
      const data = await load();
      render(view(data, refresh), el);
    } catch (error) {
      render(html`${errorBox(error)}`, el);
    }
  };
  render(html`<p class="muted">Loading…</p>`, el);
  void refresh();
  return refresh;
}

export function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form).entries()].map(([k, v]) => [k, String(v)]));
}

/**
 * A success message for a change the user made ("Payout marked as paid."): shown for a few seconds
 * in one live region at the top of the page, so screen readers announce it and every page says
 * "done" the same way. Pages call it after the server confirmed the change.
 */
export function notify(message: string) {
  let region = document.getElementById('toast');
  if (!region) {
    region = document.createElement('div');
    region.id = 'toast';
    region.className = 'toast';
    region.setAttribute('role', 'status');
    region.setAttribute('aria-live', 'polite');
    region.dataset.testid = 'toast';
    document.body.append(region);
  }
  region.textContent = message;
  region.classList.add('visible');
  clearTimeout(Number(region.dataset.timer));
  region.dataset.timer = String(setTimeout(() => region.classList.remove('visible'), 6000));
}
