import type { Ctx } from '../context.js';
import type { Queryable } from '../db/port.js';
import { enqueue, registerRebuilder } from '../outbox/service.js';
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
