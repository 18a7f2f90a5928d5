/*
 * The BLE transport the gateway reads devices through. The real one is noble (noble.ts, loaded
 * only when `varde gateway` runs against hardware); tests and demos use the simulated peripherals
 * of simulated.ts, which replay encoded notifications byte for byte. UUIDs are the 16-bit SIG
 * numbers (0x2a35); a transport maps them to whatever its platform uses.
 */

/** A device seen while scanning. */
export interface BlePeripheral {
  /** Platform identifier: the Bluetooth address on Linux/Windows, a CoreBluetooth UUID on macOS. */
  id: string;
  /** The Bluetooth address when the platform exposes it ("AA:BB:CC:DD:EE:FF"). */
  address?: string | undefined;
  name?: string | undefined;
  /** Services in the advertisement (16-bit). */
  advertisedServices: number[];
  connect(): Promise<GattConnection>;
}

/** An open GATT connection. */
export interface GattConnection {
  /** Characteristics found, as service → characteristic numbers. */
  characteristics(): Promise<Map<number, number[]>>;
  read(service: number, characteristic: number): Promise<Uint8Array>;
  write(service: number, characteristic: number, value: Uint8Array): Promise<void>;
  /** Enables notifications or indications (whichever the characteristic has) and delivers each value. */
  subscribe(service: number, characteristic: number, onValue: (value: Uint8Array) => void): Promise<void>;
  /** Resolves when the peripheral disconnects (most health devices do once they have sent their records). */
  disconnected(): Promise<void>;
  disconnect(): Promise<void>;
}

/** Scanning for health devices. */
export interface BleTransport {
  /**
   * Scans for peripherals advertising any of the services and calls onFound for each one seen
   * (again after it disconnected and advertises anew). Resolves with a function that stops.
   */
  scan(services: number[], onFound: (p: BlePeripheral) => void): Promise<() => Promise<void>>;
}
