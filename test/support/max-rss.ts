/**
 * A preload (`node --import .../max-rss.js`) that writes the process's peak resident set size, in
 * bytes, to the file named by TJS2I_MAX_RSS_FILE when it exits. The kernel keeps the peak, so it
 * catches one that a sampler polling from outside could miss. It is read from VmHWM (this program's
 * own memory since it started) rather than getrusage's ru_maxrss, which also counts the memory of the
 * parent at the moment it spawned the process (a benchmark that had just made a 1 GB course reported
 * its own 107 MiB for every CLI run after it).
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** Peak RSS in bytes: VmHWM on Linux, ru_maxrss (KiB on Linux) elsewhere. */
function peakRssBytes(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // not Linux: below
  }
  return process.resourceUsage().maxRSS * 1024;
}

const file = process.env.TJS2I_MAX_RSS_FILE;
if (file) {
  // The CLI's own children (git, ...) do not inherit the preload: this is the CLI alone.
  delete process.env.TJS2I_MAX_RSS_FILE;
  process.on('exit', () => writeFileSync(file, `${peakRssBytes()}\n`));
}
