import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueTaxFormReceivedEmail } from '../src/modules/tax-forms/index.js';
import { linkFor } from '../src/platform/links.js';
import type { Tenant } from '../src/platform/tenant.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { bearer, createTestApp, type TestApp, TEST_ENCRYPTION_KEYS } from './harness.js';
import { drain, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';
import { insertSignedForm, pdfText, W8BEN, W9 } from './tax-form-fixtures.js';

describe('the "tax form received" email', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let worker: RunningWorker;

  const addRecipient = async (key: string, email: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: bearer(key),
      payload: { recipients: [{ firstName: 'Ada', lastName: 'Lovelace', email, shouldCollectTaxInfo: true }] },
    });
    expect(response.statusCode).toBe(201);
    return response.json().data.recipients[0].id as string;
  };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url, mailFrom: 'payouts@pay.example.com' });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
    await smtp.stop();
  });

  it('goes out over SMTP with the masked PDF attached, once however often it is queued', async () => {
    const key = await t.createKey('production');
    const tenant: Tenant = { organizationId: t.defaultOrganizationId, environment: 'production' };
    const recipientId = await addRecipient(key, 'ada@example.com');
    const form = await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, recipientId, W9);
    const first = await t.db.transaction((tx) => queueTaxFormReceivedEmail(tx, tenant, form, W9, TEST_ENCRYPTION_KEYS));
    await t.db.transaction((tx) => queueTaxFormReceivedEmail(tx, tenant, form, W9, TEST_ENCRYPTION_KEYS));
    // Stored sealed: neither the name nor the PDF's text is in clear in the outbox.
    const stored = await t.db.query<{ content_encrypted: string }>('select content_encrypted from email_attachments');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.content_encrypted).toMatch(/^v1:/);
    await drain(worker);

    const sent = smtp.messages.filter((m) => m.subject === 'Acme Studios received your Form W-9');
    expect(sent).toHaveLength(1);
    const message = sent[0]!;
    expect(JSON.stringify(message.to)).toContain('ada@example.com');
    expect(message.text).toContain(linkFor(t.config, 'recipient', recipientId));
    expect(message.text).toContain('signed on May 3, 2026');
    expect(message.attachments).toHaveLength(1);
    const [attachment] = message.attachments;
    expect(attachment!.filename).toBe('Form W-9 (TIN masked).pdf');
    expect(attachment!.contentType).toBe('application/pdf');
    const text = await pdfText(attachment!.content);
    expect(text).toContain('Ada Lovelace');
    expect(text).toContain('***-**-6789');
    expect(text).not.toContain('123-45-6789');
    expect(text).not.toContain('12345');

    const shown = await t.app.inject({ method: 'GET', url: `/emails/${first}`, headers: bearer(key) });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().data).toMatchObject({ status: 'sent', attachments: [{ filename: 'Form W-9 (TIN masked).pdf', contentType: 'application/pdf' }] });
  });

  it('is captured in the sandbox with its attachment listed, and nothing goes out', async () => {
    const key = await t.createKey('sandbox');
    const tenant: Tenant = { organizationId: t.defaultOrganizationId, environment: 'sandbox' };
    const recipientId = await addRecipient(key, 'lukasz@example.com');
    const form = await insertSignedForm(t.db, tenant, TEST_ENCRYPTION_KEYS, recipientId, W8BEN);
    const id = await t.db.transaction((tx) => queueTaxFormReceivedEmail(tx, tenant, form, W8BEN, TEST_ENCRYPTION_KEYS));
    const before = smtp.messages.length;
    await drain(worker);
    expect(smtp.messages).toHaveLength(before);
    const listed = await t.app.inject({ method: 'GET', url: `/emails?recipientId=${recipientId}`, headers: bearer(key) });
    expect(listed.json().data).toHaveLength(1);
    expect(listed.json().data[0]).toMatchObject({
      id,
      status: 'captured',
      subject: 'Acme Studios received your Form W-8BEN',
      attachments: [{ filename: 'Form W-8BEN (TIN masked).pdf', contentType: 'application/pdf', byteLength: expect.any(Number) }],
    });
  });
});
