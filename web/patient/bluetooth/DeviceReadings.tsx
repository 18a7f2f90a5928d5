import { useEffect, useState } from 'preact/hooks';
import { call } from '../../shared/api.js';
import { useAsync } from '../../shared/hooks.js';
import { useI18n } from '../../shared/i18n.js';
import type { MeasurementInput, RecordResponse } from '../../../src/api/observations.js';
import { useOutbox } from '../outbox.js';
import { MEASUREMENT_SERVICES, OPTIONAL_SERVICES, visitDevice } from './gatt.js';
import { sendSittings } from './send.js';
import { sittingsOf } from './sittings.js';
import { forgetPaired, loadPaired, savePaired, type PairedDevice } from './store.js';
import { webBluetooth, type BtBluetooth, type BtDevice } from './webBluetooth.js';
import './bluetooth.css';

/** What the patient is told with the feedback of a device reading. */
export interface DeviceNote {
  model: string;
  /** Whole minutes the device clock was off, when more than one. */
  clockMinutes: number | null;
  /** How many records were sent in this visit. */
  records: number;
}

// How long the app waits for the patient to take a measurement, and how quiet a device must be
// after its last value before the visit is over (cuffs send stored readings in a quick burst).
const WAIT_MS = 120_000;
const QUIET_MS = 1500;

/** A device this site may use again without the chooser (Chromium's getDevices), else null. */
async function knownDevice(bt: BtBluetooth, id: string): Promise<BtDevice | null> {
  if (typeof bt.getDevices !== 'function') return null;
  try {
    return (await bt.getDevices()).find((d) => d.id === id) ?? null;
  } catch {
    return null;
  }
}

const chooseDevice = (bt: BtBluetooth): Promise<BtDevice> =>
  bt.requestDevice({ filters: MEASUREMENT_SERVICES.map((s) => ({ services: [s] })), optionalServices: OPTIONAL_SERVICES });

/**
 * "Koble til måleapparat": pairs a lent device once (remembered for this patient on this phone),
 * then fetches its readings and sends them as sittings, whose feedback the record form shows like
 * a typed sitting's. Where the browser has no Web Bluetooth it says so, and the form is for typing.
 */
