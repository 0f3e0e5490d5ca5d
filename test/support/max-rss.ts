/**
 * A preload (`node --import .../max-rss.js`) that writes the process's peak resident set size, in
 * bytes, to the file named by TJS2I_MAX_RSS_FILE when it exits. getrusage's ru_maxrss is kept by the
 * kernel, so it catches a peak that a sampler polling /proc/<pid>/status could miss.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.TJS2I_MAX_RSS_FILE;
if (file) {
  // The CLI's own children (git, ...) do not inherit the preload: this is the CLI alone.
  delete process.env.TJS2I_MAX_RSS_FILE;
  // ru_maxrss is in KiB on Linux.
  process.on('exit', () => writeFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`));
}
