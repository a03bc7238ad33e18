import { api, get, post } from '../api.js';
import { dateTime } from '../format.js';
import type { PageContext } from '../main.js';
import { empty, errorBox, formValues, html, nothing, notify, page } from '../ui.js';

export function settingsPage(el: HTMLElement, ctx: PageContext) {
  let created: { key: string; name: string; environment: string } | null = null;
  let error: unknown = null;
  let senderSaved = false;
  let senderError: unknown = null;
  let zoneSaved = false;
  let zoneError: unknown = null;
  page(
    el,
    async () => {
      const [sandbox, production] = await Promise.all([
        api('GET', '/api-keys', undefined, { 'x-payouts-environment': 'sandbox' }),
        api('GET', '/api-keys', undefined, { 'x-payouts-environment': 'production' }),
      ]);
      const sender = ctx.can('users:manage') ? (await get('/organization/settings')).data : null;
      return { keys: [...sandbox.data, ...production.data].sort((a: any, b: any) => (a.createdAt < b.createdAt ? 1 : -1)), sender };
    },
    ({ keys, sender }, reload) => {
      const act = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          error = null;
        } catch (failure) {
          error = failure;
        }
        await reload();
      };
      const generate = (event: Event) => {
        event.preventDefault();
        const v = formValues(event.target as HTMLFormElement);
        return act(async () => {
          const { data } = await post('/api-keys', { name: v.name, environment: v.environment });
          created = { key: data.key, name: v.name!, environment: v.environment! };
          notify('API key created. Copy it now: it is shown once.');
        });
      };
      const revoke = (key: any) =>
        confirm(`Revoke “${key.name}”? Requests with it fail from now on.`) &&
        act(async () => {
          await api('DELETE', `/api-keys/${key.id}`, undefined, { 'x-payouts-environment': key.environment });
          notify('API key revoked.');
        });
      const saveSender = (event: Event) => {
        event.preventDefault();
        const v = formValues(event.target as HTMLFormElement);
        return (async () => {
          try {
            await api('PATCH', '/organization/settings', { senderName: v.senderName ?? '', replyTo: v.replyTo ?? '' });
            [senderSaved, senderError] = [true, null];
            notify('Sender saved.');
          } catch (failure) {
            [senderSaved, senderError] = [false, failure];
          }
          await reload();
        })();
      };
      const saveTimeZone = (event: Event) => {
        event.preventDefault();
        const v = formValues(event.target as HTMLFormElement);
        return (async () => {
          try {
            await api('PATCH', '/organization/settings', { timeZone: v.timeZone ?? '' });
            [zoneSaved, zoneError] = [true, null];
            notify('Time zone saved.');
          } catch (failure) {
            [zoneSaved, zoneError] = [false, failure];
          }
          await reload();
        })();
      };
      return html`
        <div class="page-head">
          <h1>Settings</h1>
          ${ctx.can('ach:settings') ? html`<a class="button" href="#/settings/bank" data-testid="bank-settings-link">Bank (ACH)</a>` : nothing}
        </div>
        ${errorBox(error)}
        <h2>API keys</h2>
        <form class="card inline-form" @submit=${generate} data-testid="generate-key">
          <strong>Generate a key</strong>
          <input name="name" required maxlength="100" placeholder="Name, e.g. Payroll server" aria-label="Key name" />
          <select name="environment" aria-label="Key environment"><option value="sandbox">Sandbox (sk_test_)</option><option value="production">Production (sk_live_)</option></select>
          <button type="submit" class="primary">Generate</button>
        </form>
        ${
          created
            ? html`<div class="notice" data-testid="new-key">
              <strong>Copy your new ${created.environment} key “${created.name}” now — it will not be shown again.</strong>
              <div class="copy-row"><code data-testid="new-key-value">${created.key}</code><button @click=${() => navigator.clipboard?.writeText(created!.key)}>Copy</button></div>
              <span class="muted">Store it in an environment variable or a secret manager; never in source code.</span>
            </div>`
            : nothing
        }
        ${
          keys.length === 0
            ? empty('No API keys yet.')
            : html`<table class="table" data-testid="keys-table"><thead><tr><th>Name</th><th>Key</th><th>Environment</th><th>Created by</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>
          ${keys.map(
            (k: any) => html`<tr class=${k.revokedAt ? 'revoked' : ''}>
            <td>${k.name}</td><td><code>${k.prefix}…${k.last4}</code></td><td>${k.environment}</td><td>${k.createdBy}</td><td>${dateTime(k.createdAt)}</td><td>${k.lastUsedAt ? dateTime(k.lastUsedAt) : 'Never'}</td>
            <td>${k.revokedAt ? html`<span class="muted">Revoked ${dateTime(k.revokedAt)}</span>` : html`<button class="danger" @click=${() => revoke(k)}>Revoke</button>`}</td>
          </tr>`,
          )}
        </tbody></table>`
        }
        ${sender ? senderSection(sender, saveSender, senderSaved, senderError) : nothing}
        ${sender ? reportingSection(sender, saveTimeZone, zoneSaved, zoneError) : nothing}
      `;
    },
  );
}

interface SenderSettings {
  organizationName: string;
  senderName: string | null;
  replyTo: string | null;
  timeZone: string;
}

/** Every zone this browser knows (the server checks the name again); the current one first if unknown here. */
function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zones = ['UTC', ...known.filter((zone) => zone !== 'UTC')];
  return zones.includes(current) ? zones : [current, ...zones];
}

/** Admins only: the time zone the 1099-NEC report counts a payment's calendar year in. */
function reportingSection(settings: SenderSettings, save: (event: Event) => unknown, saved: boolean, error: unknown) {
  return html`<h2>Year-end reporting</h2>
    <form class="card sender-form" @submit=${save} data-testid="reporting-settings">
      <p class="muted">The 1099-NEC report counts each payment in the calendar year of its date in this time zone.</p>
      <label>Time zone
        <select name="timeZone" data-testid="time-zone">
          ${timeZones(settings.timeZone).map((zone) => html`<option value=${zone} ?selected=${zone === settings.timeZone}>${zone}</option>`)}
        </select>
      </label>
      <div class="actions"><button type="submit" class="primary">Save time zone</button>${saved ? html`<span class="saved" role="status" data-testid="time-zone-saved">Saved.</span>` : nothing}</div>
      ${errorBox(error)}
    </form>`;
}

/** Admins only: the name and reply-to address of the organization's emails. */
function senderSection(sender: SenderSettings, save: (event: Event) => unknown, saved: boolean, error: unknown) {
  return html`<h2>Sender</h2>
    <form class="card sender-form" @submit=${save} data-testid="sender-settings">
      <p class="muted">How the organization's emails to payees look in their inbox. Leave the name empty to use the organization's name, “${sender.organizationName}”.</p>
      <label>Sender name <input name="senderName" maxlength="78" placeholder=${sender.organizationName} .value=${sender.senderName ?? ''} /></label>
      <label>Reply-to address <input name="replyTo" type="email" maxlength="254" placeholder="support@yourcompany.com" .value=${sender.replyTo ?? ''} /></label>
      <div class="actions"><button type="submit" class="primary">Save sender</button>${saved ? html`<span class="saved" role="status" data-testid="sender-saved">Saved.</span>` : nothing}</div>
      ${errorBox(error)}
    </form>`;
}
