import { useId, useState } from 'preact/hooks';
import { call } from '../shared/api.js';
import { ActionFeedback, Async, DateTime, FieldError, TableRegion, errorKey } from '../shared/components.js';
import { toApiError, useAsync, useDocumentTitle } from '../shared/hooks.js';
import { msg, raw, textOf, useI18n, type Catalogue, type Text } from '../shared/i18n.js';
import type { RegisterDeviceBody } from '../../src/api/devices.js';
import type { Device, DeviceLoan } from '../../src/api/devices.js';
import { useMe } from './me.js';

type DeviceKind = RegisterDeviceBody['kind'];

// The contract's kinds (a kind the server does not know fails the compiler here).
export const DEVICE_KINDS = ['pulse_oximeter', 'bp_monitor', 'scale', 'thermometer', 'glucometer', 'tablet', 'other'] as const satisfies readonly DeviceKind[];

export function deviceKindLabel(kind: string, t: Catalogue): string {
  switch (kind) {
    case 'pulse_oximeter':
      return t.devicePulseOximeter;
    case 'bp_monitor':
      return t.deviceBpMonitor;
    case 'scale':
      return t.deviceScale;
    case 'thermometer':
      return t.deviceThermometer;
    case 'glucometer':
      return t.deviceGlucometer;
    case 'tablet':
      return t.deviceTablet;
    default:
      return t.deviceOther;
  }
}

function failure(err: unknown): Text {
  const e = toApiError(err);
  return e.status === 409 ? raw(e.message) : msg(errorKey(e));
}

/** Shows a refused save: the server's message on each field it names, and the failure above the form. Returns the fields' errors. */
function showFailure(err: unknown, setErrors: (e: Record<string, Text>) => void, setError: (e: Text) => void): Record<string, Text> {
  const byField: Record<string, Text> = {};
  for (const [k, m] of Object.entries(toApiError(err).fields)) byField[k] = raw(m);
  setErrors(byField);
  setError(failure(err));
  return byField;
}

