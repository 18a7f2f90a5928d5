import {
  DEFAULT_OPENING_HOURS,
  type OpeningHours,
  closesAt,
  isOpen,
  nextOpening,
  norwegianPublicHolidaysNamed,
} from '../../domain/opening-hours.js';
import type { LocalText } from '../../domain/text.js';
import { addDays, toLocal } from '../../domain/time.js';
import { requireRole } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { conflict, forbidden, notFound } from '../http/errors.js';
import * as repo from './repo.js';
import type { OpeningHoursBody } from './schema.js';

/** Who runs the service day to day and so keeps its hours: nurses, coordinators and administrators. */
export const OPENING_HOURS_EDITORS = ['nurse', 'coordinator', 'admin'] as const;
/** Anyone working for the organisation may see its hours (no patient data). */
const READERS = ['nurse', 'gp', 'specialist', 'coordinator', 'admin'] as const;

export interface ServiceHoursDto {
  organisation: { id: string; name: string };
  version: number;
  updatedAt: string | null;
  updatedBy: string | null;
  /** True while the service has never saved its own hours and the default applies. */
  isDefault: boolean;
  canEdit: boolean;
  timeZone: string;
  weekly: OpeningHours['weekly'];
  publicHolidays: boolean;
  closedDays: { date: string; label: string }[];
  /** Public holidays of the next twelve months, so staff see what is closed without listing it. */
  upcomingHolidays: { date: string; name: LocalText }[];
  openNow: boolean;
  closesAt: string | null;
  nextOpening: string | null;
}

function actorOrg(ctx: Ctx): string {
  if (ctx.actor.kind !== 'personnel') throw forbidden();
  return ctx.actor.organisationId;
}

/** The stored hours as the domain reads them; the default until the service saves its own. */
export function effectiveHours(stored: repo.StoredOpeningHours | null): OpeningHours {
  if (!stored) return DEFAULT_OPENING_HOURS;
  return { timeZone: stored.timeZone, weekly: stored.weekly, closedDates: stored.closedDates, publicHolidays: stored.publicHolidays ?? true };
}

function toDto(row: repo.OpeningHoursRow, now: Date, canEdit: boolean): ServiceHoursDto {
  const hours = effectiveHours(row.opening_hours);
  const labels = row.opening_hours?.closedLabels ?? {};
  const today = toLocal(now, hours.timeZone).date;
  const horizon = addDays(today, 365);
  const year = Number(today.slice(0, 4));
  const upcoming = [...norwegianPublicHolidaysNamed(year), ...norwegianPublicHolidaysNamed(year + 1)].filter((h) => h.date >= today && h.date < horizon);
  const close = closesAt(hours, now);
  const next = nextOpening(hours, now);
  return {
    organisation: { id: row.id, name: row.name },
    version: row.opening_hours_version,
    updatedAt: row.opening_hours_updated_at?.toISOString() ?? null,
    updatedBy: row.updated_by_name,
    isDefault: row.opening_hours === null,
    canEdit,
    timeZone: hours.timeZone,
    weekly: hours.weekly,
    publicHolidays: hours.publicHolidays !== false,
    closedDays: [...hours.closedDates].sort().map((date) => ({ date, label: labels[date] ?? '' })),
    upcomingHolidays: hours.publicHolidays === false ? [] : upcoming,
    openNow: isOpen(hours, now),
    closesAt: close?.toISOString() ?? null,
    nextOpening: next?.toISOString() ?? null,
  };
}

/**
 * Opening hours of the service the caller acts for.
 * @param ctx personnel of the organisation
 */
export async function getServiceHours(ctx: Ctx): Promise<ServiceHoursDto> {
  requireRole(ctx, READERS);
  const orgId = actorOrg(ctx);
  const row = await repo.getOpeningHours(ctx.db, orgId);
  if (!row) throw notFound('Organisation');
  return toDto(row, ctx.now(), ctx.actor.kind === 'personnel' && (OPENING_HOURS_EDITORS as readonly string[]).includes(ctx.actor.role));
}

/**
 * Replaces the opening hours and extra closed days of the caller's service, audited with the
 * hours before and after. Refused (409) when someone else saved since the editor loaded them.
 * @param ctx a nurse, coordinator or administrator acting for the service
 * @param body the full set of hours, validated by OpeningHoursBody
 */
export async function saveServiceHours(ctx: Ctx, body: OpeningHoursBody): Promise<ServiceHoursDto> {
  requireRole(ctx, OPENING_HOURS_EDITORS);
  const orgId = actorOrg(ctx);
  const by = ctx.actor.kind === 'personnel' ? ctx.actor.personnelId : '';
  const now = ctx.now();
  return ctx.db.tx(async (tx) => {
    const row = await repo.getOpeningHours(tx, orgId, true);
    if (!row) throw notFound('Organisation');
    if (row.opening_hours_version !== body.version) {
      throw conflict('Someone else has changed the opening hours since you opened them. Reload to see their changes.');
    }
    const closedDays = [...body.closedDays].sort((a, b) => (a.date < b.date ? -1 : 1));
    const stored: repo.StoredOpeningHours = {
      timeZone: body.timeZone,
      weekly: body.weekly,
      publicHolidays: body.publicHolidays,
      closedDates: closedDays.map((d) => d.date),
      closedLabels: Object.fromEntries(closedDays.filter((d) => d.label !== '').map((d) => [d.date, d.label])),
    };
    if (!(await repo.saveOpeningHours(tx, orgId, body.version, stored, by, now))) {
      throw conflict('Someone else has changed the opening hours since you opened them. Reload to see their changes.');
    }
    await audit(
      ctx,
      { action: 'update', resourceType: 'OpeningHours', resourceId: orgId, details: { version: body.version + 1, before: row.opening_hours, after: stored } },
      tx,
    );
    const saved = await repo.getOpeningHours(tx, orgId);
    if (!saved) throw notFound('Organisation');
    return toDto(saved, now, true);
  });
}
