/**
 * Preloaded into the CLI under measurement (`node --import <this> bin/tjs2i ...`): at exit it
 * writes the process's peak resident set size in bytes to $TJS2I_BENCH_MAXRSS_FILE.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.TJS2I_BENCH_MAXRSS_FILE;
if (file) {
  // Keep the variable out of the CLI's children (git, and whatever it passes the environment to).
  delete process.env.TJS2I_BENCH_MAXRSS_FILE;
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kilobytes.
    writeFileSync(file, `${process.resourceUsage().maxRSS * 1024}\n`);
  });
}
