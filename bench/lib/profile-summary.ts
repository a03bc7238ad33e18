// Where a server's CPU time went, from the .cpuprofile that `node --cpu-prof` writes on exit:
// self time grouped by who runs it (our code, the database driver or PGlite, Fastify, Node…) and
// the functions that cost the most. Read, never asserted.
import { readFileSync } from 'node:fs';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  /** Share of the profiled time (idle included) per group, largest first. */
  groups: { group: string; ms: number; percent: number }[];
  /** The functions with the most self time, idle and the garbage collector left out. */
  top: { fn: string; where: string; ms: number; percent: number }[];
}

const GROUPS: [string, (url: string, fn: string) => boolean][] = [
  ['idle (waiting for I/O)', (_url, fn) => fn === '(idle)'],
  ['garbage collector', (_url, fn) => fn === '(garbage collector)'],
  ['PGlite (PostgreSQL in WebAssembly)', (url) => url.includes('@electric-sql/pglite') || url.startsWith('wasm://')],
  ['pg driver', (url) => /node_modules\/(pg|pg-protocol|pg-types|pg-pool)\//.test(url)],
  [
    'Fastify, schemas and JSON (fastify, ajv, find-my-way…)',
    (url) => /node_modules\/(fastify|@fastify|ajv|fast-json-stringify|find-my-way|avvio|light-my-request|pino|fast-uri)/.test(url),
  ],
  ['our code (src/)', (url) => url.includes('/src/')],
  ['other packages', (url) => url.includes('node_modules')],
  ['Node itself (HTTP, sockets, streams, crypto)', (url) => url.startsWith('node:')],
  ['native and V8 (program, regexp, JSON)', () => true],
];

const groupOf = (url: string, fn: string) => GROUPS.find(([, matches]) => matches(url, fn))![0];

const shortUrl = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/');

export function summarizeProfile(file: string, topCount = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const groups = new Map<string, number>();
  const functions = new Map<string, { fn: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const group = groupOf(url, functionName);
    groups.set(group, (groups.get(group) ?? 0) + us);
    if (group === 'idle (waiting for I/O)' || group === 'garbage collector') continue;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '(native)';
    const key = `${functionName}@${where}`;
    const entry = functions.get(key) ?? { fn: functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const percent = (us: number) => Math.round((us / Math.max(totalUs, 1)) * 1000) / 10;
  const ms = (us: number) => Math.round(us / 1000);
  return {
    file,
    totalMs: ms(totalUs),
    groups: [...groups].sort((a, b) => b[1] - a[1]).map(([group, us]) => ({ group, ms: ms(us), percent: percent(us) })),
    top: [...functions.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((f) => ({ fn: f.fn, where: f.where, ms: ms(f.us), percent: percent(f.us) })),
  };
}

export function profileToMarkdown(name: string, s: ProfileSummary): string[] {
  return [
    `### ${name} (${(s.totalMs / 1000).toFixed(1)} s profiled)`,
    '',
    '| where the time went | ms | % |',
    '|---|---:|---:|',
    ...s.groups.map((g) => `| ${g.group} | ${g.ms.toLocaleString('en-US')} | ${g.percent} |`),
    '',
    '| heaviest functions (self time) | where | ms | % |',
    '|---|---|---:|---:|',
    ...s.top.map((f) => `| \`${f.fn}\` | ${f.where} | ${f.ms.toLocaleString('en-US')} | ${f.percent} |`),
    '',
  ];
}
