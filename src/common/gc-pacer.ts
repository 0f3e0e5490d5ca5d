/**
 * Garbage collection tuned for streaming, where nearly everything allocated is garbage at once.
 *
 * Streaming a big file leaves each 64 KiB chunk it was read in as garbage once the engine has it,
 * and V8 collects the young generation's array buffers only when 32 MiB of them are waiting (twice
 * its default semi-space): a 2 GiB upload would carry up to 32 MiB of chunks already sent. The
 * packers ask for a minor collection every few MiB instead (a scavenge of a small heap takes about
 * a millisecond). The chunks still in flight at a scavenge survive it and end up in the old
 * generation, as does what 10,000 small files leave (their contents, stat results, promises): both
 * wait there for a full collection, which V8 starts only when the old generation has grown by tens of
 * MiB. The packers ask for one every 128 MiB of big-file data and every 2,000 files (a full
 * collection of this small heap takes a few milliseconds). `--expose-gc` is set at run time, which
 * gives `gc` to a new context only; where that is not possible, this is a no-op.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's `gc`: a full collection without options (`{ type: 'major' }` frees nothing on Node 20), a scavenge with `{ type: 'minor' }`. */
type Collect = (options?: { type: 'minor' }) => void;

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

/** A garbage collection of that kind, when the runtime allows one. */
export function collectGarbage(type: 'minor' | 'major'): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('typeof gc === "function" ? gc : null');
      collect = typeof gc === 'function' ? (gc as Collect) : null;
    } catch {
      collect = null;
    }
  }
  if (type === 'minor') collect?.({ type });
  else collect?.();
}

/** Bytes of big files streamed between two minor collections of their chunks. */
export const MINOR_EVERY_BYTES = 8 * 1024 * 1024;
/** Bytes of big files streamed between two full collections. */
export const MAJOR_EVERY_BYTES = 128 * 1024 * 1024;
/** Files packed between two full collections. */
export const MAJOR_EVERY_ENTRIES = 2000;

/** Tells the collector how much a packer has streamed; it collects at the pace above. */
export interface GarbagePacer {
  /** A chunk of a big file, of that many bytes, was read. */
  streamed(bytes: number): void;
  /** A file was packed (the entries that leave garbage: its content, status and promises). */
  packed(): void;
}

export function createGarbagePacer(collectNow: (type: 'minor' | 'major') => void = collectGarbage): GarbagePacer {
  let sinceMinor = 0;
  let sinceMajor = 0;
  let entries = 0;
  const major = () => {
    sinceMinor = 0;
    sinceMajor = 0;
    entries = 0;
    collectNow('major');
  };
  return {
    streamed(bytes) {
      sinceMinor += bytes;
      sinceMajor += bytes;
      if (sinceMajor >= MAJOR_EVERY_BYTES) major();
      else if (sinceMinor >= MINOR_EVERY_BYTES) {
        sinceMinor = 0;
        collectNow('minor');
      }
    },
    packed() {
      if (++entries >= MAJOR_EVERY_ENTRIES) major();
    },
  };
}
