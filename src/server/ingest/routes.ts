import { ingestRoutes as api } from '../../api/ingest.js';
import type { App, AppDeps } from '../http/app.js';
import { serve } from '../http/contract.js';
import { ingestReadings, requireDeviceWriter } from './service.js';

/**
 * Device ingest API (bearer token from `POST /auth/token`, scope observation.write).
 * 201 when at least one reading was new, 200 when every reading had been stored before (a retry).
 */
export function ingestRoutes(app: App, deps: AppDeps): void {
  // Failpoint for the crash test only: holds the answer back after the commit, so a kill -9 lands in
  // the window where a reading is stored but not acknowledged. Unset (0) everywhere else.
  const ackDelayMs = Number(process.env.VARDE_FAILPOINT_INGEST_ACK_DELAY_MS ?? 0);
  serve(app, deps, api.observations, async ({ ctx, body, reply }) => {
    // Taken before validation so the clock offset is as close to the arrival time as we can make it.
    const receivedAt = deps.now();
    const c = ctx();
    requireDeviceWriter(c);
    const r = await ingestReadings(c, body(), receivedAt);
    if (ackDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, ackDelayMs));
    if (r.created === 0) reply.code(200);
    return {
      receivedAt: r.receivedAt.toISOString(),
      clockOffsetMs: r.clockOffsetMs,
      clockCorrected: r.clockCorrected,
      created: r.created,
      duplicates: r.duplicates,
      results: r.results,
    };
  });
}
