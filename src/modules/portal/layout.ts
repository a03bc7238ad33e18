import { createHash } from 'node:crypto';
import { escapeHtml } from '../../platform/html.js';
import type { Environment } from '../../platform/tenant.js';

// The portal's one page shell: server-rendered, no script at all, one inline style sheet allowed
// by its hash. The colours and type are the dashboard's (dashboard/styles.css), laid out for a
// phone first.

const STYLE = `:root{--ink:#1d2433;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--brand:#3b5bdb;--danger:#c92a2a;--ok:#2b8a3e;--warn:#e8590c;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink)}
*{box-sizing:border-box}body{margin:0;background:var(--bg);font-size:15px;line-height:1.5}
a{color:var(--brand)}:focus-visible{outline:2px solid var(--brand);outline-offset:2px}
.sandbox-banner{background:var(--warn);color:#fff;text-align:center;padding:4px;font-weight:600;font-size:12.5px;letter-spacing:.02em}
.topbar{display:flex;align-items:center;gap:12px;padding:10px 16px;background:#fff;border-bottom:1px solid var(--line)}
.brand{font-weight:700;font-size:17px;flex:1;overflow-wrap:anywhere}.topbar form{display:block}
main{max-width:40rem;margin:0 auto;padding:20px 16px 48px}
h1{font-size:22px;margin:0 0 12px;overflow-wrap:anywhere}h2{font-size:16px;margin:24px 0 10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin-bottom:14px}
.amount{font-size:30px;font-weight:700;margin:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
form{display:flex;flex-direction:column;gap:14px;margin:0}
label{display:flex;flex-direction:column;gap:4px;color:var(--muted);font-size:13px}
label.check{flex-direction:row;align-items:center;gap:8px;color:var(--ink);font-size:15px}
fieldset{border:1px solid var(--line);border-radius:6px;padding:8px 12px 12px;margin:0}legend{color:var(--muted);font-size:13px;padding:0 4px}
input,select{font:inherit;font-size:16px;padding:9px 10px;border:1px solid #d0d5dd;border-radius:6px;background:#fff;color:var(--ink);width:100%}
input[type=checkbox],input[type=radio]{width:auto}input[aria-invalid=true]{border-color:var(--danger)}
.code{letter-spacing:.3em;font-variant-numeric:tabular-nums;max-width:12rem}
.field-error{color:var(--danger);font-size:13px}
button{font:inherit;padding:10px 16px;border-radius:6px;border:1px solid #d0d5dd;background:#fff;color:var(--ink);cursor:pointer}
button.primary{background:var(--brand);border-color:var(--brand);color:#fff;font-weight:600}
button.danger{color:var(--danger);border-color:#f1c0c0}button.link{border:none;background:none;color:var(--brand);padding:4px 6px}
.actions{display:flex;gap:10px;flex-wrap:wrap;align-items:center}.actions form{display:block}
.error{background:#fff5f5;border:1px solid #ffc9c9;color:var(--danger);padding:10px 14px;border-radius:6px;margin:0 0 14px}
.notice{background:#f4fce3;border:1px solid #c0eb75;padding:10px 14px;border-radius:6px;margin:0 0 14px}
.muted{color:var(--muted)}.small{font-size:13px}
.badge{display:inline-block;padding:2px 8px;border-radius:999px;font-size:12px;font-weight:600;background:#eef1f6;white-space:nowrap}
.badge-completed{background:#d3f9d8;color:#2b8a3e}.badge-failed,.badge-returned{background:#ffe3e3;color:#c92a2a}.badge-canceled{background:#f1f3f5;color:#495057}
.badge-processing,.badge-pending{background:#e7f5ff;color:#1864ab}.badge-awaiting_acceptance{background:#fff3bf;color:#8f5b00}
.payouts{list-style:none;margin:0;padding:0}.payouts li{border-bottom:1px solid var(--line)}.payouts li:last-child{border-bottom:none}
.payouts a{display:flex;gap:12px;align-items:center;padding:10px 2px;color:var(--ink);text-decoration:none}.payouts a:hover .what{text-decoration:underline}
.payouts .what{flex:1;min-width:0;overflow-wrap:anywhere}.payouts .sum{font-weight:600;font-variant-numeric:tabular-nums}
.timeline{list-style:none;margin:0;padding:0 0 0 4px}.timeline li{position:relative;padding:0 0 14px 22px;border-left:2px solid var(--line)}
.timeline li:last-child{border-left-color:transparent}.timeline li::before{content:"";position:absolute;left:-7px;top:4px;width:12px;height:12px;border-radius:50%;background:var(--brand)}
.steps{margin:0;padding-left:1.3rem}.steps li{margin:4px 0}
.hint{color:var(--muted);font-size:13px;margin-top:-8px}.field{display:flex;flex-direction:column;gap:4px}.field label{display:block}
fieldset.group{display:flex;flex-direction:column;gap:14px}.choices .hint{margin:-2px 0 8px 26px}.choices .actions+.hint{margin-left:0;margin-top:6px}
.cert{border-top:1px solid var(--line);padding-top:4px}.cert h2{margin-top:8px}.cert p{margin:0 0 8px}
.cert ul{margin:0 0 10px;padding-left:1.2rem}.cert ul.numbered{list-style:none;padding-left:0}.cert li{margin:4px 0}.cert li ul{margin-top:4px}
.cert:has(input[name=backupWithholding]:checked) .item-2{text-decoration:line-through;color:var(--muted)}`;

/** No script, the one style above, forms only to this server, never framed, no referrer for capability links. */
export const PORTAL_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

export interface Shell {
  title: string;
  /** The paying organization, shown in the top bar; absent on pages that know none (a bad link). */
  organizationName?: string;
  environment?: Environment;
  /** With a session: its CSRF token, for the top bar's sign-out form. */
  csrfToken?: string;
}

/** A whole page around `body`, which must already be escaped HTML. */
export function portalPage(shell: Shell, body: string): string {
  const sandbox = shell.environment === 'sandbox' ? '<div class="sandbox-banner" role="note">Sandbox: no real money moves</div>' : '';
  const signOut = shell.csrfToken
    ? `<form method="post" action="/portal/sign-out">${csrfField(shell.csrfToken)}<button class="link" type="submit">Sign out</button></form>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(shell.title)}</title>
<style>${STYLE}</style>
</head><body>${sandbox}<header class="topbar"><span class="brand">${escapeHtml(shell.organizationName ?? 'Payouts')}</span>${signOut}</header>
<main>${body}</main></body></html>`;
}

export const csrfField = (token: string) => `<input type="hidden" name="csrf" value="${escapeHtml(token)}">`;
