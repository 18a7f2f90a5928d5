/**
 * Runs `npm run bench` several times and prints each figure's median and range, optionally
 * alternating with another commit's bench (A/B). On the shared 2-vCPU VMs of bench/README.md the
 * same code moves by a third within minutes ("Round 32"), so one run says little, and rounds 16–31
 * made their alternated pairs by hand (a git worktree of the old commit, runs in turn, figures
 * copied out of each JSON). This does the same, in one command:
 *
 *   node --import tsx bench/repeat.ts [--runs 3] [--base <commit>] [--json FILE] -- <bench arguments>
 *   node --import tsx bench/repeat.ts --runs 3 --base HEAD~2 -- --only postgres --at 14:00 --phases single,batch
 *
 * Each run is a whole `bench/run.ts` in a process of its own (a fresh database and cohort every
 * time, as one `npm run bench`), with `--json` added. With `--base`, a detached git worktree of that
 * commit gets this checkout's node_modules and runs its own bench/run.ts, before this tree's in odd
 * runs and after it in even ones (ABBA), so a drift of the machine falls on both sides alike. The
 * base runs its own bench code, load generator included (before round 32: node:http, whose floor
 * is lower), so compare the floors only between runs of one client. The worktree is removed at the end. Figures: the issue-15 keys, the floors, and the server's and the
 * database's CPU per request (which move less with other jobs than throughput does); for PostgreSQL
 * when the runs have it, else the first store. Bounded: `runs` is at most 20.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../src/sim/child-server.js';
import type { Figures } from './run.js';

const sep = process.argv.indexOf('--');
const own = sep === -1 ? process.argv.slice(2) : process.argv.slice(2, sep);
const benchArgs = sep === -1 ? [] : process.argv.slice(sep + 1);
const { values: args } = parseArgs({ args: own, options: { runs: { type: 'string' }, base: { type: 'string' }, json: { type: 'string' } } });
const RUNS = Number(args.runs ?? 3);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 20) throw new Error('--runs must be a whole number from 1 to 20');
if (benchArgs.some((a) => a === '--json' || a.startsWith('--json='))) throw new Error('leave --json out of the bench arguments: repeat.ts adds its own (use --json before --)');

/** One store's figures as bench/run.ts writes them to its JSON. */
type StoreFigures = Figures;
/** Server plus database CPU per request of a phase (the database's only for a throwaway cluster). */
const cpu = (p: { cpuMsPerRequest: { server: number; db: number } } | undefined) => (p ? p.cpuMsPerRequest.server + p.cpuMsPerRequest.db : undefined);

/** The figures compared: a label and how to read it from one store's figures. */
const FIGURES: [string, (r: StoreFigures) => number | undefined][] = [
  ['floor.perS', (r) => r.floor?.perS],
  ['commitFloor.commitsPerS', (r) => r.commitFloor?.commitsPerS],
  ['single.perS', (r) => r.single?.perS],
  ['  server + db CPU ms per reading', (r) => cpu(r.single)],
  ['batch.obsPerS', (r) => r.batch?.obsPerS],
  ['  server + db CPU ms per upload', (r) => cpu(r.batch)],
  ['fhirSingle.perS', (r) => r.fhirSingle?.perS],
  ['  server + db CPU ms per create', (r) => cpu(r.fhirSingle)],
  ['fhirBatch.obsPerS', (r) => r.fhirBatch?.obsPerS],
  ['  server + db CPU ms per Bundle', (r) => cpu(r.fhirBatch)],
  ['worklist.p99', (r) => r.worklist?.p99],
  ['sweep.seconds', (r) => r.sweep?.seconds],
  ['rssPeakMb', (r) => r.rssPeakMb],
];

interface Side {
  name: string;
  root: string;
  results: StoreFigures[];
}

/** One whole bench in `root` (its own bench/run.ts), its JSON's PostgreSQL object (else the first). */
async function runBench(root: string, label: string): Promise<StoreFigures> {
  const out = join(mkdtempSync(join(tmpdir(), 'varde-repeat-')), 'bench.json');
  const t0 = Date.now();
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${label}: bench/run.ts ${benchArgs.join(' ')}\n`);
  await new Promise<void>((resolve, reject) => {
    // The bench's own log goes to this process's stderr; its figures to the file.
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...benchArgs, '--json', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label}: bench/run.ts exited with ${code}`))));
  });
  const all = JSON.parse(readFileSync(out, 'utf8')) as StoreFigures[];
  rmSync(join(out, '..'), { recursive: true, force: true });
  process.stderr.write(`  ${label} done in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  return all.find((r) => r.store === 'PostgreSQL') ?? all[0]!;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3));

/** Median (min–max) of a figure over a side's runs, or '–' when no run has it. */
function cell(side: Side, read: (r: StoreFigures) => number | undefined): string {
  const xs = side.results.map(read).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (xs.length === 0) return '–';
  return xs.length === 1 ? fmt(xs[0]!) : `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
}

async function main(): Promise<void> {
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim() !== '';
  const sides: Side[] = [{ name: `this tree (${head}${dirty ? ', uncommitted changes' : ''})`, root: REPO_ROOT, results: [] }];
  let worktree: string | undefined;
  if (args.base) {
    const commit = execFileSync('git', ['rev-parse', '--short', args.base], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    worktree = mkdtempSync(join(tmpdir(), 'varde-base-'));
    execFileSync('git', ['worktree', 'add', '--detach', '--force', worktree, commit], { cwd: REPO_ROOT, stdio: 'ignore' });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(worktree, 'node_modules'));
    sides.push({ name: `base (${commit})`, root: worktree, results: [] });
  }
  try {
    for (let i = 0; i < RUNS; i++) {
      // ABBA: the order flips every run, so a machine that slows down mid-way weighs on both sides.
      const order = i % 2 === 0 ? sides : [...sides].reverse();
      for (const s of order) s.results.push(await runBench(s.root, `run ${i + 1}/${RUNS}, ${s.name}`));
    }
  } finally {
    if (worktree) {
      execFileSync('git', ['worktree', 'remove', '--force', worktree], { cwd: REPO_ROOT, stdio: 'ignore' });
      rmSync(worktree, { recursive: true, force: true });
    }
  }
  const header = ['figure', ...sides.map((s) => `${s.name}: median (min–max) of ${s.results.length}`)];
  const rows = FIGURES.map(([label, read]) => [label, ...sides.map((s) => cell(s, read))]);
  if (sides.length === 2) {
    header.push('runs where this tree is higher');
    FIGURES.forEach(([, read], k) => {
      const pairs = sides[0]!.results.map((r, i) => [read(r), read(sides[1]!.results[i]!)] as const).filter((p): p is readonly [number, number] => typeof p[0] === 'number' && typeof p[1] === 'number' && Number.isFinite(p[0]) && Number.isFinite(p[1]));
      rows[k]!.push(pairs.length ? `${pairs.filter(([a, b]) => a > b).length} of ${pairs.length}` : '–');
    });
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c]!)).join(' | ')} |`;
  console.log([line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
  console.log(`\nbench arguments: ${benchArgs.join(' ') || '(none)'}; throughput and ms per request: higher throughput and lower ms are better.`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ benchArgs, sides: sides.map((s) => ({ name: s.name, results: s.results })) }, null, 2));
}

await main();
