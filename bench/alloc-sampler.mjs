/**
 * Preload for the bench's server: where its memory is allocated, garbage included. V8's sampling
 * heap profiler, as `--heap-prof` starts it, keeps only objects still alive when the profile is
 * taken (start-up allocations); started here through the inspector with the objects collected by
 * minor and major GCs kept, it shows what each request allocates. The profile so far is written
 * every 2 s to $ALLOC_DIR/alloc-<pid>.json (default /tmp/alloc); read it with alloc-profile.ts.
 *
 *   mkdir -p /tmp/alloc
 *   BENCH_SERVER_NODE_OPTIONS="--import $PWD/bench/alloc-sampler.mjs" npm run bench -- --only postgres --phases batch
 *   node --import tsx bench/alloc-profile.ts /tmp/alloc/alloc-<pid>.json --requests <the phase's "ok">
 */
import inspector from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new inspector.Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
await post('HeapProfiler.enable');
await post('HeapProfiler.startSampling', {
  samplingInterval: 16384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const out = `${process.env.ALLOC_DIR ?? '/tmp/alloc'}/alloc-${process.pid}.json`;
setInterval(async () => {
  const { profile } = await post('HeapProfiler.getSamplingProfile');
  writeFileSync(out, JSON.stringify(profile));
}, 2000).unref();
