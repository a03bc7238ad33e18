import { createHash } from 'node:crypto';

// Server-rendered HTML: every interpolated value goes through `escapeHtml`, so no name, description
// or reason can become markup.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);

const PAGE_STYLE = `body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}
h1{font-size:1.4rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#52606d}.sandbox{background:#fff3c4;padding:.3rem .6rem;border-radius:4px}`;

/**
 * The Content-Security-Policy of these pages: no script at all, and only their own inline style,
 * allowed by its hash (the site-wide policy forbids inline styles).
 */
export const HTML_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;

/** A small standalone page in the product's plain look; `body` must already be escaped HTML. Serve it with HTML_PAGE_CSP. */
export function htmlPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head><body>${body}</body></html>`;
}
