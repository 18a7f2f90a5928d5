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
  const ctl = new AbortController();
  const res = await fetch(`${server.url}/api/worklist/stream`, { headers: { cookie }, signal: ctl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.getReader();
  const events: StreamedEvent[] = [];
  const dec = new TextDecoder();
  let buf = dec.decode((await reader.read()).value);
  await act();
  const deadline = Date.now() + ms;
  while (events.length < want && Date.now() < deadline) {
    const r = await Promise.race([reader.read(), new Promise<null>((ok) => setTimeout(() => ok(null), deadline - Date.now()))]);
    if (!r || r.done) break;
    buf += dec.decode(r.value);
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.startsWith('event: worklist')) events.push(JSON.parse(block.split('\ndata: ')[1]!) as StreamedEvent);
    }
  }
  ctl.abort();
  return events;
}
