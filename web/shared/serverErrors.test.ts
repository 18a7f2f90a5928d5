import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translateServerMessage } from './serverErrors.js';

/** Messages the server really sends (zod 4, src/domain/catalogue.ts, alerts) and what a Norwegian page shows. */
const CASES: [string, string, string][] = [
  ['Too small: expected string to have >=3 characters', 'Skriv minst 3 tegn.', 'Skriv minst 3 teikn.'],
  ['Invalid input: note.text: Too small: expected string to have >=3 characters', 'Skriv minst 3 tegn.', 'Skriv minst 3 teikn.'],
  ['Oxygen saturation (SpO2) of 104 % is not possible: must be between 50 and 100 %', '104 % er ikke mulig. Tallet må være mellom 50 og 100 %. Sjekk det du skrev.', '104 % er ikkje mogleg. Talet må vere mellom 50 og 100 %. Sjekk det du skreiv.'],
  ['Body temperature of 45.5 °C is not possible: must be between 30 and 45 °C', '45,5 °C er ikke mulig. Tallet må være mellom 30 og 45 °C. Sjekk det du skrev.', '45,5 °C er ikkje mogleg. Talet må vere mellom 30 og 45 °C. Sjekk det du skreiv.'],
  ['The alert is already acknowledged.', 'Varselet er allerede kvittert.', 'Varselet er alt kvittert.'],
  ['Invalid option: expected one of "phone"|"video"', 'Velg et av alternativene.', 'Vel eitt av alternativa.'],
  ['Bluetooth address 5C:31:3E:01:02:A3 is already registered for device UA651-0042.', 'Bluetooth-adressen 5C:31:3E:01:02:A3 er allerede registrert på apparatet UA651-0042.', 'Bluetooth-adressa 5C:31:3E:01:02:A3 er alt registrert på apparatet UA651-0042.'],
  ['System ID 001c05fffe0102a3 is already registered for device UA651-0042.', 'System-ID 001c05fffe0102a3 er allerede registrert på apparatet UA651-0042.', 'System-ID 001c05fffe0102a3 er alt registrert på apparatet UA651-0042.'],
  ['Some brand new English message that is not known yet', 'Tjenesten godtok ikke dette. Sjekk det du har skrevet, og prøv igjen.', 'Tenesta godtok ikkje dette. Sjekk det du har skrive, og prøv igjen.'],
];

test('server messages are shown in nb and nn, never in English', () => {
  for (const [server, nb, nn] of CASES) {
    assert.equal(translateServerMessage(server, 'nb'), nb, server);
    assert.equal(translateServerMessage(server, 'nn'), nn, server);
  }
});

test('text that is already in the user language is left alone; English stays English in en', () => {
  assert.equal(translateServerMessage('Skriv minst 3 tegn', 'nb'), 'Skriv minst 3 tegn');
  assert.equal(translateServerMessage('Sykepleieren ringer deg i dag.', 'nb'), 'Sykepleieren ringer deg i dag.');
  assert.equal(translateServerMessage('Some brand new English message that is not known yet', 'en'), 'Some brand new English message that is not known yet');
});
