/**
 * One socket write per turn for amqplib, instead of one per AMQP frame.
 *
 * amqplib (2.3.1, `lib/mux.js`) moves the frames its channels queued to the socket in
 * `Mux#_readIncoming`, one `socket.write(frame)` each: every publish, ack and confirm-select
 * is its own `write` system call (and, with Nagle off, its own TCP segment). The engine acks
 * a batch of hundreds of deliveries and relays as many events at once, and a publisher under
 * load has hundreds of publishes queued, so frames leave one syscall at a time: in the settle
 * benchmark the native socket write was 8–12 % of the engine's CPU (issue 4).
 *
 * {@link batchAmqpWrites} corks the socket for the length of each Mux pass and uncorks it at
 * the end, so what the pass writes leaves in one `writev`. Nothing waits for a timer, the
 * frames and their order are unchanged, and backpressure is kept: a corked `write()` still
 * returns false past the socket's high-water mark, the Mux stops, and `uncork()` flushes and
 * later emits the `drain` it waits for. The same measure as toa-io/comq#285, placed in the loop
 * its follow-up (comq#290) recommends.
 *
 * amqplib does not export the Mux (package `exports`), so it is loaded by file path next to
 * the package's entry. If a later amqplib has no `Mux#_readIncoming`, nothing is patched and
 * {@link batchAmqpWrites} returns false (frames then go out one write each, as before).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

interface MuxLike {
  out: { cork(): void; uncork(): void };
  _readIncoming: (this: MuxLike) => void;
}

const PATCHED = Symbol.for('gaemi.amqp.batchedWrites');

/**
 * Patch amqplib's Mux (process-wide, idempotent) so each pass's frames leave in one write.
 * @returns whether the patch is in place.
 */
export function batchAmqpWrites(): boolean {
  const require = createRequire(import.meta.url);
  let proto: (MuxLike & { [PATCHED]?: boolean }) | undefined;
  try {
    const entry = require.resolve('amqplib');
    const mod = require(path.join(path.dirname(entry), 'lib', 'mux.js')) as { Mux?: { prototype: MuxLike & { [PATCHED]?: boolean } } };
    proto = mod.Mux?.prototype;
  } catch {
    return false;
  }
  if (!proto || typeof proto._readIncoming !== 'function') return false;
  if (proto[PATCHED]) return true;
  const readIncoming = proto._readIncoming;
  proto._readIncoming = function batchedReadIncoming(this: MuxLike) {
    const out = this.out;
    out.cork();
    try {
      readIncoming.call(this);
    } finally {
      out.uncork();
    }
  };
  proto[PATCHED] = true;
  return true;
}
