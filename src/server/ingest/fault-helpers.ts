import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { registerClient } from '../auth/clients.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/port.js';
import { TEST_PLAN, seedFixture, type Fixture } from '../testing/fixtures.js';
import { TEST_DB_KIND } from '../testing/db.js';
import { dropDatabase } from '../testing/pg-cluster.js';

/**
 * A database that child server processes can open too: a new database on the test PostgreSQL, or
 * (PGlite) a data directory on disk. Unlike testing/db.ts#testDb, it hands out the connection
 * settings for `varde start` and can be opened and closed repeatedly around the children.
 */
export interface SharedDb {
  kind: 'pglite' | 'postgres';
  /** Environment for `varde start`: DATABASE_URL or PGLITE_DIR. */
  env: Record<string, string>;
  /** Opens (and migrates) it in this process. PGlite: only while no child has it open. */
  open(): Promise<Db>;
  /** Drops the database / removes the directory. */
  destroy(): Promise<void>;
}

/** A fresh shared database of the kind the suite runs on (VARDE_TEST_DB). */
export async function sharedDb(): Promise<SharedDb> {
  if (TEST_DB_KIND === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'varde-fault-'));
    return {
      kind: 'pglite',
      env: { PGLITE_DIR: dir },
      open: () => openDb({ PGLITE_DIR: dir, DATABASE_URL: undefined }),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('VARDE_TEST_DB=postgres needs TEST_DATABASE_URL (a role that may CREATE DATABASE)');
  const name = `varde_fault_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.href },
    open: () => openDb({ DATABASE_URL: url.href, PGLITE_DIR: '' }),
    async destroy() {
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * The test fixture plus `extra` more patients followed by municipality A on the test plan (SpO2
 * red below 88), and a device client of municipality A with a known secret.
 */
export async function seedDeviceSetting(db: Db, extra: number): Promise<{ f: Fixture; patientIds: string[]; client: { clientId: string; clientSecret: string } }> {
  const f = await seedFixture(db);
  const { syntheticFnr } = await import('../../domain/identifiers.js');
  const patientIds = [f.patient.id];
  for (let i = 0; i < extra; i++) {
    const pid = (await db.query<{ id: string }>(
      `insert into patients (identifier, identifier_system, name, birth_date, sex) values ($1, 'fnr', $2, '1948-03-03', 'male') returning id`,
      [syntheticFnr('1948-03-03', 301 + 2 * i), `Pasient ${i}`],
    )).rows[0]!.id;
    const ep = (await db.query<{ id: string }>(
      `insert into episodes (patient_id, risk_level, consent_at, enrolled_by, follow_up_org) values ($1, 'high', now(), $2, $3) returning id`,
      [pid, f.people.gp, f.orgs.muniA],
    )).rows[0]!.id;
    await db.query(`insert into care_team values ($1, $2, 'follow_up', now()), ($1, $3, 'gp', now())`, [ep, f.orgs.muniA, f.orgs.gpOffice]);
    await db.query(`insert into plans (episode_id, version, status, definition, created_by, approved_by, approved_at) values ($1, 1, 'approved', $2, $3, $3, now())`,
      [ep, JSON.stringify(TEST_PLAN), f.people.gp]);
    patientIds.push(pid);
  }
  const client = await registerClient(db, { clientId: 'fault-gw', name: 'Fault test gateway', organisationId: f.orgs.muniA, scopes: ['observation.write'] });
  return { f, patientIds, client };
}

/** Client credentials → bearer token, over HTTP against a running server. */
export async function deviceToken(base: string, client: { clientId: string; clientSecret: string }): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: 'observation.write' }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token refused: ${res.status}`);
  return body.access_token;
}
