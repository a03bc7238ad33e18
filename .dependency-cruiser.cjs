// The module rules of docs/architecture.md, checked on every `npm test`:
// platform ← modules ← app / worker / cli, and a module is entered only through its index.ts.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules depend on each other in one direction only.',
      from: { path: '(^|/)src/' },
      to: { circular: true },
    },
    {
      name: 'module-through-its-index',
      severity: 'error',
      comment: "A module uses another only through that module's index.ts, never its repository or other internals.",
      from: { path: '(^|/)src/modules/([^/]+)/' },
      to: { path: '(^|/)src/modules/([^/]+)/', pathNot: ['(^|/)src/modules/$2/', '(^|/)src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'platform-is-domain-free',
      severity: 'error',
      comment: 'platform/ is plumbing: it imports no module, nor the app, worker or CLI.',
      from: { path: '(^|/)src/platform/' },
      to: { path: '(^|/)src/(modules|worker|cli)/|(^|/)src/(app|runtime|main)\\.ts$' },
    },
    {
      name: 'modules-below-the-app',
      severity: 'error',
      comment: 'Types flow downward: modules import nothing from app.ts, runtime.ts, worker/ or cli/.',
      from: { path: '(^|/)src/modules/' },
      to: { path: '(^|/)src/(worker|cli)/|(^|/)src/(app|runtime|main)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
