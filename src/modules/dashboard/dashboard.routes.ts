import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { AppInstance } from '../../platform/http/app-instance.js';

const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

interface Assets {
  html: string;
  js: string;
  css: string;
}

let bundling: Promise<Assets> | undefined;

/**
 * Builds the dashboard in memory when the server starts: TypeScript bundled by esbuild (which
 * comes with the install), so users have no build step to run and nothing stale to serve.
 */
export function dashboardAssets(): Promise<Assets> {
  bundling ??= (async () => {
    const [result, html, css] = await Promise.all([
      build({
        entryPoints: [`${DASHBOARD_DIR}src/main.ts`],
        bundle: true,
        write: false,
        format: 'esm',
        target: 'es2022',
        minify: true,
        sourcemap: false,
        logLevel: 'silent',
      }),
      readFile(`${DASHBOARD_DIR}index.html`, 'utf8'),
      readFile(`${DASHBOARD_DIR}styles.css`, 'utf8'),
    ]);
    return { html, js: result.outputFiles[0]!.text, css };
  })();
  return bundling;
}

export default async function dashboardRoutes(app: AppInstance) {
  const assets = await dashboardAssets();
  const hidden = { hide: true };
  const security = (reply: { header: (k: string, v: string) => unknown }) => {
    reply.header(
      'content-security-policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    );
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
  };
  app.get('/', { config: { public: true }, schema: hidden }, async (_request, reply) => {
    security(reply);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(assets.html);
  });
  app.get('/assets/app.js', { config: { public: true }, schema: hidden }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(assets.js),
  );
  app.get('/assets/styles.css', { config: { public: true }, schema: hidden }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(assets.css),
  );
}
