import assert from 'node:assert/strict';
import type { Server } from '../server.js';

/** An `event: worklist` as the stream sends it (src/api/stream.ts). */
export interface StreamedEvent {
  patientId: string;
  reason: string;
  zone?: string | null;
}

/**
 * Reads the clinic's worklist stream (Server-Sent Events) until `want` `worklist` events arrived
 * or `ms` passed. `act` runs once the subscription is live (after the `: connected` comment), so
 * what it causes cannot be missed.
 * @param server the running test server
 * @param cookie whose session the stream belongs to
 * @param want how many events to wait for
 * @param act what causes the events
 * @param ms how long to wait at most (a stream that should stay silent returns after this)
 */
export async function worklistEvents(server: Server, cookie: string, want: number, act: () => Promise<void>, ms = 3000): Promise<StreamedEvent[]> {
  const stream = await openWorklistStream(server.url, cookie);
  const events: StreamedEvent[] = [];
  await act();
  await stream.read((block) => {
    if (block.startsWith('event: worklist')) events.push(blockData(block) as StreamedEvent);
  }, () => events.length >= want, Date.now() + ms);
  stream.close();
  return events;
}

/** A live worklist stream (Server-Sent Events) of one session. */
export interface WorklistStream {
  /** Hands each block (`event: …\ndata: …`) to `onBlock` until `done()` or the `deadline` (epoch ms). */
  read(onBlock: (block: string) => void, done: () => boolean, deadline: number): Promise<void>;
  close(): void;
}

/** The parsed `data:` of a stream block. */
export function blockData(block: string): unknown {
  return JSON.parse(block.split('\ndata: ')[1]!);
}

/**
 * Opens the clinic's worklist stream at `base` (any app server, also another process) as
 * `cookie`. Resolves once the subscription is live (after the `: connected` comment), so what
 * the caller causes next cannot be missed.
 */
export async function openWorklistStream(base: string, cookie: string): Promise<WorklistStream> {
  const ctl = new AbortController();
  const res = await fetch(`${base}/api/worklist/stream`, { headers: { cookie }, signal: ctl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = dec.decode((await reader.read()).value);
  return {
    async read(onBlock, done, deadline) {
      while (!done() && Date.now() < deadline) {
        const r = await Promise.race([reader.read(), new Promise<null>((ok) => setTimeout(() => ok(null), Math.max(0, deadline - Date.now())))]);
        if (!r || r.done) break;
        buf += dec.decode(r.value);
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          onBlock(block);
        }
      }
    },
    close: () => ctl.abort(),
  };
}
