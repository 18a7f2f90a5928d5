import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { enqueue, registerRebuilder } from '../outbox/service.js';
import { buildDialogmelding } from './dialogmelding.js';
import { buildVkpDocument, loadVkpInput } from './vkp.js';

/** Document kind of the VKP DHO documentation in the outbox. */
export const VKP_DOCUMENT_KIND = 'vkp-dho-document';

interface VkpSource {
  alertId: string;
  noteId: string;
  action: 'acknowledge' | 'resolve';
  fhirBase: string;
}

const build = async (q: Queryable, s: VkpSource) => JSON.stringify(buildVkpDocument(await loadVkpInput(q, s)));

registerRebuilder(VKP_DOCUMENT_KIND, (q, source) => build(q, source as unknown as VkpSource));

/**
 * Called by the alert service inside the transaction that acknowledges or resolves an alert: the
 * documentation goes to the EPJ of the nurse's organisation through VKP, if that organisation has
 * a VKP receiver switched on. Committed with the acknowledgement or not at all.
 */
export async function onAlertHandled(tx: Queryable, ctx: Ctx, e: { alertId: string; noteId: string; action: 'acknowledge' | 'resolve' }): Promise<void> {
  if (ctx.actor.kind !== 'personnel') return;
  const source: VkpSource = { ...e, fhirBase: `${ctx.config.PUBLIC_URL}/fhir` };
  const patientId = (await tx.query<{ patient_id: string }>('select patient_id from alerts where id = $1', [e.alertId])).rows[0]?.patient_id ?? null;
  await enqueue(tx, {
    organisationId: ctx.actor.organisationId,
    receiverKind: 'vkp',
    documentKind: VKP_DOCUMENT_KIND,
    idempotencyKey: `varde-vkp-${e.noteId}-${e.alertId}-${e.action}`,
    patientId,
    source: { ...source },
    contentType: 'application/fhir+json',
    build: () => build(tx, source),
    at: ctx.now(),
  });
}

/** Document kind of an escalation sent to the GP office as a dialogmelding. */
export const DIALOG_DOCUMENT_KIND = 'dialogmelding-escalation';

const buildDialog = async (q: Queryable, escalationId: string) => {
  const e = (await q.query<{
    id: string; note: string; created_at: Date; summary: { nb: string }; patient_name: string; identifier: string; identifier_system: 'fnr' | 'dnr';
    birth_date: string; sex: 'male' | 'female'; nurse_name: string; hpr_number: string; from_name: string; from_number: string; to_name: string; to_number: string;
  }>(
    `select es.id, es.note, es.created_at, al.summary, p.name as patient_name, p.identifier, p.identifier_system, p.birth_date, p.sex,
            pe.name as nurse_name, pe.hpr_number, fo.name as from_name, fo.org_number as from_number, tor.name as to_name, tor.org_number as to_number
       from escalations es join alerts al on al.id = es.alert_id join patients p on p.id = es.patient_id join personnel pe on pe.id = es.created_by
       join organisations fo on fo.id = es.from_org join organisations tor on tor.id = es.to_org
      where es.id = $1`,
    [escalationId],
  )).rows[0];
  if (!e) throw new Error('escalation not found');
  return buildDialogmelding({
    msgId: e.id, genDate: e.created_at,
    sender: { organisationName: e.from_name, orgNumber: e.from_number },
    receiver: { organisationName: e.to_name, orgNumber: e.to_number },
    patient: { name: e.patient_name, identifier: e.identifier, identifierSystem: e.identifier_system, birthDate: e.birth_date, sex: e.sex },
    nurse: { name: e.nurse_name, hpr: e.hpr_number },
    subject: e.summary.nb, text: e.note,
  });
};

registerRebuilder(DIALOG_DOCUMENT_KIND, (q, source) => buildDialog(q, String(source.escalationId)));

/**
 * Called inside the transaction that escalates an alert to the GP office: the escalation also
 * goes as a dialogmelding through the sending organisation's message exchange (its
 * 'dialogmelding' receiver), if it has one switched on.
 */
export async function onEscalated(tx: Queryable, ctx: Ctx, e: { escalationId: string; patientId: string }): Promise<void> {
  if (ctx.actor.kind !== 'personnel') return;
  await enqueue(tx, {
    organisationId: ctx.actor.organisationId,
    receiverKind: 'dialogmelding',
    documentKind: DIALOG_DOCUMENT_KIND,
    idempotencyKey: `varde-dialog-${e.escalationId}`,
    patientId: e.patientId,
    source: { escalationId: e.escalationId },
    contentType: 'application/xml; charset=utf-8',
    build: () => buildDialog(tx, e.escalationId),
    at: ctx.now(),
  });
}