/** Devices lent to one patient, lending a free device and registering returns (patient view). */
export function PatientDevices({ patientId, active }: { patientId: string; active: boolean }) {
  const { t } = useI18n();
  const loans = useAsync(() => call('GET /api/patients/:id/device-loans', { params: { id: patientId } }), [patientId]);
  // Opened from the EPJ for one patient: the register names other patients' loans, so it is not read (auth/launch-bound.ts).
  const launched = !!useMe()?.launchPatient;
  const devices = useAsync(() => (launched ? Promise.resolve({ devices: [] as Device[] }) : call('GET /api/devices')), [launched]);
  const [deviceId, setDeviceId] = useState('');
  const [fieldError, setFieldError] = useState<Text | undefined>(undefined);
  const [error, setError] = useState<Text | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { select: useId(), error: useId() };

  const lend = async (e: Event): Promise<void> => {
    e.preventDefault();
    setStatus(null);
    setError(null);
    if (!deviceId) {
      setFieldError(msg('errChooseDevice'));
      document.getElementById(ids.select)?.focus();
      return;
    }
    setFieldError(undefined);
    setBusy(true);
    try {
      const loan = await call('POST /api/patients/:id/device-loans', { params: { id: patientId }, body: { deviceId } });
      setStatus(t.deviceLent(`${deviceKindLabel(loan.kind, t)} ${loan.serial}`));
      setDeviceId('');
      loans.reload();
      devices.reload();
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
    }
  };

  const giveBack = async (loan: DeviceLoan): Promise<void> => {
    setStatus(null);
    setError(null);
    try {
      await call('POST /api/device-loans/:id/return', { params: { id: loan.id } });
      setStatus(t.deviceReturned(`${deviceKindLabel(loan.kind, t)} ${loan.serial}`));
      loans.reload();
      devices.reload();
    } catch (err) {
      setError(failure(err));
    }
  };

  const free = devices.data?.devices.filter((d) => d.loan === null) ?? [];
  return (
    <>
      <ActionFeedback status={status} error={error} />
      <Async state={loans}>
        {(data) =>
          data.loans.length === 0 ? (
            <p>{t.loansEmpty}</p>
          ) : (
            <TableRegion label={t.loansCaption}>
              <table class="data-table">
                <caption>{t.loansCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.colDevice}</th>
                    <th scope="col">{t.colSerial}</th>
                    <th scope="col">{t.colLent}</th>
                    <th scope="col">{t.colReturned}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.loans.map((l) => (
                    <tr key={l.id}>
                      <th scope="row">
                        {deviceKindLabel(l.kind, t)} <span class="muted">({l.model})</span>
                      </th>
                      <td>{l.serial}</td>
                      <td>
                        <DateTime iso={l.lentAt} />
                      </td>
                      <td>
                        {l.returnedAt ? (
                          <DateTime iso={l.returnedAt} />
                        ) : (
                          <button type="button" class="button button-secondary" onClick={() => void giveBack(l)}>
                            {t.deviceRegisterReturn}
                            <span class="visually-hidden"> {l.serial}</span>
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )
        }
      </Async>
      {active && devices.data && (
        <form class="inline-form" onSubmit={(e) => void lend(e)} noValidate>
          <div class={`field${fieldError ? ' has-error' : ''}`}>
            <label for={ids.select}>{t.deviceChoose}</label>
            <select
              id={ids.select}
              value={deviceId}
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={ids.error}
              onChange={(e) => setDeviceId(e.currentTarget.value)}
            >
              <option value="">{free.length === 0 ? t.deviceNoneFree : t.deviceChoosePlaceholder}</option>
              {free.map((d) => (
                <option key={d.id} value={d.id}>
                  {deviceKindLabel(d.kind, t)} – {d.model} – {d.serial}
                </option>
              ))}
            </select>
            <FieldError id={ids.error} message={fieldError && textOf(fieldError, t)} />
          </div>
          <button type="submit" class="button button-primary" aria-busy={busy}>
            {t.deviceLend}
          </button>
        </form>
      )}
    </>
  );
}

/** The organisation's device register: register new devices, see what is lent to whom, take devices back. */
export function DevicesPage() {
  const { t } = useI18n();
  useDocumentTitle(t.pageTitle(t.devicesHeading));
  const devices = useAsync(() => call('GET /api/devices'), []);
  const [form, setForm] = useState({ kind: '', model: '', serial: '', manufacturer: '', bluetoothId: '', systemId: '' });
  const [errors, setErrors] = useState<Record<string, Text>>({});
  const [error, setError] = useState<Text | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [editing, setEditing] = useState<Device | null>(null);
  const ids = { kind: useId(), model: useId(), serial: useId(), manufacturer: useId(), bluetoothId: useId(), systemId: useId() };

  const register = async (e: Event): Promise<void> => {
    e.preventDefault();
    setStatus(null);
    setError(null);
    const errs: Record<string, Text> = {};
    if (!form.kind) errs.kind = msg('errChooseKind');
    if (form.model.trim().length < 2) errs.model = msg('errModelRequired');
    if (form.serial.trim().length < 2) errs.serial = msg('errSerialRequired');
    // Same rule as the server (devices/schema.ts): 8 bytes as hex digits, separators allowed.
    if (form.systemId.trim() && !/^[0-9a-f]{16}$/i.test(form.systemId.replace(/[\s:-]/g, ''))) errs.systemId = msg('deviceSystemIdHint');
    setErrors(errs);
    const first = (['kind', 'model', 'serial', 'systemId'] as const).find((k) => errs[k]);
    if (first) {
      document.getElementById(ids[first])?.focus();
      return;
    }
    setBusy(true);
    try {
      const d = await call('POST /api/devices', { body: {
        // Checked above: one of the kinds offered in the list.
        kind: form.kind as DeviceKind, model: form.model.trim(), serial: form.serial.trim(),
        manufacturer: form.manufacturer.trim(), bluetoothId: form.bluetoothId.trim(), systemId: form.systemId.trim(),
      } });
      setStatus(t.deviceRegistered(`${deviceKindLabel(d.kind, t)} ${d.serial}`));
      setForm({ ...form, serial: '', bluetoothId: '', systemId: '' });
      devices.reload();
    } catch (err) {
      showFailure(err, setErrors, setError);
    } finally {
      setBusy(false);
    }
  };

  const giveBack = async (d: Device): Promise<void> => {
    if (!d.loan) return;
    setStatus(null);
    setError(null);
    try {
      await call('POST /api/device-loans/:id/return', { params: { id: d.loan.id } });
      setStatus(t.deviceReturned(`${deviceKindLabel(d.kind, t)} ${d.serial}`));
      devices.reload();
    } catch (err) {
      setError(failure(err));
    }
  };

  const field = (key: 'model' | 'serial' | 'manufacturer' | 'bluetoothId' | 'systemId', label: string, hint?: string) => (
    <TextField id={ids[key]} label={label} hint={hint} value={form[key]} error={errors[key] && textOf(errors[key], t)} onInput={(value) => setForm((f) => ({ ...f, [key]: value }))} />
  );

  return (
    <>
      <h1>{t.devicesHeading}</h1>
      <p class="intro">{t.devicesIntro}</p>
      <ActionFeedback status={status} error={error} />
      <Async state={devices}>
        {(data) =>
          data.devices.length === 0 ? (
            <p>{t.devicesEmpty}</p>
          ) : (
            <TableRegion label={t.devicesCaption}>
              <table class="data-table">
                <caption>{t.devicesCaption}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t.colDevice}</th>
                    <th scope="col">{t.colSerial}</th>
                    <th scope="col">{t.colStatus}</th>
                    <th scope="col">{t.colAction}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.devices.map((d) => (
                    <tr key={d.id}>
                      <th scope="row">
                        {deviceKindLabel(d.kind, t)} <span class="muted">({d.model})</span>
                      </th>
                      <td>
                        {d.serial}
                        {d.bluetoothId && (
                          <>
                            <br />
                            <span class="muted">
                              {t.deviceBluetooth} {d.bluetoothId}
                            </span>
                          </>
                        )}
                      </td>
                      <td>
                        {d.loan ? (
                          <>
                            {d.loan.patient ? (
                              <>
                                {t.deviceLentTo}{' '}
                                <a href={`#/pasient/${encodeURIComponent(d.loan.patient.id)}`}>{d.loan.patient.name}</a>
                              </>
                            ) : (
                              t.deviceLentOut
                            )}
                            {d.loan.lentAt && (
                              <>
                                {' '}
                                (<DateTime iso={d.loan.lentAt} />)
                              </>
                            )}
                          </>
                        ) : (
                          t.deviceFree
                        )}
                      </td>
                      <td>
                        {d.loan && (
                          <>
                            <button type="button" class="button button-secondary" onClick={() => void giveBack(d)}>
                              {t.deviceRegisterReturn}
                              <span class="visually-hidden"> {d.serial}</span>
                            </button>{' '}
                          </>
                        )}
                        <button type="button" class="button button-secondary" aria-expanded={editing?.id === d.id} onClick={() => setEditing(editing?.id === d.id ? null : d)}>
                          {t.deviceEditIdentity}
                          <span class="visually-hidden"> {d.serial}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableRegion>
          )
        }
      </Async>
      {editing && (
        <IdentityEditor
          key={editing.id}
          device={editing}
          onDone={(saved) => {
            setEditing(null);
            if (saved) {
              setStatus(t.deviceIdentitySaved(`${deviceKindLabel(saved.kind, t)} ${saved.serial}`));
              devices.reload();
            }
          }}
        />
      )}
      <section class="card" aria-labelledby="register-device-heading">
        <h2 id="register-device-heading">{t.deviceRegisterHeading}</h2>
        <form class="stack" onSubmit={(e) => void register(e)} noValidate>
          <div class={`field${errors.kind ? ' has-error' : ''}`}>
            <label for={ids.kind}>{t.deviceKind}</label>
            <select
              id={ids.kind}
              value={form.kind}
              aria-invalid={errors.kind ? true : undefined}
              aria-describedby={`${ids.kind}-error`}
              onChange={(e) => {
                const kind = e.currentTarget.value;
                setForm((f) => ({ ...f, kind }));
              }}
            >
              <option value="">{t.deviceKindChoose}</option>
              {DEVICE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {deviceKindLabel(k, t)}
                </option>
              ))}
            </select>
            <FieldError id={`${ids.kind}-error`} message={errors.kind && textOf(errors.kind, t)} />
          </div>
          {field('model', t.deviceModel)}
          {field('serial', t.deviceSerial)}
          {field('manufacturer', t.deviceManufacturer)}
          {field('bluetoothId', t.deviceBluetoothId, t.deviceBluetoothIdHint)}
          {field('systemId', t.deviceSystemId, t.deviceSystemIdHint)}
          <button type="submit" class="button button-primary" aria-busy={busy}>
            {t.deviceRegister}
          </button>
        </form>
      </section>
    </>
  );
}

/** Adds or corrects the Bluetooth identity of a registered device (PATCH /api/devices/:id). */
function IdentityEditor({ device, onDone }: { device: Device; onDone: (saved: Device | null) => void }) {
  const { t } = useI18n();
  const [form, setForm] = useState({ manufacturer: device.manufacturer ?? '', bluetoothId: device.bluetoothId ?? '', systemId: device.systemId ?? '' });
  const [errors, setErrors] = useState<Record<string, Text>>({});
  const [error, setError] = useState<Text | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { heading: useId(), manufacturer: useId(), bluetoothId: useId(), systemId: useId() };
  const what = `${deviceKindLabel(device.kind, t)} ${device.serial}`;

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      onDone(await call('PATCH /api/devices/:id', { params: { id: device.id }, body: {
        manufacturer: form.manufacturer.trim() || null, bluetoothId: form.bluetoothId.trim() || null, systemId: form.systemId.trim() || null,
      } }));
    } catch (err) {
      const byField = showFailure(err, setErrors, setError);
      const first = (['bluetoothId', 'systemId', 'manufacturer'] as const).find((k) => byField[k]);
      if (first) document.getElementById(ids[first])?.focus();
    } finally {
      setBusy(false);
    }
  };

  const field = (key: 'manufacturer' | 'bluetoothId' | 'systemId', label: string) => (
    <TextField id={ids[key]} label={label} value={form[key]} error={errors[key] && textOf(errors[key], t)} onInput={(value) => setForm((f) => ({ ...f, [key]: value }))} />
  );

  return (
    <section class="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading} tabIndex={-1} ref={(el) => el?.focus()}>
        {t.deviceIdentityHeading(what)}
      </h2>
      <ActionFeedback status={null} error={error} />
      <form class="stack" onSubmit={(e) => void save(e)} noValidate>
        {field('bluetoothId', t.deviceBluetoothId)}
        {field('systemId', t.deviceSystemId)}
        {field('manufacturer', t.deviceManufacturer)}
        <div class="actions">
          <button type="submit" class="button button-primary" aria-busy={busy}>
            {t.deviceIdentitySave}
          </button>
          <button type="button" class="button button-secondary" onClick={() => onDone(null)}>
            {t.cancel}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A text field of the device forms (no autocomplete or spelling help: serials and ids), with its optional hint and its error line. */
function TextField({ id, label, hint, value, error, onInput }: { id: string; label: string; hint?: string | undefined; value: string; error: string | undefined; onInput: (value: string) => void }) {
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={id}
        type="text"
        autoComplete="off"
        spellcheck={false}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={hint ? `${id}-hint ${id}-error` : `${id}-error`}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
