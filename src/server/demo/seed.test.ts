import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseNorwegianId } from '../../domain/identifiers.js';
import { validatePlan } from '../../domain/plan.js';
import type { Db } from '../db/port.js';
import { useTestServer } from '../testing/server.js';
import { DEMO_RELATIVE, seedDemo } from './seed.js';

let db: Db;
const now = new Date('2026-11-23T11:00:00Z');
// A fresh database without the standard fixture: the demo seeds its own helsefellesskap.
useTestServer({ dbOnly: true, setup: async (env) => { db = env.db; } });

test('the demo helsefellesskap is complete, synthetic and triaged', async () => {
  const r = await seedDemo(db, { now });
  assert.ok(r);
  assert.equal(r.patients, 50);
  const kinds = (await db.query<{ kind: string; n: number }>('select kind, count(*)::int as n from organisations group by kind order by kind')).rows;
  assert.deepEqual(kinds, [{ kind: 'gp_office', n: 2 }, { kind: 'hospital', n: 1 }, { kind: 'municipality', n: 2 }]);

  const patients = (await db.query<{ identifier: string }>('select identifier from patients')).rows;
  for (const p of patients) {
    const id = parseNorwegianId(p.identifier);
    assert.ok(id.ok && id.value.synthetic, `${p.identifier} must be a valid synthetic number`);
  }
  const plans = (await db.query<{ definition: unknown }>(`select definition from plans where status = 'approved'`)).rows;
  assert.equal(plans.length, 50);
  for (const p of plans) assert.ok(validatePlan(p.definition).ok);

  const span = (await db.query<{ days: number }>(`select extract(day from max(effective_at) - min(effective_at))::int as days from observations`)).rows[0]!;
  assert.ok(span.days >= 29, `30 days of measurements, got ${span.days}`);
  assert.ok(!(await db.query(`select 1 from observations where effective_at > $1`, [now])).rows.length, 'nothing in the future');
  const zones = (await db.query<{ zone: string }>(`select distinct zone from alerts where status = 'open'`)).rows.map((z) => z.zone).sort();
  assert.ok(zones.includes('red'), `some red alerts, got ${zones.join(',')}`);
  // Every step of the care pathway is in the demo (issue 12).
  const states = (await db.query<{ state: string }>('select distinct state from episodes order by 1')).rows.map((x) => x.state);
  assert.deepEqual(states, ['active', 'baseline', 'declined', 'ended', 'evaluation', 'onboarding', 'paused', 'referred']);
  // A relative who is not a patient, with Kari's running delegation, so the demo shows the relative session.
  const rel = parseNorwegianId(DEMO_RELATIVE.identifier);
  assert.ok(rel.ok && rel.value.synthetic, 'the relative\'s number is synthetic');
  assert.equal((await db.query('select 1 from patients where identifier = $1', [DEMO_RELATIVE.identifier])).rows.length, 0);
  const deleg = (await db.query<{ name: string }>(`select p.name from delegations d join patients p on p.id = d.patient_id where d.relative_identifier = $1 and d.revoked_at is null`, [DEMO_RELATIVE.identifier])).rows;
  assert.deepEqual(deleg, [{ name: 'Kari Nordmann' }]);
  assert.equal(await seedDemo(db, { now }), null, 'seeding twice does nothing');
});
