/**
 * Garbage collection tuned for streaming, where nearly everything allocated is garbage at once.
 *
 * Streaming a big file leaves each 64 KiB chunk it was read in as garbage once the engine has it,
 * and V8 collects the young generation's array buffers only when 32 MiB of them are waiting (twice
 * its default semi-space): a 2 GiB upload would carry up to 32 MiB of chunks already sent. The tar
 * packer asks for a minor collection every few MiB instead (a scavenge of a small heap takes about
 * a millisecond). `--expose-gc` is set at run time, which gives `gc` to a new context only; where
 * that is not possible, this is a no-op.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;

let collect: Collect | null | undefined;

/**
 * Keeps V8's young generation at its initial size. Under a stream of short-lived objects (10,000
 * small files: their stat results, handles and promises), V8 grows it from 2 to 32 MiB as objects
 * survive scavenges while awaited, although the live heap stays under 20 MiB; at its initial size
 * scavenges are more frequent and each is as cheap, since it costs what survives. The old generation
 * is not limited.
 */
export function keepYoungGenerationSmall(): void {
  try {
    setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // A runtime that refuses flags keeps its defaults.
  }
}

/** A minor garbage collection (the young generation only), when the runtime allows one. */
export function collectYoungGarbage(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
      collect = typeof gc === 'function' ? (gc as Collect) : null;
    } catch {
      collect = null;
    }
  }
  collect?.({ type: 'minor' });
}
