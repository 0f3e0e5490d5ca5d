/**
 * A preload (`node --import .../trace-loads.js`) that appends to the file named by
 * TJS2I_TRACE_LOADS_FILE, one per line, the URL of every ES module the process resolves and, at exit,
 * the path of every CommonJS module it loaded: what a command really imports.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.TJS2I_TRACE_LOADS_FILE;
if (file) {
  delete process.env.TJS2I_TRACE_LOADS_FILE;
  register('./trace-loads-hooks.js', import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const loaded = Object.keys(require.cache).map((path) => `${path}\n`);
    if (loaded.length) appendFileSync(file, loaded.join(''));
  });
}
