import { ApiError, call } from '../../shared/api.js';
import type { RecordResponse } from '../../../src/api/observations.js';
import type { Outbox } from '../outbox.js';
import type { DeviceSitting } from './sittings.js';

/*
 * Sends device sittings the way a typed sitting is sent (RecordForm): through the outbox when the
 * app has one, so a reading taken offline or with an expired session is kept and sent later.
 */

export interface SendOutcome {
  /** The server's answer to the newest sitting it stored now (its feedback is shown). */
  last: { response: RecordResponse; sitting: DeviceSitting } | null;
  /** Kept on the phone until there is a connection. */
  queued: DeviceSitting[];
  /** Refused as older than the loan: the previous borrower's records left in the meter. */
  beforeLoan: number;
  /** The first other refusal (e.g. unknown_device); sending stopped there. */
  refused: ApiError | null;
  /** Sittings the server has now or the outbox keeps (not counting refusals). */
  sent: number;
  /** The highest glucose record number that is now safely on the server or in the outbox. */
  lastSequence: number | null;
}

/** Sends the sittings in order, stopping at the first refusal that is not about an old record. */
export async function sendSittings(outbox: Outbox | null, sittings: DeviceSitting[]): Promise<SendOutcome> {
  const out: SendOutcome = { last: null, queued: [], beforeLoan: 0, refused: null, sent: 0, lastSequence: null };
  const done = (s: DeviceSitting): void => {
    if (s.sequenceNumber !== undefined) out.lastSequence = Math.max(out.lastSequence ?? -1, s.sequenceNumber);
  };
  for (const s of sittings) {
    const { sequenceNumber: _seq, ...body } = s;
    try {
      const r = outbox
        ? await outbox.submit<RecordResponse>({
            key: s.idempotencyKey, kind: 'observations', path: '/api/me/observations', body,
            label: s.measurements.map((m) => ({ code: m.code, ...(m.value === undefined ? {} : { value: m.value }), unit: m.unit ?? '' })),
          })
        : { queued: false as const, response: await call('POST /api/me/observations', { body }) };
      if (r.queued) out.queued.push(s);
      else out.last = { response: r.response, sitting: s };
      out.sent += 1;
      done(s);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'measured_before_loan') {
        out.beforeLoan += 1;
        done(s);
        continue;
      }
      out.refused = e instanceof ApiError ? e : new ApiError(-1, 'client_error', e instanceof Error ? e.message : String(e));
      break;
    }
  }
  return out;
}
