import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config/index.js';
import { openDb } from '../server/db/open.js';
import { loadCohort, SIM } from './load.js';
import { streamLive } from './stream.js';
import { MAX_COHORT } from './cohort.js';

export const SIMULATE_USAGE = `Usage: varde simulate --patients N --days D [options]

  Without --url: loads a synthetic cohort (N patients, D days of device readings, some
  deteriorating, triaged, open alerts for the last days) straight into the database
  (DATABASE_URL, else PGlite in PGLITE_DIR), with a nurse (HPR ${SIM.nurse.hpr}) and a device client.

  With --url: streams today's readings of the same cohort to a running server over
  POST /api/ingest/observations, as a device gateway would.

  --patients N          cohort size (required)
  --days D              days of history (required; use the same value for load and stream)
  --seed S              picks the people (default 1; same seed = same cohort)
  --deterioration P     share of patients with an injected deterioration (default 0.08)
  --url URL             stream live to this server instead of loading the database
  --client-id ID        device client (default ${SIM.clientId})
  --client-secret S     its secret (load: set it, else a random one is printed; stream: required)
  --rate R              stream: readings per second (default 20)
  --batch B             stream: readings per upload (default 10)
  --duration S          stream: stop after S seconds (default 120)`;

/** `varde simulate …`: bulk load into the database, or live stream over HTTP. */
export async function runSimulate(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      patients: { type: 'string' }, days: { type: 'string' }, seed: { type: 'string' }, deterioration: { type: 'string' },
      url: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
      rate: { type: 'string' }, batch: { type: 'string' }, duration: { type: 'string' }, help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(SIMULATE_USAGE);
    return;
  }
  const num = (name: string, v: string | undefined, min: number, max: number, dflt?: number): number => {
    if (v === undefined && dflt !== undefined) return dflt;
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max}\n\n${SIMULATE_USAGE}`);
    return n;
  };
  const cohort = {
    patients: num('patients', values.patients, 1, MAX_COHORT),
    days: num('days', values.days, 0, 3650),
    seed: num('seed', values.seed, 0, 2 ** 31, 1),
    deteriorationRate: num('deterioration', values.deterioration, 0, 1, 0.08),
    end: new Date(),
  };
  const clientId = values['client-id'] ?? SIM.clientId;

  if (values.url) {
    const secret = values['client-secret'];
    if (!secret) throw new Error('--url needs --client-secret (printed when the cohort was loaded)');
    const r = await streamLive({
      ...cohort, url: values.url, clientId, clientSecret: secret,
      rate: num('rate', values.rate, 0.1, 10_000, 20), batchSize: num('batch', values.batch, 1, 1000, 10),
      durationMs: num('duration', values.duration, 1, 86_400, 120) * 1000, log: (l) => console.log(l),
    });
    console.log(`done in ${(r.ms / 1000).toFixed(1)} s: ${r.uploads} uploads, ${r.readings} readings (${r.created} new, ${r.duplicates} already stored, ${r.refused} refused); zones ${JSON.stringify(r.zones)}`);
    return;
  }

  const config = loadConfig();
  const db = await openDb(config);
  try {
    console.log(`loading ${cohort.patients} patients × ${cohort.days} days into ${db.kind}${db.kind === 'pglite' ? ` (${config.PGLITE_DIR})` : ''}`);
    const r = await loadCohort(db, { ...cohort, clientId, ...(values['client-secret'] ? { clientSecret: values['client-secret'] } : {}), log: (l) => console.log(l) });
    console.log(`loaded ${r.patients} patients, ${r.observations} observations, ${r.alerts} open alerts in ${(r.ms / 1000).toFixed(1)} s`);
    console.log(`nurse: HPR ${SIM.nurse.hpr} (${SIM.nurse.name}), ${SIM.municipality.name}`);
    if (r.clientSecret) {
      console.log(`device client: --client-id ${r.clientId} --client-secret ${r.clientSecret}`);
      console.log(`stream today's readings: node --import tsx src/cli.ts simulate --patients ${cohort.patients} --days ${cohort.days} --seed ${cohort.seed} --url http://127.0.0.1:3000 --client-id ${r.clientId} --client-secret ${r.clientSecret}`);
    } else {
      console.log(`device client ${r.clientId} existed already; use its secret with --url`);
    }
  } finally {
    await db.close();
  }
}
