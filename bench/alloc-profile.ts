/**
 * What a server allocated, from a sampling heap profile written by alloc-sampler.mjs (see there):
 * the functions that allocated most themselves, and our own functions with what was allocated
 * under them, in MB and per request when `--requests` is given (the phase's "ok" count; the
 * warm-up's requests are in the profile too, so per-request figures are a little high).
 *
 *   node --import tsx bench/alloc-profile.ts /tmp/alloc/alloc-1234.json --requests 309 [--top 30]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: Node[];
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { requests: { type: 'string' }, top: { type: 'string', default: '30' } } });
const file = positionals[0];
if (!file) throw new Error('usage: alloc-profile.ts <alloc-….json> [--requests n] [--top n]');
const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: Node }).head;
const requests = values.requests ? Number(values.requests) : NaN;
const top = Number(values.top);

const self = new Map<string, number>();
const under = new Map<string, number>();
let total = 0;
const nameOf = (n: Node) => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
// Ours: the server's own code, built (dist/server) or run through tsx (src).
const ours = (n: Node) => /\/(dist\/server|src)\//.test(n.callFrame.url);
// Iterative walk: allocation stacks get deep.
const stack: { n: Node; path: string[] }[] = [{ n: head, path: [] }];
while (stack.length > 0) {
  const { n, path } = stack.pop()!;
  const name = nameOf(n);
  total += n.selfSize;
  self.set(name, (self.get(name) ?? 0) + n.selfSize);
  const here = ours(n) ? [...path, name] : path;
  for (const f of new Set(here)) under.set(f, (under.get(f) ?? 0) + n.selfSize);
  for (const c of n.children ?? []) stack.push({ n: c, path: here });
}
const mb = (b: number) => (b / 1e6).toFixed(1).padStart(8);
const per = (b: number) => (Number.isNaN(requests) ? '' : `${(b / requests / 1e3).toFixed(0).padStart(7)} kB/request`);
const pct = (b: number) => `${((b / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`allocated ${mb(total).trim()} MB${Number.isNaN(requests) ? '' : `, ${(total / requests / 1e6).toFixed(2)} MB per request`}`);
console.log('\nself (the function allocated it):');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)} ${mb(v)} MB ${per(v)}  ${k}`);
console.log('\nunder (our functions, with everything they called):');
for (const [k, v] of [...under].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)} ${mb(v)} MB ${per(v)}  ${k}`);