export function DeviceReadings({
  onResult,
  onQueued,
}: {
  onResult: (response: RecordResponse, note: DeviceNote) => void;
  onQueued: (measurements: MeasurementInput[], note: DeviceNote) => void;
}) {
  const { t } = useI18n();
  const bt = webBluetooth();
  const outbox = useOutbox();
  const me = useAsync(() => call('GET /api/me'), []);
  const patientId = me.data?.kind === 'patient' ? me.data.patient.id : null;
  const [paired, setPaired] = useState<PairedDevice | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error: boolean; text: string } | null>(null);

  useEffect(() => {
    setPaired(patientId ? loadPaired(patientId) : null);
  }, [patientId]);

  if (!bt) {
    return (
      // One plain line, not a box: most patients on such a browser have no device to connect.
      <p class="hint device-unsupported">{t.btUnsupported}</p>
    );
  }

  const remember = (p: PairedDevice): void => {
    if (patientId) savePaired(patientId, p);
    setPaired(p);
  };

  const read = async (device: BtDevice, p: PairedDevice): Promise<void> => {
    setStatus({ error: false, text: t.btConnecting });
    const visit = await visitDevice(device, {
      minSequence: p.lastSequence === undefined ? null : p.lastSequence + 1, now: () => new Date(), waitMs: WAIT_MS, quietMs: QUIET_MS,
      onWaiting: () => setStatus({ error: false, text: t.btWaiting }),
    });
    let current: PairedDevice = { ...p, ...visit.identity };
    remember(current);
    const { sittings, excluded } = sittingsOf(visit, device.id, new Date());
    const notes = [excluded > 0 ? t.btExcluded(excluded) : null];
    if (sittings.length === 0) {
      setStatus({ error: false, text: [t.btNone, ...notes].filter(Boolean).join(' ') });
      return;
    }
    setStatus({ error: false, text: t.btSending });
    const out = await sendSittings(outbox, sittings);
    if (out.lastSequence !== null) {
      current = { ...current, lastSequence: Math.max(current.lastSequence ?? -1, out.lastSequence) };
      remember(current);
    }
    if (out.beforeLoan > 0) notes.push(t.btBeforeLoan(out.beforeLoan));
    const minutes = visit.clockOffsetMs === null ? null : Math.round(Math.abs(visit.clockOffsetMs) / 60_000);
    const note: DeviceNote = {
      model: [visit.identity.manufacturer, visit.identity.model].filter(Boolean).join(' ') || p.name,
      clockMinutes: minutes !== null && minutes >= 1 ? minutes : null,
      records: out.sent,
    };
    if (out.refused) {
      const text = out.refused.code === 'unknown_device' ? t.btUnknownDevice : out.refused.status === 422 && out.refused.message ? out.refused.message : t.btFailed;
      setStatus({ error: true, text: [text, ...notes].filter(Boolean).join(' ') });
    } else setStatus(notes.some(Boolean) ? { error: false, text: notes.filter(Boolean).join(' ') } : null);
    if (out.last) onResult(out.last.response, note);
    else if (out.queued.length > 0) onQueued(out.queued[out.queued.length - 1]!.measurements, note);
  };

  const run = async (pick: () => Promise<{ device: BtDevice; paired: PairedDevice } | null>): Promise<void> => {
    if (busy) return;
    setBusy(true);
    try {
      const chosen = await pick();
      if (chosen) await read(chosen.device, chosen.paired);
    } catch (e) {
      // The chooser closed without a device is NotFoundError; anything else is a connection problem.
      setStatus({ error: true, text: e instanceof DOMException && e.name === 'NotFoundError' ? t.btCancelled : t.btFailed });
    } finally {
      setBusy(false);
    }
  };

  const pair = () =>
    run(async () => {
      const device = await chooseDevice(bt);
      const p: PairedDevice = { id: device.id, name: device.name || t.btUnnamed };
      remember(p);
      return { device, paired: p };
    });

  const fetchPaired = (p: PairedDevice) =>
    run(async () => {
      // Without getDevices (or after the browser forgot it) the chooser is shown again.
      const device = (await knownDevice(bt, p.id)) ?? (await chooseDevice(bt));
      const again = device.id === p.id ? p : { id: device.id, name: device.name || t.btUnnamed };
      remember(again);
      return { device, paired: again };
    });

  const forget = (): void => {
    if (patientId) forgetPaired(patientId);
    setPaired(null);
    setStatus(null);
  };

  return (
    <div class="device-readings">
      <h3>{t.btHeading}</h3>
      {paired ? (
        <>
          <p>{t.btPaired(paired.name)}</p>
          <div class="actions">
            <button type="button" class="button button-primary" aria-busy={busy} onClick={() => void fetchPaired(paired)}>
              {t.btFetch}
            </button>
            <button type="button" class="button button-secondary" disabled={busy} onClick={forget}>
              {t.btForget}
            </button>
          </div>
        </>
      ) : (
        <>
          <p class="hint">{t.btIntro}</p>
          <button type="button" class="button button-secondary" aria-busy={busy} onClick={() => void pair()}>
            {t.btConnect}
          </button>
        </>
      )}
      <p role="status" class={status?.error ? 'notice notice-error' : status ? 'notice notice-info' : 'device-status'}>
        {status?.text ?? ''}
      </p>
    </div>
  );
}

/** Shown with the feedback: which device measured, and whether its clock was corrected. */
export function DeviceResultNote({ note }: { note: DeviceNote }) {
  const { t } = useI18n();
  return (
    <p class="device-note">
      {note.records > 1 && `${t.btRecords(note.records)} `}
      {t.btMeasuredWith(note.model)}
      {note.clockMinutes !== null && ` ${t.btClockCorrected(note.clockMinutes)}`}
    </p>
  );
}
