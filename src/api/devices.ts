import { z } from 'zod';
import { IdParams, Instant } from './common.js';
import { route } from './route.js';

export const DEVICE_KINDS = ['pulse_oximeter', 'bp_monitor', 'scale', 'thermometer', 'glucometer', 'tablet', 'other'] as const;

/**
 * A Bluetooth address (12 hex digits, with ':' or '-' or nothing between the pairs) is stored as
 * "AA:BB:CC:DD:EE:FF"; a platform identifier (CoreBluetooth UUID, a gateway's own id) is kept as
 * given, lower-cased when it is a UUID, so the same device always compares equal.
 */
export function normaliseBluetoothId(s: string): string {
  const t = s.trim();
  const hex = t.replace(/[:-]/g, '');
  if (/^[0-9a-f]{12}$/i.test(hex) && /^([0-9a-f]{2}[:-]?){5}[0-9a-f]{2}$/i.test(t)) return hex.toUpperCase().match(/../g)!.join(':');
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t)) return t.toLowerCase();
  return t;
}

/** System ID (0x2A23): 8 octets, written as 16 hex digits (separators allowed), stored lower case without them. */
export function normaliseSystemId(s: string): string {
  return s.trim().replace(/[\s:-]/g, '').toLowerCase();
}

/** The Bluetooth identity of a device; every part optional, empty text meaning "not known". */
export const BluetoothIdentity = z.object({
  manufacturer: z.string().trim().max(200).optional().transform((v) => v || undefined),
  bluetoothId: z.string().trim().max(100, 'Bluetooth address or identifier: at most 100 characters')
    .regex(/^$|^[A-Za-z0-9:._\/+=-]{4,100}$/, 'Bluetooth address or identifier: letters, digits and : - . _ only, e.g. 00:1C:05:AB:12:34')
    .optional().transform((v) => (v ? normaliseBluetoothId(v) : undefined)),
  systemId: z.string().trim().max(40).optional()
    .refine((v) => !v || /^[0-9a-f]{16}$/i.test(normaliseSystemId(v)), 'System ID: 16 hexadecimal digits (8 bytes)')
    .transform((v) => (v ? normaliseSystemId(v) : undefined)),
});
export type BluetoothIdentity = z.infer<typeof BluetoothIdentity>;

export const RegisterDeviceBody = z.object({
  serial: z.string().trim().min(2, 'Serial number: at least 2 characters').max(100),
  model: z.string().trim().min(2, 'Model: at least 2 characters').max(200),
  kind: z.enum(DEVICE_KINDS, { error: 'Choose the kind of device' }),
}).extend(BluetoothIdentity.shape);

/** Corrects or adds the Bluetooth identity of a registered device (null clears a part). */
export const UpdateIdentityBody = z.object({
  manufacturer: z.string().trim().max(200).nullable().optional(),
  bluetoothId: BluetoothIdentity.shape.bluetoothId.nullable(),
  systemId: BluetoothIdentity.shape.systemId.nullable(),
}).partial();

export const LendBody = z.object({ deviceId: z.uuid({ error: 'Choose a device' }) });
export type RegisterDeviceBody = z.infer<typeof RegisterDeviceBody>;

/** A device of the organisation's register with its current loan (devices/service.ts#deviceDto). */
export const Device = z.object({
  id: z.string(),
  serial: z.string(),
  model: z.string(),
  kind: z.string(),
  createdAt: Instant,
  /** Bluetooth identity (issue 13); null when not registered. */
  manufacturer: z.string().nullable(),
  bluetoothId: z.string().nullable(),
  systemId: z.string().nullable(),
  loan: z.object({
    id: z.string(),
    lentAt: Instant.nullable(),
    patient: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  }).nullable(),
});
export type Device = z.infer<typeof Device>;

/** A loan of a device to a patient (devices/service.ts#loanDto). */
export const DeviceLoan = z.object({
  id: z.string(),
  deviceId: z.string(),
  patientId: z.string(),
  serial: z.string(),
  model: z.string(),
  kind: z.string(),
  organisation: z.string(),
  lentAt: Instant,
  returnedAt: Instant.nullable(),
});
export type DeviceLoan = z.infer<typeof DeviceLoan>;

export const deviceRoutes = {
  list: route({ method: 'GET', path: '/api/devices', tag: 'devices', summary: "The caller's organisation's device register", description: 'The borrower is shown (and audited) only to clinical roles with a care relation.', response: z.object({ devices: z.array(Device) }) }),
  register: route({ method: 'POST', path: '/api/devices', tag: 'devices', summary: 'Register a device', description: '409 on a duplicate serial or a Bluetooth identity another device has.', body: RegisterDeviceBody, status: 201, response: Device }),
  updateIdentity: route({ method: 'PATCH', path: '/api/devices/:id', tag: 'devices', summary: "Correct or add a device's Bluetooth identity (null clears a part)", params: IdParams, body: UpdateIdentityBody, response: Device }),
  loansOfPatient: route({ method: 'GET', path: '/api/patients/:id/device-loans', tag: 'devices', summary: "A patient's device loans", params: IdParams, response: z.object({ loans: z.array(DeviceLoan) }) }),
  lend: route({ method: 'POST', path: '/api/patients/:id/device-loans', tag: 'devices', summary: 'Lend a device to a patient', description: '409 if the device is lent out.', params: IdParams, body: LendBody, status: 201, response: DeviceLoan }),
  return: route({ method: 'POST', path: '/api/device-loans/:id/return', tag: 'devices', summary: 'Take a lent device back', description: 'Only the lending organisation; a care relation is enough after the episode ended.', params: IdParams, response: DeviceLoan }),
};
