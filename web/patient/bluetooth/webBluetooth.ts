/*
 * The part of the Web Bluetooth API (https://webbluetoothcg.github.io/web-bluetooth/) the patient
 * app uses. TypeScript's DOM library does not declare it, and only Chromium-based browsers have it
 * (not Safari on iPad/iPhone, not Firefox), so every use goes through `webBluetooth()`.
 */

export interface BtCharacteristic extends EventTarget {
  readonly uuid: string;
  readonly value?: DataView | null;
  readValue(): Promise<DataView>;
  writeValue(value: BufferSource): Promise<void>;
  writeValueWithResponse?(value: BufferSource): Promise<void>;
  startNotifications(): Promise<BtCharacteristic>;
  stopNotifications(): Promise<BtCharacteristic>;
}

export interface BtService {
  readonly uuid: string;
  getCharacteristic(uuid: string | number): Promise<BtCharacteristic>;
}

export interface BtServer {
  readonly connected: boolean;
  connect(): Promise<BtServer>;
  disconnect(): void;
  getPrimaryServices(uuid?: string | number): Promise<BtService[]>;
}

export interface BtDevice extends EventTarget {
  readonly id: string;
  readonly name?: string | null;
  readonly gatt?: BtServer | null;
}

export interface BtRequestOptions {
  filters?: { services?: (string | number)[]; name?: string; namePrefix?: string }[];
  optionalServices?: (string | number)[];
  acceptAllDevices?: boolean;
}

export interface BtBluetooth {
  getAvailability?(): Promise<boolean>;
  requestDevice(options: BtRequestOptions): Promise<BtDevice>;
  /** Devices this origin was allowed before (Chromium; behind a flag on some versions). */
  getDevices?(): Promise<BtDevice[]>;
}

/** navigator.bluetooth when the browser has it (and the page is a secure context); otherwise null. */
export function webBluetooth(): BtBluetooth | null {
  if (typeof navigator === 'undefined') return null;
  const bt = (navigator as Navigator & { bluetooth?: BtBluetooth }).bluetooth;
  return bt && typeof bt.requestDevice === 'function' ? bt : null;
}

/** The bytes of a characteristic value (a DataView may be a window on a larger buffer). */
export function bytesOf(view: DataView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}
