import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppInstance } from '../src/app.js';
import { reencryptEverything } from '../src/cli/encryption-commands.js';
import type { Config } from '../src/config.js';
import { decryptText, keyedHash, parseKeyRing } from '../src/platform/crypto.js';
import { createLogger } from '../src/platform/log.js';
import { workerTasks } from '../src/worker/tasks.js';
import { startWorker } from '../src/worker/worker.js';
import { BANK_SETTINGS, bankRecipient, fundProduction, pendingPayouts, setUpBank } from './ach-helpers.js';
import { bearer, createTestApp, LogCapture, signInAs, type TestApp, testConfig } from './harness.js';
import { testWorker } from './payout-helpers.js';
import { startReceiver, type Receiver } from './receiver.js';
import { scanDatabase } from './sensitive-scan.js';
import { insertSignedForm, w9 } from './tax-form-fixtures.js';

const OLD = Buffer.alloc(32, 1).toString('base64');
const NEW = Buffer.alloc(32, 2).toString('base64');
const OLD_ONLY = parseKeyRing(`old:${OLD}`)!;
const ROTATING = parseKeyRing(`new:${NEW},old:${OLD}`)!;
const NEW_ONLY = parseKeyRing(`new:${NEW}`)!;
const TIN = '521904837';

// The rotation procedure of the README: add a new first key (`new:…,old:…`) and restart, run
// `payouts encryption re-encrypt`, then drop the old key. Each stage is the real app and worker
// with that ENCRYPTION_KEY, on the same database.
describe('encryption key rotation', { timeout: 120_000 }, () => {
  let t: TestApp;
  let receiver: Receiver;
  let sandboxKey: string;
  let productionKey: string;
  let subscriptionSecret: string;
  let subscriptionId: string;
  let fileId: string;
  let fileText: string;
  let taxFormId: string;

  /** The app and worker as a restart with this key ring runs them. */
  async function stage(keys: Config['encryptionKeys']) {
    const config = testConfig({ encryptionKeys: keys });
    const app: AppInstance = await buildApp({ config, db: t.db, logger: createLogger('info', new LogCapture()) });
    const worker = startWorker({ db: t.db, config, log: app.log as never }, workerTasks(config), { loop: false });
    const drain = async () => {
      for (let i = 0; i < 200; i++) if ((await worker.tick()) === 0) return;
      throw new Error('the worker still had work after many ticks');
    };
    return {
      app,
      async download() {
        const response = await app.inject({ method: 'GET', url: `/ach/files/${fileId}/download`, headers: bearer(productionKey) });
        expect(response.statusCode).toBe(200);
        return response.body;
      },
      /** One payout's webhooks; answers the last delivery of the subscription. */
      async deliver() {
        await app.inject({
          method: 'POST',
          url: '/payments',
          headers: bearer(sandboxKey),
          payload: { payouts: [{ payeeEmail: 'sandbox+canceled@example.com', amount: 1 }] },
        });
        await drain();
        return receiver
          .deliveries()
          .filter((r) => r.body.subscription_id === subscriptionId)
          .at(-1)!;
      },
      async close() {
        await worker.stop();
        await app.close();
      },
    };
  }

  /** An idempotent subscription request: its stored answer holds the secret (sealed). */
  const subscribeOnce = () => ({
    method: 'POST' as const,
    url: '/events/subscription',
    headers: { ...bearer(sandboxKey), 'idempotency-key': 'subscribe-1' },
    payload: { event_name: 'payout.updated', callback_url: receiver.url },
  });

  /** Every sealed value in the database with the key it is under. */
  async function sealedValues(): Promise<{ where: string; value: string }[]> {
    const q = async (where: string, sql: string) => (await t.db.query<{ v: string }>(sql)).map((r) => ({ where, value: r.v }));
    return [
      ...(await q('payout_methods', 'select account_number_encrypted as v from payout_methods where account_number_encrypted is not null')),
      ...(await q('ach_settings', 'select offset_account_encrypted as v from ach_settings where offset_account_encrypted is not null')),
      ...(await q('ach_file_chunks', 'select content_encrypted as v from ach_file_chunks')),
      ...(await q('ach_entries', 'select account_number_encrypted as v from ach_entries')),
      ...(await q('webhook_secrets', 'select secret as v from webhook_secrets')),
      ...(await q('tax_forms', 'select details_encrypted as v from tax_forms')),
      ...(await q('idempotency_keys', 'select response_body as v from idempotency_keys where response_body is not null')),
    ];
  }
  const keyIdsOf = (values: { value: string }[]) => [...new Set(values.map((v) => v.value.split(':')[1]))].sort();

  beforeAll(async () => {
    t = await createTestApp({ encryptionKeys: OLD_ONLY });
    receiver = await startReceiver();
    sandboxKey = await t.createKey('sandbox');
    productionKey = await t.createKey('production');
    const admin = await signInAs(t, 'admin');
    // Everything sealed under the only key there is: `old`.
    await fundProduction(t, t.defaultOrganizationId, 1_000_000n);
    await setUpBank(t, admin, {
      ...BANK_SETTINGS,
      balanced: true,
      offsetRoutingNumber: '121000248',
      offsetAccountNumber: '99887766',
      offsetAccountType: 'checking',
    });
    const recipientId = await bankRecipient(t, productionKey, { accountNumber: '40917263518' });
    const worker = testWorker(t);
    await pendingPayouts(t, productionKey, worker, [{ recipientId, amount: 12_345 }]);
    await worker.stop();
    const cut = await t.app.inject({ method: 'POST', url: '/ach/files', headers: bearer(productionKey) });
    expect(cut.statusCode, cut.body).toBe(201);
    fileId = cut.json().data.id;
    fileText = (await t.app.inject({ method: 'GET', url: `/ach/files/${fileId}/download`, headers: bearer(productionKey) })).body;
    expect(fileText).toContain('40917263518');
    const created = (await t.app.inject(subscribeOnce())).json().data;
    subscriptionId = created.subscription.id;
    subscriptionSecret = created.secret;
    taxFormId = (await insertSignedForm(t.db, { organizationId: t.defaultOrganizationId, environment: 'production' }, OLD_ONLY, recipientId, w9({ tin: TIN })))
      .id;
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('starts with every sealed value under the old key', async () => {
    const values = await sealedValues();
    expect(new Set(values.map((v) => v.where)).size).toBe(7);
    expect(keyIdsOf(values)).toEqual(['old']);
  });

  it('reads old data with `new:…,old:…`, seals new data under `new`, and re-encrypt moves everything to `new`', async () => {
    const rotating = await stage(ROTATING);
    try {
      expect(await rotating.download()).toBe(fileText);
      const delivered = await rotating.deliver();
      expect(() => new Webhook(subscriptionSecret).verify(delivered.rawBody, delivered.headers as Record<string, string>)).not.toThrow();
      // New data goes under the first key.
      const rotated = (
        await rotating.app.inject({
          method: 'POST',
          url: `/events/subscription/${subscriptionId}/rotate-secret`,
          headers: bearer(sandboxKey),
          payload: { overlap_seconds: 3600 },
        })
      ).json().data.secret as string;
      expect(keyIdsOf(await sealedValues())).toEqual(['new', 'old']);

      const first = await reencryptEverything(t.db, ROTATING, 2);
      expect(first.every((r) => r.remaining === 0)).toBe(true);
      expect(Object.fromEntries(first.map((r) => [r.label, r.resealed]))).toEqual({
        'payout_methods.account_number_encrypted': 1,
        'ach_settings.offset_account_encrypted': 1,
        'ach_file_chunks.content_encrypted': (await t.db.query('select 1 from ach_file_chunks')).length,
        'ach_entries.account_number_encrypted': (await t.db.query('select 1 from ach_entries')).length,
        'webhook_secrets.secret': 1,
        'tax_forms.details_encrypted': 1,
        'email_attachments.content_encrypted': (await t.db.query('select 1 from email_attachments')).length,
        'idempotency_keys.response_body': (await t.db.query('select 1 from idempotency_keys where response_body is not null')).length,
      });
      expect(keyIdsOf(await sealedValues())).toEqual(['new']);
      // The TIN's keyed hash is remade under the new key, from the decrypted TIN.
      const [form] = await t.db.query<{ tin_hash: string }>('select tin_hash from tax_forms where id = $1', [taxFormId]);
      expect(form!.tin_hash).toBe(keyedHash(NEW_ONLY, TIN));
      expect(form!.tin_hash).not.toBe(keyedHash(OLD_ONLY, TIN));
      // Repeatable: a second run finds nothing to do.
      expect((await reencryptEverything(t.db, ROTATING)).map((r) => r.resealed + r.remaining)).toEqual(first.map(() => 0));
      // Nothing anywhere is left under the old key.
      expect(await scanDatabase(t.db, ['v1:old:'])).toEqual([]);

      const after = await rotating.deliver();
      for (const secret of [subscriptionSecret, rotated])
        expect(() => new Webhook(secret).verify(after.rawBody, after.headers as Record<string, string>)).not.toThrow();
    } finally {
      await rotating.close();
    }
  });

  it('works with the old key dropped', async () => {
    const renewed = await stage(NEW_ONLY);
    try {
      expect(await renewed.download()).toBe(fileText);
      const delivered = await renewed.deliver();
      expect(() => new Webhook(subscriptionSecret).verify(delivered.rawBody, delivered.headers as Record<string, string>)).not.toThrow();
      for (const { value } of await sealedValues()) expect(() => decryptText(NEW_ONLY, value)).not.toThrow();
      const [form] = await t.db.query<{ details_encrypted: string }>('select details_encrypted from tax_forms where id = $1', [taxFormId]);
      expect(JSON.parse(decryptText(NEW_ONLY, form!.details_encrypted)).tin).toBe(TIN);
      // A replayed idempotent answer is read under the new key.
      const replay = await renewed.app.inject(subscribeOnce());
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json().data.secret).toBe(subscriptionSecret);
    } finally {
      await renewed.close();
    }
    // And without re-encrypting, the old data would not have been readable under the new key alone.
    expect(() => decryptText(NEW_ONLY, `v1:old:${'A'.repeat(40)}`)).toThrow('`old` is not in ENCRYPTION_KEY');
  });
});
