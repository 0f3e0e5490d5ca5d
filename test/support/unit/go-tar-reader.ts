/**
 * Go's archive/tar as the reference reader of the layer rewriter's differential tests: the Docker
 * engine and containerd apply layers through it, so what it reads is what a layer means. The
 * twenty-line reader (go-tar-reader/main.go, standard library only) is built once per test file into
 * a temporary directory, offline, with its own build cache. Not a test file itself.
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** One header as Go's Reader.Next returns it, and the SHA-256 of what reading it gives. */
export interface GoHeader {
  Name: string;
  Linkname: string;
  Typeflag: string;
  Mode: number;
  Size: number;
  Uid: number;
  Gid: number;
  Sha256: string;
}

export interface GoReading {
  headers: GoHeader[];
  /** Go's error when it could not read the archive to its end (after `headers`). */
  error?: string;
}

export type GoTarReader = (archive: Buffer) => GoReading;

const SOURCE = fileURLToPath(new URL('../../../../test/support/unit/go-tar-reader/main.go', import.meta.url));

/** Builds the reader in `dir`; undefined when there is no `go` on this machine. */
export async function buildGoTarReader(dir: string): Promise<GoTarReader | undefined> {
  if (spawnSync('go', ['version']).error) return undefined;
  const binary = join(dir, 'go-tar-reader');
  // Nothing from outside: no module download, no toolchain switch, no user settings, no C compiler.
  const env = {
    ...process.env,
    GOCACHE: join(dir, 'cache'),
    GOPATH: join(dir, 'gopath'),
    GOENV: 'off',
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  await promisify(execFile)('go', ['build', '-o', binary, SOURCE], { cwd: dir, env });
  return (archive) => {
    const run = spawnSync(binary, [], { input: archive, maxBuffer: 64 * 1024 * 1024 });
    if (run.error || run.status !== 0) throw new Error(`go-tar-reader failed: ${run.error?.message ?? run.stderr.toString()}`);
    const reading: GoReading = { headers: [] };
    for (const line of run.stdout.toString('utf8').split('\n').filter(Boolean)) {
      const parsed = JSON.parse(line) as GoHeader | { Error: string };
      if ('Error' in parsed) reading.error = parsed.Error;
      else reading.headers.push(parsed);
    }
    return reading;
  };
}

/** Why the differential tests cannot run here; thrown instead of skipping where CI asks for every test (TJS2I_REQUIRE_DOCKER=1). */
export const NO_GO =
  'go is not installed: the differential tests read layers with Go’s archive/tar (apt-get install golang-go, or run test/prepare.sh as root)';
