import { shortUuid } from '../domain/ble/index.js';
import type { BlePeripheral, BleTransport, GattConnection } from './transport.js';

/*
 * The real transport over @abandonware/noble, loaded only when `varde gateway` runs against
 * hardware. noble is NOT a dependency of Varde: its npm package ships no prebuilt binaries, so
 * installing it compiles a native addon with node-gyp (build tools, Node headers) — which the
 * project's install (`npm ci`, nothing downloaded outside the npm registry) must not need. On the
 * gateway computer install it next to Varde: `npm install --no-save @abandonware/noble`.
 * This adapter is written against noble 1.9's documented API and has not been run on hardware here.
 */

/** The parts of noble this adapter uses (noble has no bundled types). */
interface NobleCharacteristic {
  uuid: string;
  readAsync(): Promise<Buffer>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: 'data', cb: (data: Buffer, isNotification: boolean) => void): void;
}
interface NobleService {
  uuid: string;
  characteristics: NobleCharacteristic[];
}
interface NoblePeripheral {
  id: string;
  address: string;
  advertisement: { localName?: string; serviceUuids?: string[] };
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverAllServicesAndCharacteristicsAsync(): Promise<{ services: NobleService[] }>;
  once(event: 'disconnect', cb: () => void): void;
}
interface Noble {
  state: string;
  on(event: 'stateChange', cb: (state: string) => void): void;
  on(event: 'discover', cb: (p: NoblePeripheral) => void): void;
  removeAllListeners(event: string): void;
  startScanningAsync(uuids: string[], allowDuplicates: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
}

/** Loads noble, or explains how to get it. */
export async function loadNoble(): Promise<Noble> {
  const name = '@abandonware/noble';
  try {
    const m = (await import(name)) as { default?: Noble } & Noble;
    return m.default ?? m;
  } catch (e) {
    throw new Error(
      `Bluetooth needs ${name}, which is not installed with Varde because it compiles a native addon. ` +
      `Install it on the gateway computer (build tools and BlueZ on Linux): npm install --no-save ${name}. ` +
      `Or try the gateway without hardware: varde gateway --simulate. (${(e as Error).message})`,
    );
  }
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

function connection(p: NoblePeripheral, services: NobleService[]): GattConnection {
  const find = (s: number, c: number) => {
    const svc = services.find((x) => shortUuid(x.uuid) === s);
    const ch = svc?.characteristics.find((x) => shortUuid(x.uuid) === c);
    if (!ch) throw new Error(`characteristic 0x${hex4(c)} of service 0x${hex4(s)} not found`);
    return ch;
  };
  const gone = new Promise<void>((resolve) => p.once('disconnect', resolve));
  return {
    characteristics: async () => new Map(services.flatMap((s) => {
      const id = shortUuid(s.uuid);
      return id === null ? [] : [[id, s.characteristics.flatMap((c) => (shortUuid(c.uuid) === null ? [] : [shortUuid(c.uuid)!]))] as [number, number[]]];
    })),
    read: async (s, c) => Uint8Array.from(await find(s, c).readAsync()),
    write: async (s, c, v) => find(s, c).writeAsync(Buffer.from(v), false),
    subscribe: async (s, c, onValue) => {
      const ch = find(s, c);
      ch.on('data', (data) => onValue(Uint8Array.from(data)));
      await ch.subscribeAsync();
    },
    disconnected: () => gone,
    disconnect: () => p.disconnectAsync(),
  };
}

/** BLE through noble (BlueZ HCI on Linux, CoreBluetooth on macOS, WinRT on Windows). */
export class NobleTransport implements BleTransport {
  constructor(private readonly noble: Noble) {}

  async scan(services: number[], onFound: (p: BlePeripheral) => void): Promise<() => Promise<void>> {
    const noble = this.noble;
    noble.on('discover', (np) => {
      const advertised = (np.advertisement.serviceUuids ?? []).flatMap((u) => (shortUuid(u) === null ? [] : [shortUuid(u)!]));
      onFound({
        id: np.id, address: np.address && np.address !== 'unknown' ? np.address.toUpperCase() : undefined, name: np.advertisement.localName,
        advertisedServices: advertised,
        connect: async () => {
          await noble.stopScanningAsync();
          await np.connectAsync();
          const { services: found } = await np.discoverAllServicesAndCharacteristicsAsync();
          // Scan again once this device is done, so the next one (or this one's next measurement) is seen.
          np.once('disconnect', () => void noble.startScanningAsync(services.map(hex4), false));
          return connection(np, found);
        },
      });
    });
    const start = () => noble.startScanningAsync(services.map(hex4), false);
    if (noble.state === 'poweredOn') await start();
    noble.on('stateChange', (state) => {
      if (state === 'poweredOn') void start();
    });
    return async () => {
      noble.removeAllListeners('discover');
      await noble.stopScanningAsync();
    };
  }
}
