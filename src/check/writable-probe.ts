/**
 * Whether the arbitrary UID with group 0 can write where a user of the image writes: HOME, `work/`
 * in it, the conda prefix, the Jupyter runtime directory (`jupyter --runtime-dir`, made when missing,
 * as Jupyter makes it), and the trees a tjs2i builder says it made writable. Found by doing it: a
 * shell in a second container of the image, same user, same environment, same confinement, creates
 * a file in each (the container is thrown away, so nothing is cleaned up). It is a container of its
 * own rather than an exec into the image's command, so an image whose command dies at once is judged
 * too. An image without /bin/sh cannot be asked: its lines are "not determined".
 */
import type { ContainerClient } from '../engine/container-client.js';
import { CHECK_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { BuildFailedError, InterruptedError } from '../common/errors.js';
import { line, type CheckLine } from './check-report.js';
import { CHECK_LABEL } from './check-label.js';
import { userSpec } from './arbitrary-uid.js';

export type ProbeKind = 'home' | 'work' | 'conda' | 'runtime' | 'tree';
/** writable: a file could be made in it; created: it was missing and could be made; denied; not a directory; unset (HOME). */
export type ProbeResult = 'writable' | 'created' | 'denied' | 'not-a-directory' | 'unset';

export interface PathProbe {
  kind: ProbeKind;
  path: string;
  result: ProbeResult;
}

export type WritableFacts = { probes: PathProbe[] } | { undetermined: string };

/** How long the shell may take (`jupyter --runtime-dir` starts Python). */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * The shell's script: one line per path, `KIND<TAB>PATH<TAB>RESULT`, then `end`. The trees to try
 * are its arguments.
 */
export const PROBE_SCRIPT = [
  'probe() {',
  '  if [ -d "$2" ]; then',
  // In a subshell: a redirection that fails on the special built-in `:` would end the shell itself.
  '    if ( : > "$2/.tjs2i-check" ) 2>/dev/null; then r=writable; else r=denied; fi',
  '  elif [ -e "$2" ] || [ -L "$2" ]; then r=not-a-directory',
  '  elif mkdir -p "$2" 2>/dev/null; then r=created',
  '  else r=denied; fi',
  `  printf '%s\\t%s\\t%s\\n' "$1" "$2" "$r"`,
  '}',
  `if [ -n "\${HOME:-}" ]; then probe home "$HOME"; else printf 'home\\t\\tunset\\n'; fi`,
  'if [ -n "${HOME:-}" ] && [ -d "$HOME/work" ]; then probe work "$HOME/work"; fi',
  'if [ -n "${CONDA_DIR:-}" ] && [ -e "$CONDA_DIR" ]; then probe conda "$CONDA_DIR"; fi',
  'for t in "$@"; do if [ -e "$t" ]; then probe tree "$t"; fi; done',
  'if command -v jupyter >/dev/null 2>&1; then',
  '  rt=$(jupyter --runtime-dir 2>/dev/null) && [ -n "$rt" ] && probe runtime "$rt"',
  'fi',
  'echo end',
].join('\n');

const KINDS = new Set<string>(['home', 'work', 'conda', 'runtime', 'tree']);
const RESULTS = new Set<string>(['writable', 'created', 'denied', 'not-a-directory', 'unset']);

/** The probes in the shell's output; undefined when it did not get to its end. */
export function parseProbeOutput(text: string): PathProbe[] | undefined {
  const probes: PathProbe[] = [];
  let ended = false;
  for (const raw of text.split('\n')) {
    const fields = raw.replace(/\r$/, '').split('\t');
    if (fields.length === 1 && fields[0] === 'end') ended = true;
    const [kind = '', path = '', result = ''] = fields;
    if (fields.length === 3 && KINDS.has(kind) && RESULTS.has(result)) probes.push({ kind: kind as ProbeKind, path, result: result as ProbeResult });
  }
  return ended ? probes : undefined;
}

/** Runs the shell as `uid` with group 0 in a container of `image`, and reads what it found. */
export async function probeWritable(
  containers: ContainerClient,
  image: string,
  uid: number,
  trees: readonly string[],
  signal: AbortSignal | undefined,
): Promise<WritableFacts> {
  const name = uniqueName(CHECK_CONTAINER_PREFIX, '-probe');
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  const bounded = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let created: Promise<string> | undefined;
  let stdout = '';
  let stderr = '';
  try {
    created = containers.createContainer(
      {
        image,
        name,
        user: userSpec(uid),
        entrypoint: ['/bin/sh', '-c', PROBE_SCRIPT, 'tjs2i-check', ...trees],
        cmd: [],
        labels: { [CHECK_LABEL]: '1' },
        restricted: true,
      },
      bounded,
    );
    const id = await created;
    const output = await containers.attachOutput(
      id,
      (chunk, stream) => {
        if (stream === 'stdout') stdout += chunk.toString('utf8');
        else stderr += chunk.toString('utf8');
      },
      bounded,
    );
    await containers.startContainer(id, bounded);
    const code = await containers.waitContainer(id, bounded);
    await output.ended;
    const probes = parseProbeOutput(stdout);
    if (probes) return { probes };
    const said = stderr.trim().split('\n').at(-1) ?? '';
    return { undetermined: `the shell probe exited with code ${code}${said ? `: ${said}` : ''}` };
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError();
    if (timeout.aborted) return { undetermined: `the shell probe did not finish within ${PROBE_TIMEOUT_MS / 1000} s` };
    if (error instanceof BuildFailedError) return { undetermined: noShell(error.message) ? 'the image has no /bin/sh to look with' : error.message };
    throw error;
  } finally {
    if (created) await containers.removeContainer(await created.catch(() => name)).catch(() => undefined);
  }
}

/** The engine's words when the shell is not there. */
const noShell = (message: string) => /\/bin\/sh.*(no such file|not found)|executable file not found/i.test(message);

const UNDETERMINED_ADVICE = 'check by hand: `docker run --user 1000770000:0` and try to write there';

export function homeLine(facts: WritableFacts): CheckLine {
  if ('undetermined' in facts) return line('home', 'warn', `not determined: ${facts.undetermined}`, UNDETERMINED_ADVICE);
  const home = facts.probes.find((p) => p.kind === 'home');
  const advice = 'set ENV HOME to a directory of group 0 that group 0 may write (`chgrp -R 0`, `chmod -R g=u`), or run `tjs2i builder` on a Jupyter stack';
  if (!home || home.result === 'unset') return line('home', 'fail', 'HOME is not set', advice);
  if (home.result === 'writable' || home.result === 'created') return line('home', 'pass', `HOME=${home.path} is writable`);
  const why = home.path === '/' ? ' (the image sets no HOME, and the UID has no passwd entry)' : '';
  return line('home', 'fail', `HOME=${home.path} is ${home.result === 'denied' ? 'not writable' : 'not a directory'}${why}`, advice);
}

const KIND_NAMES: Record<ProbeKind, string> = { home: 'HOME', work: 'work/', conda: 'conda prefix', runtime: 'Jupyter runtime', tree: 'builder tree' };

export function treesLine(facts: WritableFacts): CheckLine {
  if ('undetermined' in facts) return line('writable-trees', 'warn', `not determined: ${facts.undetermined}`, UNDETERMINED_ADVICE);
  // Each path once; HOME (a builder's first tree, often) has its own line.
  const seen = new Set(facts.probes.filter((p) => p.kind === 'home').map((p) => p.path));
  const trees = facts.probes.filter((p) => !seen.has(p.path) && seen.add(p.path));
  if (trees.length === 0) return line('writable-trees', 'skip', 'none in the image (no work/, conda prefix, Jupyter runtime directory)');
  const named = (p: PathProbe) => `${p.path} (${KIND_NAMES[p.kind]})`;
  const bad = trees.filter((p) => p.result === 'denied' || p.result === 'not-a-directory');
  if (bad.length) {
    return line(
      'writable-trees',
      'fail',
      `not writable: ${bad.map(named).join(', ')}`,
      'give them to group 0 with group write (`chgrp -R 0`, `chmod -R g=u`), or run `tjs2i builder` on a Jupyter stack',
    );
  }
  return line('writable-trees', 'pass', `writable: ${trees.map(named).join(', ')}`);
}
