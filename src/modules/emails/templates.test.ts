import { describe, expect, it } from 'vitest';
import { linkFor } from '../../platform/links.js';
import { dollars } from '../../platform/money.js';
import { HIDDEN, renderEmail, TEMPLATE_NAMES, type TemplateData } from './templates.js';

const links = { publicUrl: 'https://pay.example.com', linkSecret: 'unit-test-link-secret-of-32-characters!' };
const org = 'Acme <b>&</b> "Co"';
const payout = { id: '01a22db1-7228-7630-ac6e-ba3f945691f7', amount: 25_000, description: '<script>x</script>' };
const recipientId = '01a22db1-7228-7630-ac6e-ba3f945691f8';
const SAMPLES: { [T in keyof TemplateData]: TemplateData[T] } = {
  payouts_created: { organizationName: org, ready: false, totalAmount: 25_000, payoutCount: 1, payouts: [payout], recipientId },
  onboarding_invitation: { organizationName: org, recipientId, firstName: 'Ann' },
  payout_completed: { organizationName: org, payout },
  payout_failed: { organizationName: org, payout, status: 'returned', reason: 'Account closed', recipientId },
  one_time_code: { organizationName: org, code: '123456', validMinutes: 10 },
  claim_reminder: { organizationName: org, payout, expiresOn: '2026-01-31' },
  recipient_action_needed: { organizationName: org, recipientId, reason: 'Your bank account was closed' },
  payout_method_changed: { organizationName: org, recipientId, method: 'a bank account ending 6789', changedBy: 'you', changedAt: '2026-01-01' },
  user_invitation: { organizationName: org, email: 'new@example.com', role: 'manager', invitedBy: 'boss@example.com', token: 'tok_SECRET-1', validHours: 72 },
  password_reset: { organizationName: org, email: 'me@example.com', token: 'tok_SECRET-2', validMinutes: 60 },
  portal_locked: { organizationName: org, recipientId, lockedUntil: '2026-01-02 10:00 UTC', lockHours: 24 },
  tax_form_received: { organizationName: org, recipientId, formName: 'W-9', signedOn: 'May 3, 2026' },
};

describe('email templates', () => {
  it('renders every template with a text and an HTML part, escaping every value in the HTML', () => {
    for (const name of TEMPLATE_NAMES) {
      const email = renderEmail(name, SAMPLES[name], links);
      expect(email.subject.length, name).toBeGreaterThan(0);
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.text).toContain(org);
      expect(email.html).toContain('Acme &lt;b&gt;&amp;&lt;/b&gt; &quot;Co&quot;');
      expect(email.html).not.toContain('<script>');
      expect(email.html).not.toContain('<b>');
    }
  });

  it('says "{org} sent you $250.00" with the payout link, and what to do when not ready', () => {
    const email = renderEmail('payouts_created', SAMPLES.payouts_created, links);
    expect(email.subject).toBe(`${org} sent you $250.00`);
    expect(email.text).toContain(linkFor(links, 'payout', payout.id));
    expect(email.text).toContain('tell us how you want to be paid');
    expect(renderEmail('payouts_created', { ...SAMPLES.payouts_created, ready: true }, links).text).toContain('It is on its way');
  });

  it('lists at most 20 payouts and counts the rest', () => {
    const payouts = Array.from({ length: 20 }, (_, i) => ({ ...payout, description: `item ${i}` }));
    const email = renderEmail('payouts_created', { ...SAMPLES.payouts_created, payouts, payoutCount: 25, totalAmount: 625_000 }, links);
    expect(email.text).toContain('item 19');
    expect(email.text).toContain('and 5 more');
    expect(email.subject).toContain('$6,250.00');
  });

  it('hides a code on request and carries it otherwise', () => {
    expect(renderEmail('one_time_code', SAMPLES.one_time_code, links).text).toContain('123456');
    const hidden = renderEmail('one_time_code', SAMPLES.one_time_code, links, { hideSecrets: true });
    expect(JSON.stringify(hidden)).not.toContain('123456');
    expect(hidden.text).toContain(HIDDEN);
  });

  it('carries the set-password link in invitations and resets, and hides the whole link on request', () => {
    const invitation = renderEmail('user_invitation', SAMPLES.user_invitation, links);
    expect(invitation.text).toContain('https://pay.example.com/#/set-password?token=tok_SECRET-1');
    expect(invitation.html).toContain('href="https://pay.example.com/#/set-password?token=tok_SECRET-1"');
    expect(invitation.text).toContain('valid for 72 hours');
    const reset = renderEmail('password_reset', SAMPLES.password_reset, links);
    expect(reset.text).toContain('https://pay.example.com/#/set-password?token=tok_SECRET-2');
    expect(reset.text).toContain('valid for 60 minutes');
    for (const name of ['user_invitation', 'password_reset'] as const) {
      const hidden = renderEmail(name, SAMPLES[name], links, { hideSecrets: true });
      expect(JSON.stringify(hidden)).not.toMatch(/tok_SECRET|set-password/);
      expect(hidden.text).toContain(HIDDEN);
    }
  });

  it('formats dollars', () => {
    expect([dollars(0), dollars(5), dollars(25_000), dollars(123_456_789)]).toEqual(['$0.00', '$0.05', '$250.00', '$1,234,567.89']);
  });
});
