import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countRows, useTestServer } from '../testing/server.js';

const env = useTestServer();

interface Item { patient: { id: string; name: string; identifier: string }; episodeId: string; status: string; since: string; cursor: string; latest: Record<string, { value: number }>; openAlerts: number }
interface Page { items: Item[]; counts: Record<string, number>; nextCursor: string | null }

const page = async (query = '', cookie = env.c.nurseA): Promise<Page> => {
  const r = await env.call('GET', `/api/worklist${query}`, cookie);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as unknown as Page;
};

let serial = 0;
/** A synthetic patient (month + 80) in municipality A with an active episode; optionally an open alert of `zone` since `since`. */
async function addPatient(name: string, opts: { zone?: 'red' | 'yellow' | 'missing'; since?: Date; reading?: Date } = {}): Promise<string> {
  serial++;
  const db = env.db;
  const identifier = `${String(10 + serial).padStart(2, '0')}8${serial % 10}5512345`;
  const patientId = (await db.query<{ id: string }>(
    `insert into patients (identifier, identifier_system, name, birth_date, sex) values ($1, 'fnr', $2, '1955-01-10', 'male') returning id`, [identifier, name],
  )).rows[0]!.id;
  const episodeId = (await db.query<{ id: string }>(
    `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org, started_at) values ($1, 'high', now(), $2, $3, $4) returning id`,
    [patientId, env.f.people.gp, env.f.orgs.muniA, new Date(Date.UTC(2026, 0, 1, 0, serial))],
  )).rows[0]!.id;
  await db.query(`insert into care_team (episode_id, organisation_id, responsibility) values ($1, $2, 'follow_up')`, [episodeId, env.f.orgs.muniA]);
  if (opts.zone) {
    const planId = (await db.query<{ id: string }>(
      `insert into plans (episode_id, version, status, definition, created_by) values ($1, 1, 'draft', '{}', $2) returning id`, [episodeId, env.f.people.gp],
    )).rows[0]!.id;
    const at = opts.since ?? new Date();
    await db.query(
      `insert into alerts (patient_id, episode_id, rule_id, kind, zone, plan_id, plan_version, summary, first_at, last_at)
       values ($1, $2, 'threshold:spo2', 'threshold', $3, $4, 1, '{"nb":"lav","nn":"låg","en":"low"}', $5, $5)`,
      [patientId, episodeId, opts.zone, planId, at],
    );
  }
  if (opts.reading) {
    await db.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by) values ($1, $2, 'spo2', 95, '%', $3, 'patient', 'patient:x')`,
      [patientId, episodeId, opts.reading],
    );
  }
  return patientId;
}

describe('paged worklist', () => {
  test('pages follow red → yellow → missing → green; red and yellow newest first, the others oldest first; counts per status', async () => {
    const t0 = Date.UTC(2026, 2, 1);
    await addPatient('Rød Eldst', { zone: 'red', since: new Date(t0) });
    await addPatient('Rød Yngre', { zone: 'red', since: new Date(t0 + 3_600_000) });
    await addPatient('Gul Gunnar', { zone: 'yellow', since: new Date(t0) });
    await addPatient('Mangler Marit', { zone: 'missing', since: new Date(t0) });
    await addPatient('Grønn Gro', { reading: new Date(t0) });
    const all: Item[] = [];
    let cursor: string | null = null;
    do {
      const p: Page = await page(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.ok(p.items.length <= 2);
      all.push(...p.items);
      cursor = p.nextCursor;
    } while (cursor);
    const rank = { red: 0, yellow: 1, missing: 2, green: 3 } as Record<string, number>;
    for (let i = 1; i < all.length; i++) {
      const [x, y] = [all[i - 1]!, all[i]!];
      // These alerts have no plan limits (severity 0), so time decides within a status (migration 022).
      const newestFirst = x.status === 'red' || x.status === 'yellow';
      assert.ok(rank[x.status]! < rank[y.status]! || (x.status === y.status && (newestFirst ? x.since >= y.since : x.since <= y.since)), `${x.patient.name} before ${y.patient.name}`);
    }
    const first = await page();
    assert.deepEqual(first.items.map((i) => i.patient.id), all.map((i) => i.patient.id));
    assert.equal(first.nextCursor, null);
    assert.equal(first.counts.all, all.length);
    for (const s of ['red', 'yellow', 'missing', 'green']) assert.equal(first.counts[s], all.filter((i) => i.status === s).length, s);
    assert.deepEqual(all.filter((i) => i.status === 'red').map((i) => i.patient.name).slice(-2), ['Rød Yngre', 'Rød Eldst']);
  });

  test('paging is stable under inserts: every row that was there is seen exactly once', async () => {
    const before = (await page('?limit=200')).items.map((i) => i.patient.id);
    const seen: string[] = [];
    let p = await page('?limit=2');
    seen.push(...p.items.map((i) => i.patient.id));
    let k = 0;
    while (p.nextCursor) {
      // New patients land before, inside and after the part already read.
      k++;
      await addPatient(`Ny Rød ${k}`, { zone: 'red', since: new Date(Date.UTC(2025, 0, k)) });
      await addPatient(`Ny Grønn ${k}`, { reading: new Date(Date.UTC(2026, 5, k)) });
      p = await page(`?limit=2&cursor=${p.nextCursor}`);
      seen.push(...p.items.map((i) => i.patient.id));
    }
    assert.equal(new Set(seen).size, seen.length, 'no row twice');
    for (const id of before) assert.ok(seen.includes(id), `row ${id} not skipped`);
  });

  test('filters: status, name or fødselsnummer, my patients; a bad cursor is a 400', async () => {
    const reds = await page('?status=red');
    assert.ok(reds.items.length > 0 && reds.items.every((i) => i.status === 'red'));
    assert.equal(reds.items.length, reds.counts.red);
    const byName = await page(`?q=${encodeURIComponent('gul gun')}`);
    assert.deepEqual(byName.items.map((i) => i.patient.name), ['Gul Gunnar']);
    assert.equal(byName.counts.all, 1);
    const marit = (await page('?q=Marit')).items[0]!;
    const byId = await page(`?q=${marit.patient.identifier.slice(0, 6)}`);
    assert.ok(byId.items.some((i) => i.patient.id === marit.patient.id));
    assert.deepEqual((await page('?q=%25')).items, [], 'a % is a letter, not a wildcard');
    assert.deepEqual((await page('?mine=1')).items, []);
    await env.call('POST', `/api/patients/${marit.patient.id}/notes`, env.c.nurseA, { contactType: 'phone', text: 'Ringte, målte på nytt.' });
    const mine = await page('?mine=1');
    assert.deepEqual(mine.items.map((i) => i.patient.id), [marit.patient.id]);
    assert.ok((mine.items[0] as unknown as { lastContactAt: string }).lastContactAt);
    assert.equal((await env.call('GET', '/api/worklist?cursor=bm90LWEtY3Vyc29y', env.c.nurseA)).status, 400);
    assert.equal((await env.call('GET', '/api/worklist?status=blue', env.c.nurseA)).status, 400);
  });

  test('lang: alert summaries and reasons in that language only, the same text as the full page; another language is a 400', async () => {
    type Texts = { reason: Record<string, string> | null; alerts: { id: string; summary: Record<string, string> }[] };
    const full = (await page('?limit=200')).items as unknown as Texts[];
    const withAlerts = full.filter((i) => i.alerts.length > 0);
    assert.ok(withAlerts.length > 0);
    for (const i of withAlerts) {
      assert.deepEqual(Object.keys(i.reason!).sort(), ['en', 'nb', 'nn']);
      for (const a of i.alerts) assert.deepEqual(Object.keys(a.summary).sort(), ['en', 'nb', 'nn']);
    }
    for (const lang of ['nb', 'nn', 'en'] as const) {
      const one = (await page(`?limit=200&lang=${lang}`)).items as unknown as Texts[];
      assert.equal(one.length, full.length);
      one.forEach((i, n) => {
        const f = full[n]!;
        assert.deepEqual(i.reason, f.reason && { [lang]: f.reason[lang] }, lang);
        assert.deepEqual(i.alerts.map((a) => [a.id, a.summary]), f.alerts.map((a) => [a.id, { [lang]: a.summary[lang] }]), lang);
      });
    }
    assert.equal((await env.call('GET', '/api/worklist?lang=de', env.c.nurseA)).status, 400);
    // A stored text without the language asked for comes whole rather than empty.
    const a = withAlerts[0]!.alerts[0]!;
    await env.db.query(`update alerts set summary = '{"nb":"bare bokmål"}' where id = $1`, [a.id]);
    try {
      const shown = ((await page('?limit=200&lang=en')).items as unknown as Texts[]).flatMap((i) => i.alerts).find((x) => x.id === a.id)!;
      assert.deepEqual(shown.summary, { nb: 'bare bokmål' });
    } finally {
      await env.db.query('update alerts set summary = $2 where id = $1', [a.id, JSON.stringify(a.summary)]);
    }
  });

  test('every patient row the nurse is shown is audited, once per hour', async () => {
    const p = await page('?limit=3');
    for (const i of p.items) {
      assert.equal(await countRows(env.db, `audit_events where patient_id = $1 and actor_id = $2 and resource_type = 'Worklist'`, [i.patient.id, env.f.people.nurseA]), 1);
    }
    await page('?limit=3');
    assert.equal(await countRows(env.db, `audit_events where patient_id = $1 and resource_type = 'Worklist'`, [p.items[0]!.patient.id]), 1);
  });
});

describe('sparklines', () => {
  const HOUR = 3_600_000;
  /** Readings of one measure for the patient's episode, `[hours ago, value]` each. */
  async function readings(patientId: string, code: string, unit: string, list: [number, number][], now: number) {
    await env.db.query(
      `insert into observations (patient_id, episode_id, code, value, unit, effective_at, source, recorded_by)
       select $1, e.id, $2, v, $3, t, 'patient', 'patient:x' from episodes e, unnest($4::float8[], $5::timestamptz[]) as x(v, t) where e.patient_id = $1`,
      [patientId, code, unit, list.map(([, v]) => v), list.map(([h]) => new Date(now - h * HOUR))],
    );
  }
  /** What the row should show: the newest `max` of `list` within 14 days, oldest first. */
  const expected = (list: [number, number][], now: number, max = 20) =>
    list.filter(([h]) => h <= 14 * 24).sort((x, y) => x[0] - y[0]).slice(0, max).reverse()
      .map(([h, v]) => [new Date(now - h * HOUR).toISOString(), v]);

  test('each row shows its first measure of SpO2, weight, glucose, heart rate, PHQ-9: the newest 20 values of 14 days, oldest first', async () => {
    const now = Date.now();
    const anna = await addPatient('Sparkline Anna');
    const bjorn = await addPatient('Sparkline Bjørn');
    const carl = await addPatient('Sparkline Carl');
    const dina = await addPatient('Sparkline Dina');
    // Anna: 30 SpO2 values over 12 days and some older ones, heart rate too: SpO2 comes first.
    const annaSpo2: [number, number][] = [...Array.from({ length: 30 }, (_, i): [number, number] => [1 + i * 9.5, 80 + (i % 17)]), [15 * 24, 70], [20 * 24, 71]];
    await readings(anna, 'spo2', '%', annaSpo2, now);
    await readings(anna, 'heart_rate', '/min', [[1, 77], [2, 78]], now);
    // Bjørn: heart rate and weight; weight comes before heart rate. His newest weight is dated four
    // minutes ahead of the server's clock (a scale's clock, within the tolerance): it is shown.
    const bjornWeight: [number, number][] = [[-4 / 60, 82.3], [3, 81.2], [50, 81.9], [100, 80.4]];
    await readings(bjorn, 'heart_rate', '/min', Array.from({ length: 25 }, (_, i): [number, number] => [i + 1, 60 + i]), now);
    await readings(bjorn, 'weight', 'kg', bjornWeight, now);
    // Carl: glucose 13 and 16 days ago; only the first is inside the sparkline's 14 days.
    const carlGlucose: [number, number][] = [[13 * 24, 6.1], [16 * 24, 9.4]];
    await readings(carl, 'glucose', 'mmol/L', carlGlucose, now);
    const items = (await env.call('GET', `/api/worklist?q=${encodeURIComponent('Sparkline')}`, env.c.nurseA)).body as unknown as { items: (Item & { spark: { code: string; points: [string, number][] } | null })[] };
    const spark = (id: string) => items.items.find((i) => i.patient.id === id)?.spark;
    assert.deepEqual(spark(anna), { code: 'spo2', points: expected(annaSpo2, now) });
    assert.equal(spark(anna)!.points.length, 20);
    assert.deepEqual(spark(bjorn), { code: 'weight', points: expected(bjornWeight, now) });
    assert.deepEqual(spark(carl), { code: 'glucose', points: expected(carlGlucose, now) });
    assert.equal(spark(dina), null, 'nothing measured: no sparkline');
  });
});

describe('maintained state', () => {
  test('a reading and its alert update the row in the same transaction; acknowledging turns it green; the state equals a recomputation', async () => {
    const r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'wl-state-0001', measurements: [{ code: 'spo2', value: 85 }] });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const mine = await page(`?q=${env.f.patient.identifier}`);
    const row = mine.items[0]!;
    assert.equal(row.status, 'red');
    assert.equal(row.latest.spo2?.value, 85);
    // An older reading delivered late does not replace the latest value.
    await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'wl-state-0002', effectiveAt: new Date(Date.now() - 3_600_000).toISOString(), measurements: [{ code: 'spo2', value: 97 }] });
    assert.equal((await page(`?q=${env.f.patient.identifier}`)).items[0]!.latest.spo2?.value, 85);
    const alert = (await env.db.query<{ id: string }>(`select id from alerts where patient_id = $1 and status = 'open' and zone = 'red'`, [env.f.patient.id])).rows[0]!;
    const ack = await env.call('POST', `/api/alerts/${alert.id}/acknowledge`, env.c.nurseA, { note: { contactType: 'phone', text: 'Ringte pasienten.' } });
    assert.equal(ack.status, 200, JSON.stringify(ack.body));
    const after = (await page(`?q=${env.f.patient.identifier}`)).items[0]!;
    assert.notEqual(after.status, 'red');

    const drift = await env.db.query(
      `select s.episode_id from episode_state s
        cross join lateral (select (count(*) filter (where a.status = 'open'))::int as open_n, count(*)::int as unresolved_n
                              from alerts a where a.episode_id = s.episode_id and a.status <> 'resolved') k
        left join lateral (select case a.zone when 'red' then 0 when 'yellow' then 1 else 2 end as rank, a.first_at from alerts a
                            where a.episode_id = s.episode_id and a.status = 'open' order by 1, a.first_at limit 1) d on true
        where s.status_rank <> coalesce(d.rank, 3) or s.alert_since is distinct from d.first_at
           or s.open_alerts <> k.open_n or s.unresolved_alerts <> k.unresolved_n
           or s.last_observation_at is distinct from (select max(effective_at) from observations o where o.episode_id = s.episode_id)
           or s.last_contact_at is distinct from (select max(created_at) from contact_notes n where n.episode_id = s.episode_id)
           or exists (select 1 from (select distinct on (code) code, value, effective_at from observations o where o.episode_id = s.episode_id order by code, effective_at desc) l
                       where (s.latest -> l.code ->> 'value')::float8 is distinct from l.value)`,
    );
    assert.deepEqual(drift.rows, []);
    const wl = await env.db.query<{ n: number }>(
      `select count(*)::int as n from worklist_rows w join episode_state s on s.episode_id = w.episode_id
        where w.status_rank <> s.status_rank or w.sort_since <> s.sort_since or not s.active`,
    );
    assert.equal(wl.rows[0]!.n, 0);
  });

  test('an ended episode leaves the worklist', async () => {
    const id = await addPatient('Avsluttet Anne', { zone: 'red' });
    assert.equal((await page('?q=Avsluttet')).items.length, 1);
    await env.db.query(`update episodes set status = 'ended', ended_at = now() where patient_id = $1`, [id]);
    assert.equal((await page('?q=Avsluttet')).items.length, 0);
  });
});

describe('live stream', () => {
  test('sends the changed row and the counts, to the care team only', async () => {
    const read = async (cookie: string, act: () => Promise<void>, ms = 3000, query = '') => {
      const ctl = new AbortController();
      const res = await fetch(`${env.server.url}/api/worklist/stream${query}`, { headers: { cookie }, signal: ctl.signal });
      const reader = res.body!.getReader();
      await reader.read();
      await act();
      let buf = '';
      const deadline = Date.now() + ms;
      while (!buf.includes('event: rows') && Date.now() < deadline) {
        const r = await Promise.race([reader.read(), new Promise<null>((ok) => setTimeout(() => ok(null), deadline - Date.now()))]);
        if (!r || r.done) break;
        buf += new TextDecoder().decode(r.value);
      }
      ctl.abort();
      const block = buf.split('\n\n').find((b) => b.startsWith('event: rows'));
      type Texts = { reason: Record<string, string> | null; alerts: { summary: Record<string, string> }[] };
      return block ? (JSON.parse(block.split('\ndata: ')[1]!) as { items: (Item & Texts)[]; counts: Record<string, number> }) : null;
    };
    const act = async () => {
      const r = await env.call('POST', '/api/me/observations', env.c.patient, { idempotencyKey: 'wl-stream-1', measurements: [{ code: 'heart_rate', value: 150 }] });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    const [mine, theirs] = await Promise.all([read(env.c.nurseA, act, 3000, '?lang=en'), read(env.c.nurseB, async () => undefined, 1000)]);
    assert.ok(mine);
    assert.deepEqual(mine.items.map((i) => i.patient.id), [env.f.patient.id]);
    assert.equal(mine.items[0]!.latest.heart_rate?.value, 150);
    assert.ok((mine.counts.all ?? 0) > 1);
    assert.equal(theirs, null);
    // As the page with ?lang=en: the red reading's reason and alert summaries in English only.
    const row = mine.items[0]!;
    assert.deepEqual(Object.keys(row.reason ?? {}), ['en']);
    assert.ok(row.alerts.length > 0);
    for (const a of row.alerts) assert.deepEqual(Object.keys(a.summary), ['en']);
  });

  test('a language the stream does not know is refused before it opens', async () => {
    const res = await fetch(`${env.server.url}/api/worklist/stream?lang=de`, { headers: { cookie: env.c.nurseA } });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; fields: Record<string, string> } };
    assert.equal(body.error.code, 'validation_failed');
    assert.ok(body.error.fields.lang);
  });
});
