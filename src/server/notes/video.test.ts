import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/index.js';
import { useTestServer } from '../testing/server.js';
import { fillVideoTemplate, videoTemplateFor } from './video.js';

/*
 * Contact by video (issue 12): a link to the municipality's own video service from a configured
 * template (https only), opened by the nurse; the consultation is documented as a note of type video.
 */
const env = useTestServer({
  env: {
    VIDEO_LINK_TEMPLATE: 'https://video.example.kommune.no/room/{episodeId}',
    // Kommune A (fixture org number 900000001) has its own service.
    VIDEO_LINK_TEMPLATES: JSON.stringify({ '900000001': 'https://møte.kommune-a.example/varde?rom={episodeId}&tjeneste={organisationNumber}' }),
  },
});

describe('video link template (configuration)', () => {
  const base = { LOCAL_IDP: 'true' };
  const bad: [string, Record<string, string>, RegExp][] = [
    ['plain http is refused', { VIDEO_LINK_TEMPLATE: 'http://video.example.no/room/{episodeId}' }, /https/],
    ['an unknown placeholder is refused (no names or numbers of the patient)', { VIDEO_LINK_TEMPLATE: 'https://video.example.no/room/{fnr}' }, /unknown placeholder.*\{fnr\}/],
    ['not a URL', { VIDEO_LINK_TEMPLATE: 'video.example.no/{episodeId}' }, /must be a URL/],
    ['credentials in the link', { VIDEO_LINK_TEMPLATE: 'https://user:pw@video.example.no/{episodeId}' }, /user name or password/],
    ['per-service map is not JSON', { VIDEO_LINK_TEMPLATES: '{900000001: x}' }, /JSON object/],
    ['per-service key is not an organisation number', { VIDEO_LINK_TEMPLATES: '{"Kommune A":"https://v.example.no/{episodeId}"}' }, /VIDEO_LINK_TEMPLATES.Kommune A: (Invalid key|keys are 9-digit)/],
    ['per-service template over http', { VIDEO_LINK_TEMPLATES: '{"900000001":"http://v.example.no/{episodeId}"}' }, /https/],
  ];
  for (const [name, over, message] of bad) {
    test(name, () => assert.throws(() => loadConfig({}, { ...base, ...over }), message));
  }
  test('a good template and map are read', () => {
    const c = loadConfig({}, { ...base, VIDEO_LINK_TEMPLATE: 'https://v.example.no/r/{episodeId}', VIDEO_LINK_TEMPLATES: '{"900000009":"https://w.example.no/{patientId}"}' });
    assert.equal(videoTemplateFor(c, '900000009'), 'https://w.example.no/{patientId}');
    assert.equal(videoTemplateFor(c, '900000001'), 'https://v.example.no/r/{episodeId}');
    assert.equal(videoTemplateFor(loadConfig({}, base), '900000001'), null);
  });
  test('placeholders are URL-encoded when filled', () => {
    assert.equal(fillVideoTemplate('https://v.example.no/{episodeId}?o={organisationNumber}', { episodeId: 'a b/c', patientId: 'p', organisationNumber: '9' }), 'https://v.example.no/a%20b%2Fc?o=9');
  });
});

describe('the nurse starts a video consultation and documents it', () => {
  test("the service's own template, filled with the episode; audited", async () => {
    const r = await env.call('GET', `/api/patients/${env.f.patient.id}/video-link`, env.c.nurseA);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body!.url, `https://møte.kommune-a.example/varde?rom=${env.f.patient.episodeId}&tjeneste=900000001`);
    assert.equal(await env.count(`audit_events where patient_id = $1 and resource_type = 'Encounter' and details->>'video' = 'link'`, [env.f.patient.id]), 1);
  });

  test('another service uses the default template', async () => {
    const nurseBCookie = env.c.nurseB;
    const r = await env.call('GET', `/api/patients/${env.f.otherPatient.id}/video-link`, nurseBCookie);
    assert.equal(r.status, 200);
    assert.equal(r.body!.url, `https://video.example.kommune.no/room/${env.f.otherPatient.episodeId}`);
  });

  test('no care relation → 403 (audited); a patient → 403', async () => {
    const denied = await env.count(`audit_events where outcome = 'denied'`);
    assert.equal((await env.call('GET', `/api/patients/${env.f.otherPatient.id}/video-link`, env.c.nurseA)).status, 403);
    assert.ok((await env.count(`audit_events where outcome = 'denied'`)) > denied);
    assert.equal((await env.call('GET', `/api/patients/${env.f.patient.id}/video-link`, env.c.patient)).status, 403);
  });

  test('documented as a contact of type video', async () => {
    const r = await env.call('POST', `/api/patients/${env.f.patient.id}/notes`, env.c.nurseA, { contactType: 'video', text: 'Videokonsultasjon: pusten bedre, fortsetter som før.' });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const list = await env.call('GET', `/api/patients/${env.f.patient.id}/notes`, env.c.nurseA);
    assert.ok((list.body!.notes as { contactType: string }[]).some((n) => n.contactType === 'video'));
  });

  test('an ended episode gives no link (409)', async () => {
    await env.db.query(`update episodes set status = 'ended', state = 'ended', ended_at = now() where id = $1`, [env.f.otherPatient.episodeId]);
    const r = await env.call('GET', `/api/patients/${env.f.otherPatient.id}/video-link`, env.c.nurseB);
    assert.ok(r.status === 409 || r.status === 403, `${r.status}`);
  });
});
