import { html, nothing, render, type TemplateResult } from 'lit-html';
import { RequestFailed } from './api.js';

export { html, nothing, render };
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
