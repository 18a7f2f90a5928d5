/**
 * Where a server's CPU went, from a V8 .cpuprofile (BENCH_SERVER_NODE_OPTIONS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof", see README.md): busy time of the profile's last seconds (the load
 * phase; the server stops right after it) by category, in µs per request, and the functions with
 * the most self time.
 *
 *   node --import tsx bench/cpu-profile.ts /tmp/prof/CPU.….cpuprofile --requests 6423 [--seconds 9] [--top 30]
 *
 * `--requests` is the phase's "ok" count from the bench's log. A sample's category is the first
 * rule below that matches any frame of its stack, so the order matters: specific before general.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const RULES: [string, RegExp][] = [
  ['GC', /^\(garbage collector\)/],
  // Not all CPU: on a 2-core machine the backend a statement wakes often preempts the event loop
  // inside this call, and the profiler counts that wait here (a third of it went away with the
  // cluster on SCHED_BATCH, bench/README.md "Round 21"; the server's system time was ~12 % of its CPU).
  ['database socket writes (writev: one per statement sent; includes preemption by the woken backend)', /^writev /],
  ['triage (domain/triage.ts evaluate)', /^evaluate domain\/triage/],
  ['pg: parsing result rows', /nm:pg\/lib\/result|nm:pg-types|nm:postgres-|parseRow|nm:pg-protocol/],
  ['pg: sending statements (JS)', /^query server\/db\/postgres/],
  ['helmet', /helmet/],
  ['request id', /genReqId|requestId/],
  ['JSON body parse (and FHIR json.ts)', /secure-json-parse|fhir\/json\.js/],
  ['zod: request body', /^body server\/http\/contract|observationIn|observation-in/],
  ['contract: response check (stringify, parse, zod)', /^serialise server\/http\/contract/],
  ['response write (fastify send, socket)', /Reply\.send|onSendEnd|serialize/],
  ['auth hook', /actorFor|tokenActors|refuseCrossSite|refuseNonJson/],
  ['pino', /nm:pino|nm:sonic-boom/],
  ['storeSittings, rest', /^storeSittings/],
  ['ingest queue, combiner, group', /ingest\/(service|queue|combiner|group)/],
  ['FHIR service', /server\/fhir\//],
  ['fastify routing and hooks', /nm:fastify|nm:find-my-way|nm:avvio/],
  ['node http', /_http_|node:net|stream_base_commons|node:internal\/streams/],
  ['(program)', /^\(program\)/],
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { requests: { type: 'string' }, seconds: { type: 'string', default: '9' }, top: { type: 'string', default: '30' } },
});
const file = positionals[0];
if (!file || !values.requests) {
  console.error('usage: node --import tsx bench/cpu-profile.ts <file.cpuprofile> --requests N [--seconds 9] [--top 30]');
  process.exit(2);
}
const requests = Number(values.requests);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/node_modules\//, 'nm:').replace(/^.*dist\/server\//, '')}:${n.callFrame.lineNumber}`;

const from = p.endTime - Number(values.seconds) * 1e6;
const byCategory = new Map<string, number>();
const self = new Map<string, number>();
let busy = 0;
let t = p.startTime;
for (let i = 0; i < p.samples.length; i++) {
  t += p.timeDeltas[i]!;
  if (t < from) continue;
  const ms = (p.timeDeltas[i + 1] ?? 0) / 1000;
  const leaf = byId.get(p.samples[i]!)!;
  if (leaf.callFrame.functionName === '(idle)') continue;
  busy += ms;
  const stack: string[] = [];
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) stack.push(key(byId.get(id)!));
  const rule = RULES.find(([, rx]) => stack.some((k) => rx.test(k)));
  const name = rule?.[0] ?? 'other';
  byCategory.set(name, (byCategory.get(name) ?? 0) + ms);
  self.set(stack[0]!, (self.get(stack[0]!) ?? 0) + ms);
}

const row = (ms: number, what: string) => `${((1000 * ms) / requests).toFixed(1).padStart(7)} µs/req ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${what}`;
console.log(`busy ${busy.toFixed(0)} ms in the last ${values.seconds} s, ${requests} requests: ${(busy / requests).toFixed(3)} ms per request`);
for (const [k, v] of [...byCategory].sort((a, b) => b[1] - a[1])) console.log(row(v, k));
console.log('\nself time by function');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(row(v, k));
