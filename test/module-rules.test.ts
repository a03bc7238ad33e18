import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The module rules (.dependency-cruiser.cjs) run in `npm test` over src/; here they are shown to
// fail the build on a fixture tree that breaks them, so a rule that silently matches nothing is caught.
const run = promisify(execFile);
const depcruise = (path: string) => run('npx', ['depcruise', path, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: process.cwd() });

describe('module dependency rules', () => {
  it('fail when a module imports another module’s repository, or platform imports a module', async () => {
    const failure = await depcruise('test/fixtures/module-rules/src').then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBeGreaterThan(0);
    expect(failure?.stdout).toContain(
      'module-through-its-index: test/fixtures/module-rules/src/modules/billing/billing.service.ts → test/fixtures/module-rules/src/modules/invoices/invoices.repository.ts',
    );
    expect(failure?.stdout).toContain(
      'platform-is-domain-free: test/fixtures/module-rules/src/platform/clock.ts → test/fixtures/module-rules/src/modules/billing/billing.service.ts',
    );
    // Going through the other module's index.ts is allowed.
    expect(failure?.stdout).not.toContain('billing.service.ts → test/fixtures/module-rules/src/modules/invoices/index.ts');
  });

  it('pass on the service itself', async () => {
    const { stdout } = await depcruise('src');
    expect(stdout).toContain('no dependency violations found');
  });
});
