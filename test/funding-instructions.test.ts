import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, signInAs, type TestApp } from './harness.js';
import { expectApiError } from './payout-helpers.js';

// The organization's funding instructions (issue #14): admins write them in the organization
// settings; everyone who sees the balance reads them (the Balance page shows them as plain text).
describe('funding instructions', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signInAs>>;
  let accountant: Awaited<ReturnType<typeof signInAs>>;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await signInAs(t, 'admin');
    accountant = await signInAs(t, 'accountant');
  });
  afterAll(() => t?.close());

  const patch = (headers: Record<string, string>, payload: object) => t.app.inject({ method: 'PATCH', url: '/organization/settings', headers, payload });
  const read = async (headers: Record<string, string>) => {
    const response = await t.app.inject({ method: 'GET', url: '/organization/funding-instructions', headers });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data;
  };

  it('are written by admins as plain text and read by everyone who sees the balance', async () => {
    expect(await read(accountant())).toEqual({ organizationId: t.defaultOrganizationId, fundingInstructions: null });
    const text = 'Wire to First Bank, routing 011000015, account 123456789.\r\nReference: your organization id <b>not bold</b>';
    const response = await patch(admin(), { fundingInstructions: `  ${text}  ` });
    expect(response.statusCode, response.body).toBe(200);
    const stored = text.replace('\r\n', '\n');
    expect(response.json().data).toMatchObject({ fundingInstructions: stored, senderName: null });
    expect((await read(accountant())).fundingInstructions).toBe(stored);
    expect((await read(bearer(await t.createKey('production')))).fundingInstructions).toBe(stored);
    // Another setting changed alone leaves them as they are; null or "" removes them.
    expect((await patch(admin(), { senderName: 'Acme' })).json().data.fundingInstructions).toBe(stored);
    expect((await patch(admin(), { fundingInstructions: '' })).json().data.fundingInstructions).toBeNull();
  });

  it('refuse more than 2,000 characters, control characters, and anyone but admins', async () => {
    expectApiError(await patch(admin(), { fundingInstructions: 'x'.repeat(2001) }), 400, 'invalid_request', 'fundingInstructions');
    expect((await patch(admin(), { fundingInstructions: 'x'.repeat(2000) })).statusCode).toBe(200);
    expectApiError(await patch(admin(), { fundingInstructions: 'Wire\u0007 to' }), 400, 'invalid_request', 'fundingInstructions');
    expectApiError(await patch(accountant(), { fundingInstructions: 'Mine' }), 403, 'forbidden');
    expectApiError(await patch((await signInAs(t, 'manager'))(), { fundingInstructions: 'Mine' }), 403, 'forbidden');
    expect((await read(admin())).fundingInstructions).toBe('x'.repeat(2000));
  });
});
