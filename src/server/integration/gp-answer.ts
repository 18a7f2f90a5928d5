import { isUuid } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { careTeamOrgs, publish } from '../events/bus.js';
import { AppError, forbidden } from '../http/errors.js';
import { DialogmeldingError, parseGpAnswer } from './dialogmelding-in.js';

/** Scope of the API client that hands incoming dialogmeldinger to Varde (the message exchange's adapter). */
export const DIALOG_RECEIVE_SCOPE = 'dialogmelding.receive';

export interface GpAnswerResult {
  escalationId: string;
  answerId: string;
  /** The same MsgId had been received before: nothing was written again. */
  duplicate: boolean;
  /** The escalation was open and this answer closed it. */
  closed: boolean;
}

/**
 * The GP's answer to an escalation, as a dialogmelding from the message exchange. Matched to the
 * escalation by the conversation reference the outgoing message carried (its MsgId is the
 * escalation id), and only when the answer is about the same patient. Stored as received, and it
 * closes the escalation (handled, with the answer as the note) in one transaction: bad XML or an
 * unknown reference writes nothing. Only an integration client of the organisation that sent the
 * escalation, with the dialogmelding.receive scope, may deliver it.
 */
export async function receiveGpAnswer(ctx: Ctx, xml: string): Promise<GpAnswerResult> {
  const a = ctx.actor;
  if (a.kind !== 'client' || !a.scopes.includes(DIALOG_RECEIVE_SCOPE)) throw forbidden(`Incoming dialogmeldinger are for integration clients with the ${DIALOG_RECEIVE_SCOPE} scope.`);
  let m;
  try {
    m = parseGpAnswer(xml);
  } catch (err) {
    if (err instanceof DialogmeldingError) throw new AppError(400, 'validation_failed', err.message, err.problems);
    throw err;
  }
  const ref = [m.refToParent, m.refToConversation].find((r) => r && isUuid(r));
  if (!ref) throw new AppError(422, 'validation_failed', 'The answer does not refer to a message Varde sent (MsgInfo/ConversationRef/RefToParent).', { 'MsgInfo/ConversationRef': 'Must carry the MsgId of Varde\'s escalation' });
  // Checked before the transaction, so a refusal is audited even though nothing is written.
  const e = (await ctx.db.query<{ id: string; patient_id: string; from_org: string; identifier: string }>(
    'select es.id, es.patient_id, es.from_org, p.identifier from escalations es join patients p on p.id = es.patient_id where es.id = $1',
    [ref],
  )).rows[0];
  // Another organisation's escalation is as unknown to this client as one that does not exist.
  if (!e || e.from_org !== a.organisationId) {
    throw new AppError(422, 'validation_failed', 'No escalation sent by your organisation has this reference.', { 'MsgInfo/ConversationRef': 'Unknown reference' });
  }
  if (m.patientIdentifier && m.patientIdentifier !== e.identifier) {
    await audit(ctx, { action: 'create', resourceType: 'EscalationAnswer', patientId: e.patient_id, outcome: 'denied', details: { escalationId: e.id, msgId: m.msgId, reason: 'patient_mismatch' } });
    throw new AppError(422, 'validation_failed', 'The answer is about another patient than the escalation.', { 'MsgInfo/Patient': 'Does not match the escalation\'s patient' });
  }
  return ctx.db.tx(async (tx) => {
    const status = (await tx.query<{ status: string }>('select status from escalations where id = $1 for update', [e.id])).rows[0]!.status;
    const seen = (await tx.query<{ id: string; escalation_id: string }>('select id, escalation_id from escalation_answers where msg_id = $1', [m.msgId])).rows[0];
    if (seen) {
      if (seen.escalation_id !== e.id) throw new AppError(409, 'conflict', 'This MsgId was already received for another escalation.');
      return { escalationId: e.id, answerId: seen.id, duplicate: true, closed: false };
    }
    const now = ctx.now();
    const answer = (await tx.query<{ id: string }>(
      `insert into escalation_answers (escalation_id, patient_id, msg_id, from_name, from_hpr, from_organisation, text, received_at, received_by, xml)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) returning id`,
      [e.id, e.patient_id, m.msgId, m.from.name, m.from.hpr, m.senderOrganisation, m.text, now, `client:${a.clientId}`, xml],
    )).rows[0]!;
    const closed = status === 'open';
    if (closed) {
      await tx.query(`update escalations set status = 'handled', handled_at = $2, handled_note = $3 where id = $1`, [e.id, now, m.text]);
    }
    await audit(ctx, { action: 'create', resourceType: 'EscalationAnswer', resourceId: answer.id, patientId: e.patient_id, details: { escalationId: e.id, msgId: m.msgId, closed } }, tx);
    await publish(tx, { type: 'escalation', patientId: e.patient_id, organisationIds: await careTeamOrgs(tx, e.patient_id) });
    return { escalationId: e.id, answerId: answer.id, duplicate: false, closed };
  });
}
