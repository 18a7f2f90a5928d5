import { DEFAULT_INACTIVE_DAYS } from '../../domain/missing.js';
import type { ServiceSettings, ServiceSettingsBody } from '../../api/service-settings.js';
import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { forbidden, notFound } from '../http/errors.js';
import { OPENING_HOURS_EDITORS } from '../opening-hours/service.js';
import * as repo from './repo.js';

/** The people who keep the service's opening hours also keep its other settings. */
const EDITORS = OPENING_HOURS_EDITORS;
const READERS = ['nurse', 'gp', 'specialist', 'coordinator', 'admin'] as const;

function actorOrg(ctx: Ctx): string {
  if (ctx.actor.kind !== 'personnel') throw forbidden();
  return ctx.actor.organisationId;
}

function toDto(row: repo.SettingsRow, canEdit: boolean): ServiceSettings {
  return {
    organisation: { id: row.id, name: row.name },
    inactiveAfterDays: row.inactive_after_days,
    defaultInactiveAfterDays: DEFAULT_INACTIVE_DAYS,
    canEdit,
  };
}

/**
 * The settings of the service the caller acts for (no patient data).
 * @param ctx anyone working for the organisation
 */
export async function getServiceSettings(ctx: Ctx): Promise<ServiceSettings> {
  requireRole(ctx, READERS);
  const row = await repo.getSettings(ctx.db, actorOrg(ctx));
  if (!row) throw notFound('Organisation');
  const role = ctx.actor.kind === 'personnel' ? ctx.actor.role : '';
  return toDto(row, (EDITORS as readonly string[]).includes(role));
}

/**
 * Changes after how many days of silence the service's patients are flagged inactive, audited
 * with the value before and after, in one transaction with the re-check of every deadline.
 * @param ctx a nurse, coordinator or administrator acting for the service
 */
export async function saveServiceSettings(ctx: Ctx, body: ServiceSettingsBody): Promise<ServiceSettings> {
  requireRole(ctx, EDITORS);
  const orgId = actorOrg(ctx);
  return ctx.db.tx(async (tx) => {
    const before = await repo.getSettings(tx, orgId, true);
    if (!before) throw notFound('Organisation');
    await repo.saveInactiveDays(tx, orgId, body.inactiveAfterDays, ctx.now());
    await audit(
      ctx,
      { action: 'update', resourceType: 'ServiceSettings', resourceId: orgId, details: { inactiveAfterDays: { before: before.inactive_after_days, after: body.inactiveAfterDays } } },
      tx,
    );
    return toDto({ ...before, inactive_after_days: body.inactiveAfterDays }, true);
  });
}
