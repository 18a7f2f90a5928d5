/*
 * The device a patient paired, remembered on this phone per patient (two people may share a
 * tablet), with the last glucose-record sequence number already sent, so the next visit asks the
 * meter only for newer records (RACP "greater than or equal to").
 */

export interface PairedDevice {
  /** Web Bluetooth's id for the device: stable for this browser and site, private to it. */
  id: string;
  name: string;
  model?: string;
  manufacturer?: string;
  serial?: string;
  systemId?: string;
  /** Highest stored-record sequence number already sent (glucose meters). */
  lastSequence?: number;
}

const keyFor = (patientId: string): string => `varde.bluetooth.v1.${patientId}`;

/** The device this patient paired on this phone, if any. */
export function loadPaired(patientId: string): PairedDevice | null {
  try {
    const raw = localStorage.getItem(keyFor(patientId));
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<PairedDevice>;
    return typeof v.id === 'string' && typeof v.name === 'string' ? (v as PairedDevice) : null;
  } catch {
    // Storage blocked or corrupt: pairing again is the remedy, not an error screen.
    return null;
  }
}

export function savePaired(patientId: string, device: PairedDevice): void {
  try {
    localStorage.setItem(keyFor(patientId), JSON.stringify(device));
  } catch {
    // Private mode: the pairing lasts for this visit only.
  }
}

export function forgetPaired(patientId: string): void {
  try {
    localStorage.removeItem(keyFor(patientId));
  } catch {
    // Nothing to forget.
  }
}
