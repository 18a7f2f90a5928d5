import assert from 'node:assert/strict';
import { test } from 'node:test';
import { useTestServer } from '../testing/server.js';
import { audit } from './service.js';

/*
 * Audit is append-only (issue 16, Normen): the role the app runs as cannot change or remove what
 * was logged — on PGlite (a superuser, held by the trigger) and on PostgreSQL as the CI role
 * (a non-superuser table owner, held by the revoked privileges and the trigger).
 */
const env = useTestServer({ dbOnly: true });

const ctx = () => ({ db: env.db, actor: { kind: 'system' as const, name: 'test' }, now: () => new Date(), log: console, route: 'test' });

test('audit rows can be written and read, but not updated, deleted or truncated', async () => {
  await audit(ctx() as never, { action: 'read', resourceType: 'Patient', details: { n: 1 } });
  const before = await env.db.query<{ id: number; actor_id: string }>('select id, actor_id from audit_events order by id');
  assert.equal(before.rows.length, 1);
  const id = before.rows[0]!.id;
  await assert.rejects(env.db.query(`update audit_events set actor_id = 'someone else' where id = $1`, [id]), /append-only|permission denied/);
  await assert.rejects(env.db.query('update audit_events set details = null'), /append-only|permission denied/);
  await assert.rejects(env.db.query('delete from audit_events where id = $1', [id]), /append-only|permission denied/);
  await assert.rejects(env.db.query('delete from audit_events'), /append-only|permission denied/);
  await assert.rejects(env.db.query('truncate audit_events'), /append-only|permission denied/);
  // Nor inside a transaction that would otherwise commit.
  await assert.rejects(
    env.db.tx(async (tx) => {
      await tx.query(`insert into audit_events (actor_kind, actor_id, action, resource_type) values ('system', 'x', 'read', 'Patient')`);
      await tx.query('delete from audit_events where id = $1', [id]);
    }),
  );
  const afterwards = await env.db.query<{ id: number; actor_id: string }>('select id, actor_id from audit_events order by id');
  assert.deepEqual(afterwards.rows, before.rows);
});
