import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIALOG_SAMPLE as SAMPLE, dialogmeldingProblems } from '../../../test/national/xmllint.js';
import { syntheticFnr } from '../../domain/identifiers.js';
import { buildDialogmelding, type DialogmeldingInput } from './dialogmelding.js';

/*
 * Dialogmelding (issue 14): the escalation message is valid against the published MsgHead 1.2 and
 * Dialogmelding 1.1 XSDs (test/national/dialogmelding, ks-no/fiks-nhn-client), checked with
 * `xmllint --schema` (Debian libxml2-utils, installed by .ci/run). A broken message fails, so the
 * check means something; so does the published sample message, so the schemas load as they should.
 */
const xmllint = dialogmeldingProblems;

const input = (over: Partial<DialogmeldingInput> = {}): DialogmeldingInput => ({
  msgId: '0b3e8f6a-5c1d-4e2f-9a7b-1c2d3e4f5a6b', genDate: new Date('2026-03-02T09:12:30.123Z'),
  sender: { organisationName: 'Bergvik kommune – oppfølgingstjenesten', orgNumber: '921000011' },
  receiver: { organisationName: 'Sentrum legekontor', orgNumber: '921000031', herId: '8142987' },
  patient: { name: 'Kari Nordmann', identifier: syntheticFnr('1940-01-01', 123), identifierSystem: 'fnr', birthDate: '1940-01-01', sex: 'female' },
  nurse: { name: 'Nora Berg', hpr: '9100001', phone: '12345678' },
  subject: 'SpO2 86 % under rød grense 88 % (egenbehandlingsplan versjon 2)',
  text: 'Pasienten er tung i pusten, SpO2 86 % to ganger i dag. Startet beredskapspakke. Vurder antibiotika?',
  ...over,
});

test('the published sample message validates against the vendored schemas', () => {
  assert.equal(xmllint({ file: SAMPLE }), null);
});

test('an escalation as Dialogmelding 1.1 in MsgHead 1.2 is valid against the XSDs', () => {
  assert.equal(xmllint(buildDialogmelding(input())), null);
  // D-nummer, one-word names, no HER-id, no phone, and text that must be escaped.
  const odd = buildDialogmelding(input({
    patient: { name: 'Åse', identifier: '41010112345', identifierSystem: 'dnr', birthDate: '1901-01-01', sex: 'male' },
    nurse: { name: 'Nora', hpr: '9100001' }, sender: { organisationName: 'A & B <kommune>', orgNumber: '921000011' },
    text: 'Verdier < 88 & "fallende" – ring meg.',
  }));
  assert.equal(xmllint(odd), null);
  assert.match(odd, /Verdier &lt; 88 &amp; &quot;fallende&quot;/);
  assert.match(odd, /<TypeId V="DNR" DN="D-nummer"/);
});

test('xmllint refuses broken messages (the check can fail)', () => {
  const good = buildDialogmelding(input());
  assert.notEqual(xmllint(good.replace(/<MsgId>[^<]*<\/MsgId>\n/, '')), null, 'MsgId is required');
  assert.notEqual(xmllint(good.replace('v1.2 2006-05-24', 'v1.1')), null, 'MIGversion is fixed');
  assert.notEqual(xmllint(good.replace(/<TemaKodet[^>]*\/>\n/, '')), null, 'a Notat needs its theme');
  assert.notEqual(xmllint(good.replace('<Tema>', '<Emne>').replace('</Tema>', '</Emne>')), null, 'unknown element');
});
