/**
 * The structured consent to share measurements with Pasientens måledata (issue 14), as columns
 * for `episodes`: given → sharing starts now (or stays from when it was first given, so re-recording
 * the consent text does not move it); withdrawn → null, and nothing more is queued. Readings
 * queued before a withdrawal are not recalled (docs/INTEGRATION.md).
 */
export function sharingConsent(
  e: object,
  share: boolean,
  now: Date,
  by: string,
): { share_measurements_since: Date | null; share_measurements_by: string | null } {
  if (!share) return { share_measurements_since: null, share_measurements_by: by };
  // The episode row (pathway's EpisodeRow) does not type this migration-018 column.
  const since = (e as { share_measurements_since?: Date | null }).share_measurements_since ?? null;
  return { share_measurements_since: since ?? now, share_measurements_by: by };
}

/** Since when the episode's measurements are shared (ISO), or null: not consented or withdrawn. */
export function sharingSince(e: object): string | null {
  const since = (e as { share_measurements_since?: Date | null }).share_measurements_since;
  return since ? since.toISOString() : null;
}
