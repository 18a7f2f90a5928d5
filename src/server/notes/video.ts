import { requireEpisodeAccess, requirePatientAccess } from '../auth/access.js';
import { audit } from '../audit/service.js';
import type { Config } from '../config/index.js';
import type { Ctx } from '../context.js';
import { AppError, forbidden } from '../http/errors.js';
import { openEpisode } from '../patients/repo.js';

/*
 * Contact by video (issue 12): Varde runs no video itself. The nurse opens the municipality's
 * existing video service from the patient view through a link template from the configuration
 * (config/index.ts#VideoLinkTemplate: https only, known placeholders only), and documents the
 * consultation afterwards as a contact note of type `video` (the ordinary notes route).
 */

/** Values a template's placeholders are filled with: ids only, so a link in a browser history or a server log names nobody. */
export interface VideoVars {
  episodeId: string;
  patientId: string;
  organisationNumber: string;
}

/** The template with each placeholder replaced by its URL-encoded value. */
export function fillVideoTemplate(template: string, vars: VideoVars): string {
  return template.replace(/\{(episodeId|patientId|organisationNumber)\}/g, (_m, k: keyof VideoVars) => encodeURIComponent(vars[k]));
}

/** The template for a follow-up service: its own (by organisation number), else the default, else none. */
export function videoTemplateFor(config: Pick<Config, 'VIDEO_LINK_TEMPLATE' | 'VIDEO_LINK_TEMPLATES'>, organisationNumber: string): string | null {
  return config.VIDEO_LINK_TEMPLATES?.[organisationNumber] ?? config.VIDEO_LINK_TEMPLATE ?? null;
}

/**
 * The video consultation link for the patient's open episode, in the caller's service's video
 * service; `url` is null when that service has none configured. Health personnel with a care
 * relation that may write (a consultation is care); audited as a read of the encounter link.
 */
export async function videoLink(ctx: Ctx, config: Config, patientId: string): Promise<{ url: string | null; episodeId: string | null }> {
  await requirePatientAccess(ctx, patientId, 'write', 'Encounter');
  const a = ctx.actor;
  if (a.kind !== 'personnel') throw forbidden('Only health personnel start a video consultation.');
  const episode = await openEpisode(ctx.db, patientId);
  if (!episode) throw new AppError(409, 'no_active_episode', 'The patient has no open follow-up episode.');
  // Another service's episode: refused and audited like any read outside the care relation.
  await requireEpisodeAccess(ctx, patientId, episode.id, 'write', 'Encounter');
  const org = await ctx.db.query<{ org_number: string }>('select org_number from organisations where id = $1', [a.organisationId]);
  const organisationNumber = org.rows[0]?.org_number ?? '';
  const template = videoTemplateFor(config, organisationNumber);
  const url = template ? fillVideoTemplate(template, { episodeId: episode.id, patientId, organisationNumber }) : null;
  await audit(ctx, { action: 'read', resourceType: 'Encounter', resourceId: episode.id, patientId, details: { video: url ? 'link' : 'not-configured' } });
  return { url, episodeId: episode.id };
}
