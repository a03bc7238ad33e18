import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './harness.js';
import { drain, testWorker } from './payout-helpers.js';
import { type SmtpSink, startSmtpSink } from './smtp-sink.js';
import type { RunningWorker } from '../src/worker/worker.js';
import { signedYearOf } from './tax-form-fixtures.js';

// The portal's "Tax form" step over HTTP, in production: who may see and sign it, each mistake on
// its field with nothing saved, the signer record, a page sent twice (one after the other, and at
// the same instant) signing once, and readiness following the form.

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const ROUTING = '011000015';
const W9 = {
  formType: 'w9',
  legalName: 'Ana Lima',
  taxClassification: 'individual',
  address: '12 Main St',
  city: 'Springfield',
  state: 'IL',
  zip: '62701',
  tinType: 'ssn',
  tin: '123-45-6789',
  signature: 'Ana Lima',
  certify: 'on',
};

describe('the portal tax form step', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let key: string;
  let worker: RunningWorker;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ smtpUrl: smtp.url });
    await t.db.query(`update organizations set name = 'Acme Studios' where id = $1`, [t.defaultOrganizationId]);
    key = await t.createKey('production');
    worker = testWorker(t);
  });
  afterAll(async () => {
    await worker.stop();
    await t.close();
    await smtp.stop();
  });

  const auth = () => ({ authorization: `Bearer ${key}` });

  /** A new recipient, signed in to the portal through its onboarding link and the emailed code. */
  async function onboardee(email: string, shouldCollectTaxInfo = true) {
    const created = await t.app.inject({
      method: 'POST',
      url: '/recipients',
      headers: auth(),
      payload: { recipients: [{ email, firstName: 'Ana', lastName: 'Lima', shouldCollectTaxInfo }] },
    });
    expect(created.statusCode).toBe(201);
    const { id, onboardingUrl } = created.json().data.recipients[0];
    const linkKey = new URL(onboardingUrl).pathname.slice(1);
    expect((await t.app.inject({ method: 'POST', url: `/portal/code/${linkKey}`, headers: FORM, payload: '' })).statusCode).toBe(303);
    await drain(worker);
    const codeMail = smtp.messages.filter((m) => JSON.stringify(m.to).includes(email) && m.subject?.startsWith('Your code:')).at(-1)!;
    const code = /Your code is (\d{6})/.exec(codeMail.text!)![1]!;
    const signedIn = await t.app.inject({ method: 'POST', url: `/portal/verify/${linkKey}`, headers: FORM, payload: form({ code }) });
    expect(signedIn.statusCode).toBe(303);
    const cookie = [signedIn.headers['set-cookie']].flat()[0]!.split(';')[0]!;
    const home = await t.app.inject({ method: 'GET', url: '/portal', headers: { cookie } });
    return { id, cookie, csrf: /name="csrf" value="([^"]+)"/.exec(home.body)![1]! };
  }
  type Session = Awaited<ReturnType<typeof onboardee>>;
  const get = (s: Session, url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
  const post = (s: Session, url: string, fields: Record<string, string>) =>
    t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: s.cookie }, payload: form({ csrf: s.csrf, ...fields }) });
  const formsOf = (recipientId: string) =>
    t.db.query<{
      id: string;
      superseded_at: Date | null;
      signature: string;
      signer_session: string;
      signer_ip: string;
      signer_user_agent: string;
      tin_last4: string;
    }>('select id, superseded_at, signature, signer_session, signer_ip, signer_user_agent, tin_last4 from tax_forms where recipient_id = $1 order by id', [
      recipientId,
    ]);
  const recipient = async (id: string) => (await t.app.inject({ method: 'GET', url: `/recipients/${id}`, headers: auth() })).json().data;
  const replacesOf = (html: string) => /name="replaces" value="([^"]+)"/.exec(html)![1]!;

  async function withMethod(s: Session): Promise<string> {
    const saved = await post(s, '/portal/payout-method', {
      type: 'us_bank_account',
      accountHolderName: 'Ana Lima',
      accountHolderType: 'individual',
      routingNumber: ROUTING,
      accountNumber: '000123456789',
      accountNumberConfirmation: '000123456789',
      accountType: 'checking',
    });
    expect(saved.statusCode).toBe(303);
    return saved.headers.location as string;
  }

  it('onboarding has 4 steps: the payout method leads to the tax form, which leads to auto-accept; the recipient is then ready', async () => {
    const s = await onboardee('tax-w9@example.com');
    const profile = await get(s, '/portal/profile');
    expect(profile.body).toContain('Step 1 of 4 · Your details');
    expect(await withMethod(s)).toBe('/portal/tax-form?onboarding=1');
    expect((await recipient(s.id)).status).not.toBe('ready');

    const choice = await get(s, '/portal/tax-form?onboarding=1');
    expect(choice.body).toContain('Step 3 of 4 · Tax form');
    expect(choice.body).toContain('<legend>Tax form</legend>');
    const page = await get(s, '/portal/tax-form?form=w9&onboarding=1');
    for (const label of [
      'Legal name',
      'Business name',
      'Federal tax classification',
      'TIN type',
      'Taxpayer identification number',
      'Address',
      'City',
      'State',
      'ZIP code',
      'Signature',
    ]) {
      expect(page.body).toMatch(new RegExp(`<(label|legend)( for="\\w+")?>${label}<`));
    }
    expect(page.body).toContain('Under penalties of perjury, I certify that:');
    expect(page.body).toContain('4. The FATCA code(s) entered on this form (if any) indicating that I am exempt from FATCA reporting is correct.');
    expect(page.body).toContain('I certify the statements above under penalties of perjury');
    expect(replacesOf(page.body)).toBe('none');

    const signed = await t.app.inject({
      method: 'POST',
      url: '/portal/tax-form',
      headers: { ...FORM, cookie: s.cookie, 'user-agent': 'TaxTest/1.0' },
      payload: form({ csrf: s.csrf, ...W9, onboarding: '1', replaces: 'none' }),
    });
    expect(signed.statusCode).toBe(303);
    expect(signed.headers.location).toBe('/portal/auto-accept?onboarding=1&done=tax-form');
    const autoAccept = await get(s, signed.headers.location as string);
    expect(autoAccept.body).toContain('Step 4 of 4 · Future payouts');
    expect(autoAccept.body).toContain('Your tax form is signed and saved.');

    const [row] = await formsOf(s.id);
    expect(row).toMatchObject({ superseded_at: null, signature: 'Ana Lima', signer_ip: '127.0.0.1', signer_user_agent: 'TaxTest/1.0', tin_last4: '6789' });
    expect(row!.signer_session).toMatch(/^portal-session:[0-9a-f]{32}$/);
    expect(s.cookie).not.toContain(row!.signer_session.slice('portal-session:'.length));
    expect((await recipient(s.id)).status).toBe('ready');

    const home = await get(s, '/portal');
    expect(home.body).toMatch(/W-9, TIN ending in 6789, signed \d+ \w+ \d{4}/);
    expect(home.body).toContain('Sign a new one');
    expect(home.body).not.toContain('123456789');
  });

  it('needs a portal session to see the form and its CSRF token to sign it; nothing is saved without', async () => {
    const s = await onboardee('tax-guard@example.com');
    expect((await t.app.inject({ method: 'GET', url: '/portal/tax-form?form=w9' })).statusCode).toBe(401);
    const noSession = await t.app.inject({ method: 'POST', url: '/portal/tax-form', headers: FORM, payload: form({ ...W9, replaces: 'none' }) });
    expect(noSession.statusCode).toBe(401);
    const noToken = await t.app.inject({
      method: 'POST',
      url: '/portal/tax-form',
      headers: { ...FORM, cookie: s.cookie },
      payload: form({ ...W9, replaces: 'none' }),
    });
    expect(noToken.statusCode).toBe(403);
    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/portal/tax-form',
      headers: { ...FORM, cookie: s.cookie, 'sec-fetch-site': 'cross-site' },
      payload: form({ csrf: s.csrf, ...W9, replaces: 'none' }),
    });
    expect(crossSite.statusCode).toBe(403);
    expect(await formsOf(s.id)).toEqual([]);
  });

  it('each mistake is shown on its field, the TIN is never written back, and nothing is saved', async () => {
    const s = await onboardee('tax-errors@example.com');
    await withMethod(s);
    const bad = await post(s, '/portal/tax-form', { ...W9, tin: '666-12-3456', zip: '1234', certify: '', replaces: 'none' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Please correct the fields marked below. Nothing was saved.');
    for (const name of ['tin', 'zip', 'certify']) {
      expect(bad.body).toMatch(new RegExp(`name="${name}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*${name}-error`));
    }
    expect(bad.body).toContain('This is not a valid SSN or ITIN. Check the number.');
    expect(bad.body).not.toContain('666-12-3456');
    expect(bad.body).toContain('value="Springfield"');
    const w8 = await post(s, '/portal/tax-form', {
      formType: 'w8ben',
      legalName: 'Ana Lima',
      citizenshipCountry: 'US',
      dateOfBirth: '2999-01-01',
      replaces: 'none',
    });
    expect(w8.statusCode).toBe(400);
    expect(w8.body).toContain('US citizens sign a W-9, not a W-8BEN.');
    expect(w8.body).toContain('A date of birth cannot be in the future.');
    expect(w8.body).toContain('Under penalties of perjury, I declare that I have examined the information on this form');
    expect(await formsOf(s.id)).toEqual([]);
    expect((await recipient(s.id)).status).not.toBe('ready');
  });

  it('a page sent twice signs once: one after the other, or both at the same instant', async () => {
    const s = await onboardee('tax-twice@example.com');
    await withMethod(s);
    const first = await post(s, '/portal/tax-form', { ...W9, replaces: 'none' });
    expect(first.headers.location).toBe('/portal?done=tax-form');
    const again = await post(s, '/portal/tax-form', { ...W9, replaces: 'none' });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe('/portal?done=tax-form-already');
    expect((await get(s, again.headers.location as string)).body).toContain('This tax form was already signed and saved, so it was not signed twice.');
    expect(await formsOf(s.id)).toHaveLength(1);

    // "Sign a new one": a fresh page replaces the current form; two copies of it sent at once sign one.
    const fresh = await get(s, '/portal/tax-form?form=w9');
    const replaces = replacesOf(fresh.body);
    expect(replaces).toBe((await formsOf(s.id))[0]!.id);
    const both = await Promise.all([0, 1].map(() => post(s, '/portal/tax-form', { ...W9, zip: '62702', replaces })));
    expect(both.map((r) => r.headers.location).sort()).toEqual(['/portal?done=tax-form', '/portal?done=tax-form-already']);
    const rows = await formsOf(s.id);
    expect(rows).toHaveLength(2);
    expect(rows.filter((r) => r.superseded_at === null)).toHaveLength(1);
  });

  it('a signature unlike the legal name is saved with a warning; a struck item 2 is saved and holds the recipient', async () => {
    const s = await onboardee('tax-struck@example.com');
    await withMethod(s);
    const signed = await post(s, '/portal/tax-form', { ...W9, signature: 'A. Lima-Souza', backupWithholding: 'on', replaces: 'none' });
    expect(signed.headers.location).toBe('/portal?done=tax-form-name');
    const home = await get(s, signed.headers.location as string);
    expect(home.body).toContain('the signature you typed differs from the legal name on the form');
    expect(home.body).toContain('Item 2 of the certification is crossed out (backup withholding)');
    const r = await recipient(s.id);
    expect(r.status).toBe('action_needed');
    expect(r.actionNeededReason).toContain('backup withholding');
  });

  it('W-8BEN: signed with an expiry, shown on the details card', async () => {
    const s = await onboardee('tax-w8@example.com');
    await withMethod(s);
    const page = await get(s, '/portal/tax-form?form=w8ben');
    for (const label of ['Legal name', 'Country of citizenship', 'Foreign tax identifying number', 'Date of birth', 'Signature'])
      expect(page.body).toMatch(new RegExp(`<label( for="\\w+")?>${label}<`));
    const signed = await post(s, '/portal/tax-form', {
      formType: 'w8ben',
      legalName: 'Ana Lima',
      citizenshipCountry: 'BR',
      address: 'Rua das Flores 10',
      city: 'Porto Alegre',
      country: 'BR',
      foreignTin: '123.456.789-09',
      dateOfBirth: '1990-07-14',
      signature: 'Ana Lima',
      certify: 'on',
      replaces: 'none',
    });
    expect(signed.headers.location).toBe('/portal?done=tax-form');
    const year = await signedYearOf(t.db, s.id);
    expect((await get(s, '/portal')).body).toContain(`, valid through 31 Dec ${year + 3}`);
    expect((await recipient(s.id)).status).toBe('ready');
  });

  it('a recipient whose sender collects no tax information keeps 3 steps and has no tax form page', async () => {
    const s = await onboardee('tax-none@example.com', false);
    expect((await get(s, '/portal/profile')).body).toContain('Step 1 of 3 · Your details');
    expect(await withMethod(s)).toBe('/portal/auto-accept?onboarding=1');
    expect((await get(s, '/portal/tax-form')).statusCode).toBe(404);
    expect((await post(s, '/portal/tax-form', { ...W9, replaces: 'none' })).statusCode).toBe(404);
    expect(await formsOf(s.id)).toEqual([]);
    expect((await get(s, '/portal')).body).not.toContain('Tax form');
  });
});
