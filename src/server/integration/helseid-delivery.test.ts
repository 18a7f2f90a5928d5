import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createLocalIdp, type LocalIdp } from '../auth/local-idp.js';
import { LocalReceiver } from '../outbox/local-receiver.js';
import * as repo from '../outbox/repo.js';
import { OutboxWorker } from '../outbox/worker.js';
import { useTestServer } from '../testing/server.js';
import { helseIdTokenSource } from './helseid-client.js';

/*
 * Issue 14: the outbox worker authenticates with HelseID by client credentials and a signed client
 * assertion (private_key_jwt). The local OIDC provider stands in for HelseID (a machine client
 * registered with the public key) and the local receiver checks each bearer token with it. The
 * token is fetched once and reused until shortly before it expires; without a token, or with a key
 * HelseID does not know, nothing is delivered.
 */
const env = useTestServer({ noServer: true });
const CLIENT = 'varde-helseid-vkp';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
let idp: LocalIdp;
let idpServer: Server;
let issuer = '';
const receiver = new LocalReceiver();
let receiverUrl = '';
let closeReceiver: () => Promise<void>;

before(async () => {
  let handler: LocalIdp['handle'] = () => undefined;
  idpServer = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => idpServer.listen(0, '127.0.0.1', r));
  const publicUrl = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;
  const jwk = { ...keyPair.publicKey.export({ format: 'jwk' }), kid: 'vkp-1', use: 'sig', alg: 'RS256' };
  idp = await createLocalIdp(env.db, publicUrl, ['test-cookie-key'], undefined, [{ clientId: CLIENT, jwks: { keys: [jwk] }, scope: 'nhn:vkp' }]);
  handler = idp.handle;
  issuer = idp.issuer;
  receiver.verifyBearer = async (token) => !!(await idp.provider.ClientCredentials.find(token));
  const r = await receiver.listen();
  receiverUrl = r.url;
  closeReceiver = r.close;
});
after(async () => {
  await closeReceiver?.();
  idpServer?.closeAllConnections();
  await new Promise<void>((r) => idpServer.close(() => r()));
});

async function queue(key: string): Promise<void> {
  const rid = (await env.db.query<{ id: string }>(
    `insert into integration_receivers (organisation_id, kind, url, helseid_client_id) values ($1,'vkp',$2,$3)
     on conflict (organisation_id, kind) do update set url = excluded.url returning id`,
    [env.f.orgs.muniA, `${receiverUrl}/vkp`, CLIENT],
  )).rows[0]!.id;
  await repo.insertMessage(env.db, { receiverId: rid, documentKind: 'vkp-dho-document', idempotencyKey: key, patientId: null, source: {}, contentType: 'application/fhir+json', body: '{"resourceType":"Bundle"}', at: new Date() });
}

test('deliveries carry a HelseID token got by private_key_jwt, fetched once and reused until shortly before expiry', async () => {
  let t = Date.now();
  const token = helseIdTokenSource({ tokenEndpoint: `${issuer}/token`, audience: issuer, keys: new Map([[CLIENT, { key: keyPair.privateKey, kid: 'vkp-1' }]]), scopes: { vkp: 'nhn:vkp' }, now: () => t });
  await queue('helseid-1');
  await queue('helseid-2');
  const w = new OutboxWorker(env.db, { id: 'helseid', batch: 5, token, production: false });
  assert.equal((await w.tick()).delivered, 2);
  assert.equal(receiver.unauthorized, 0);
  assert.equal(token.requests(), 1, 'one token for both deliveries');
  assert.ok(receiver.list().every((d) => d.authorization));
  // The local IdP issues tokens for an hour: a minute before that, a new one is fetched.
  t += 3600_000 - 59_000;
  await queue('helseid-3');
  assert.equal((await w.tick()).delivered, 1);
  assert.equal(token.requests(), 2);
  await w.stop();
});

test('a token the receiver refuses (revoked at the IdP) is dropped: the message is retried with a new token, not given up', async () => {
  const token = helseIdTokenSource({ tokenEndpoint: `${issuer}/token`, audience: issuer, keys: new Map([[CLIENT, { key: keyPair.privateKey, kid: 'vkp-1' }]]), scopes: { vkp: 'nhn:vkp' } });
  let t = Date.now() + 60_000;
  const w = new OutboxWorker(env.db, { id: 'revoked', token, now: () => new Date(t), backoff: { baseMs: 1000, maxMs: 1000 } });
  await queue('helseid-revoke-1');
  assert.equal((await w.tick()).delivered, 1);
  const issued = await idp.provider.ClientCredentials.find(await token({ kind: 'vkp', helseIdClientId: CLIENT, url: receiverUrl }));
  await issued!.destroy();
  await queue('helseid-revoke-2');
  const unauthorizedBefore = receiver.unauthorized;
  const first = await w.tick();
  assert.equal(first.retried, 1, 'refused token: retried, not a dead letter');
  assert.equal(receiver.unauthorized, unauthorizedBefore + 1);
  t += 2000;
  assert.equal((await w.tick()).delivered, 1, 'with a fresh token');
  assert.equal(token.requests(), 2);
  await w.stop();
});

test('no token: the receiver refuses (401) and the message is kept as a dead letter; a key HelseID does not know gets no token and is retried', async () => {
  await queue('helseid-4');
  const refusedBefore = receiver.unauthorized;
  const bare = new OutboxWorker(env.db, { id: 'bare' });
  assert.equal((await bare.tick()).dead, 1);
  assert.equal(receiver.unauthorized, refusedBefore + 1);
  await bare.stop();
  const wrong = helseIdTokenSource({ tokenEndpoint: `${issuer}/token`, audience: issuer, keys: new Map([[CLIENT, { key: strangerKey, kid: 'vkp-1' }]]), scopes: { vkp: 'nhn:vkp' } });
  await queue('helseid-5');
  const w = new OutboxWorker(env.db, { id: 'wrong-key', token: wrong });
  assert.equal((await w.tick()).retried, 1);
  const m = (await env.db.query<{ last_error: string; status: string }>(`select last_error, status from outbox where idempotency_key = 'helseid-5'`)).rows[0]!;
  assert.equal(m.status, 'pending');
  assert.match(m.last_error, /HelseID token: token endpoint answered 40\d invalid_client/);
  assert.equal(receiver.list().filter((d) => d.key === 'helseid-5').length, 0);
  await w.stop();
});
