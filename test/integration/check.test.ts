/**
 * `tjs2i check` against the real engine: the stand-ins of the images the builder exists for fail
 * (2016: a named USER and nothing writable; today: a numeric USER, but nothing group 0 may write),
 * every tjs2i builder and course image passes, a crafted image with a set-uid file beside a
 * writable /etc/passwd fails on that line alone, and an image that is not a Jupyter image is judged
 * on what applies to it. The checks run two at a time (each takes about 20 s: the watch, and the
 * image's export read at the same time); every run goes through an engine recorder, so the
 * containers it made, and the users it made them with, are its own.
 */
import { expect } from 'chai';
import pMap from 'p-map';
import { join } from 'node:path';
import { ARBITRARY_UID_RANGE } from '../../src/check/arbitrary-uid.js';
import { FAMILIES, familyBuilder, type Family } from '../support/integration/families.js';
import { tjs2iTracked, type TrackedRun } from '../support/integration/engine-recorder.js';
import { DEBIAN, exec, ROOT, TEST_LABEL, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { ON_PODMAN, onPodman } from '../support/integration/engines.js';
import { spawn } from 'node:child_process';

interface JsonLine {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  found: string;
  advice: string;
  log?: string[];
  paths?: string[];
}

interface JsonReport {
  ok: boolean;
  wouldRun: boolean;
  fails: number;
  warnings: number;
  image: string;
  uid: number;
  gid: number;
  jupyter: string | null;
  builder: boolean;
  seconds: number;
  checks: JsonLine[];
}

interface Checked {
  run: TrackedRun;
  report?: JsonReport;
  /** Wall-clock seconds of the run. */
  seconds: number;
}

/** A Debian image with a numeric USER and a group-0 home, whose command stays up: nothing wanting but a port and a health check. */
const PLAIN = [
  `FROM ${DEBIAN}`,
  'RUN mkdir -p /home/app && chgrp 0 /home/app && chmod 2775 /home/app',
  'ENV HOME=/home/app',
  'USER 1000',
  'CMD ["sleep", "infinity"]',
].join('\n');

/**
 * The same with a set-uid file beside a group-writable /etc/passwd, and what the final file system
 * no longer has: a set-uid file a later layer removed, a set-gid bit a later layer cleared. Its shell
 * is removed at the end, so its writable lines cannot be determined (warnings, not fails).
 */
const CRAFTED = [
  `FROM ${DEBIAN}`,
  'RUN cp /bin/true /usr/local/bin/tjs2i-gone && chmod u+s /usr/local/bin/tjs2i-gone \\',
  ' && cp /bin/true /usr/local/bin/tjs2i-cleared && chmod g+s /usr/local/bin/tjs2i-cleared',
  'RUN rm /usr/local/bin/tjs2i-gone && chmod g-s /usr/local/bin/tjs2i-cleared \\',
  ' && mkdir -p /home/app && chgrp 0 /home/app && chmod 2775 /home/app \\',
  ' && chmod g+w /etc/passwd \\',
  ' && cp /bin/true /usr/local/bin/tjs2i-setuid && chmod u+s /usr/local/bin/tjs2i-setuid',
  'RUN ["/bin/rm", "/usr/bin/sh", "/usr/bin/dash"]',
  'ENV HOME=/home/app',
  'USER 1000',
  'CMD ["sleep", "infinity"]',
].join('\n');

/** The --json report; undefined when the run printed none (the test then shows its stderr). */
function parseReport(stdout: string): JsonReport | undefined {
  try {
    return JSON.parse(stdout) as JsonReport;
  } catch {
    return undefined;
  }
}

const statusOf = (report: JsonReport | undefined) => Object.fromEntries((report?.checks ?? []).map((c) => [c.id, c.status]));
const lineOf = (report: JsonReport | undefined, id: string) => report?.checks.find((c) => c.id === id);

describe('tjs2i check (real engine)', function () {
  this.timeout(900_000);
  const made: string[] = [];
  const checked = new Map<string, Checked>();
  const plain = uniqueName('check-plain');
  const crafted = uniqueName('check-setid');
  const builders = new Map<Family['name'], string>();
  const courses = new Map<Family['name'], string>();

  before(async function () {
    this.timeout(1_800_000);
    made.push(plain, crafted);
    await Promise.all([buildFrom(plain, PLAIN), buildFrom(crafted, CRAFTED)]);
    for (const family of FAMILIES) {
      const builder = await familyBuilder(family);
      const course = uniqueName(`check-course-${family.name}`);
      made.push(course);
      const built = await tjs2i(['build', join(ROOT, 'examples', 'course'), builder, course]);
      if (built.code !== 0) throw new Error(`tjs2i build failed (${built.code}):\n${built.stderr}`);
      builders.set(family.name, builder);
      courses.set(family.name, course);
    }
    const images = [...FAMILIES.flatMap((f) => [f.standIn, builders.get(f.name)!, courses.get(f.name)!]), plain, crafted];
    await pMap(
      images,
      async (image) => {
        const started = Date.now();
        // The plain image's report is read as the table; the others as JSON.
        const run = await tjs2iTracked(['check', image, ...(image === plain ? [] : ['--json'])]);
        const report = image === plain ? undefined : parseReport(run.stdout);
        checked.set(image, { run, ...(report ? { report } : {}), seconds: (Date.now() - started) / 1000 });
      },
      { concurrency: 2 },
    );
    // For the report of the test run: how long each check took.
    for (const [image, { seconds, report }] of checked)
      console.log(`      tjs2i check ${image}: ${seconds.toFixed(1)} s${report ? ` (${report.seconds.toFixed(1)} s inside)` : ''}`);
  });

  after(async () => {
    if (made.length) await exec('docker', ['rmi', '-f', ...made]);
  });

  it('starts every container as an arbitrary UID with group 0, never as root or as the image USER, and leaves none behind', async () => {
    for (const [image, { run }] of checked) {
      expect(run.created.length, image).to.equal(3);
      expect(
        run.created.every((name) => name.startsWith('tjs2i-check-')),
        image,
      ).to.equal(true);
      expect(run.users.length, image).to.be.at.least(3);
      for (const user of run.users) {
        const [uid, gid] = user.split(':').map(Number);
        expect(gid, `${image}: ${user}`).to.equal(0);
        expect(uid, `${image}: ${user}`).to.be.within(ARBITRARY_UID_RANGE.min, ARBITRARY_UID_RANGE.max);
      }
      expect(await run.leftoverContainers(), image).to.deep.equal([]);
    }
  });

  for (const family of FAMILIES) {
    describe(`on the ${family.name} stand-ins`, () => {
      it('fails the stand-in with exit 1, as the builder exists for', () => {
        const { run, report } = checked.get(family.standIn)!;
        expect(run.code, run.stderr).to.equal(1);
        expect(report?.ok).to.equal(false);
        expect(report?.jupyter).to.match(/\/jupyter$/);
        const status = statusOf(report);
        expect(status['stays-up']).to.equal('fail');
        expect(status.jupyter).to.equal('fail');
        expect(status.home).to.equal('fail');
        expect(status['writable-trees']).to.equal('fail');
        expect(lineOf(report, 'stays-up')?.found).to.match(family.problem);
        if (family.name === '2016') {
          // A named USER, no HOME: the UID, without a passwd entry, gets HOME=/.
          expect(lineOf(report, 'user')).to.deep.include({
            status: 'fail',
            found: 'USER jovyan is a name (uid 1000 in /etc/passwd): the platform cannot tell it is not root',
          });
          expect(lineOf(report, 'user')?.advice).to.equal('declare a numeric non-root USER (`USER 1000`), or run `tjs2i builder` on it');
          expect(lineOf(report, 'home')?.found).to.equal('HOME=/ is not writable (the image sets no HOME, and the UID has no passwd entry)');
          expect(status.healthcheck).to.equal('warn');
        } else {
          // USER 1000 and HOME are there; group 0 cannot write the group-100 home.
          expect(status.user).to.equal('pass');
          expect(lineOf(report, 'home')?.found).to.equal('HOME=/home/jovyan is not writable');
          expect(status.healthcheck).to.equal('pass');
          // Upstream's group-writable /etc/passwd, with the distribution's set-uid programs left in place.
          expect(lineOf(report, 'set-id')?.found).to.match(/set-id files .* while \/etc\/passwd is writable by group 0/);
        }
        expect(status.s2i).to.equal('skip');
      });

      for (const what of ['builder', 'course image'] as const) {
        it(`passes the tjs2i ${what}: exit 0, nothing fails, Jupyter answers`, () => {
          const image = what === 'builder' ? builders.get(family.name)! : courses.get(family.name)!;
          const { run, report } = checked.get(image)!;
          expect(run.code, run.stdout + run.stderr).to.equal(0);
          expect(report?.ok).to.equal(true);
          expect(report?.fails).to.equal(0);
          const status = statusOf(report);
          for (const id of ['user', 'stays-up', 'jupyter', 'home', 'writable-trees', 'set-id', 'port'])
            expect(status[id], `${id}: ${lineOf(report, id)?.found}`).to.equal('pass');
          expect(lineOf(report, 'writable-trees')?.found).to.contain('/home/jovyan/.local/share/jupyter/runtime (Jupyter runtime)');
          expect(lineOf(report, 'set-id')?.found).to.match(/^no set-id file; \/etc\/passwd is writable by group 0/);
          expect(status.s2i).to.equal(what === 'builder' ? 'pass' : 'skip');
          expect(report?.builder).to.equal(what === 'builder');
        });
      }
    });
  }

  it('fails the crafted image on the set-id line alone, naming its set-uid file; what later layers removed or cleared is not there', () => {
    const { run, report } = checked.get(crafted)!;
    expect(run.code, run.stderr).to.equal(1);
    expect(report?.fails).to.equal(1);
    const setId = lineOf(report, 'set-id');
    expect(setId?.status).to.equal('fail');
    expect(setId?.found).to.match(
      /^\d+ set-id files \(.*\) while \/etc\/passwd is writable by group 0 \(0664, owner 0:0\): any UID in group 0 can make itself root$/,
    );
    expect(setId?.advice).to.contain('chmod ug-s');
    expect(setId?.paths).to.include('/usr/local/bin/tjs2i-setuid');
    expect(setId?.paths).not.to.include('/usr/local/bin/tjs2i-gone');
    expect(setId?.paths).not.to.include('/usr/local/bin/tjs2i-cleared');
    // The distribution's own set-uid programs are there too (su, passwd, mount, ...).
    expect(setId?.paths).to.include('/usr/bin/su');
    // Without a shell, where it may write cannot be tried: not determined, a warning.
    expect(lineOf(report, 'home')).to.deep.include({ status: 'warn', found: 'not determined: the image has no /bin/sh to look with' });
    expect(statusOf(report)).to.deep.include({ user: 'pass', 'stays-up': 'pass', jupyter: 'skip', 'writable-trees': 'warn' });
  });

  it('judges an image that is not a Jupyter image on what applies (table): it would run, with warnings', () => {
    const { run } = checked.get(plain)!;
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const rows = run.stdout.split('\n');
    expect(rows[0]).to.match(new RegExp(`^${plain} \\([0-9a-f]{12}\\), started as uid \\d+, group 0$`));
    expect(rows[2]).to.match(/^RESULT +CHECK +FOUND$/);
    const statuses = rows.filter((r) => /^(pass|warn|fail|skip) /.test(r)).map((r) => r.split(/ {2,}/).slice(0, 2));
    expect(statuses).to.deep.equal([
      ['pass', 'USER'],
      ['pass', 'stays up'],
      ['skip', 'Jupyter answers'],
      ['pass', 'HOME writable'],
      ['skip', 'user trees writable'],
      ['pass', 'set-id vs /etc/passwd'],
      ['warn', 'exposed port'],
      ['warn', 'health check'],
      ['skip', 'S2I builder'],
    ]);
    expect(run.stdout).to.match(/stays up +running after 2\d\.\d s as uid \d+, group 0\n/);
    expect(run.stdout).to.match(/set-id files .*; \/etc\/passwd is not writable by group 0 \(0644, owner 0:0\)\n/);
    expect(run.stdout).to.match(/\n +advice: declare the port it serves/);
    expect(rows.at(-2)).to.equal('would run (OpenShift restricted-v2 and Kubernetes restricted, any UID with group 0): 2 warnings');
  });

  it('exits 4 for an image that is not there, 2 for a missing argument, and makes no container', async () => {
    const missing = await tjs2iTracked(['check', 'tjs2i-test-no-such-image:nope', '--pull-policy', 'never']);
    expect(missing.code).to.equal(4);
    expect(missing.stderr).to.match(/^error: image tjs2i-test-no-such-image:nope not found locally/m);
    expect(missing.created).to.deep.equal([]);
    const usage = await tjs2i(['check']);
    expect(usage.code).to.equal(2);
  });
});

/**
 * On Podman, the archive API says every file belongs to the asking container's user: the owners come
 * from stat in a throwaway container (owner-probe.ts), under the same arbitrary UID. The Docker pass
 * checks this builder in the suite above.
 */
if (ON_PODMAN) {
  describe('tjs2i check on Podman', function () {
    this.timeout(600_000);

    it(onPodman("passes the tjs2i builder, with /etc/passwd's true owner; every container an arbitrary UID with group 0, none left"), async () => {
      const builder = await familyBuilder(FAMILIES[0]!);
      const run = await tjs2iTracked(['check', builder, '--json']);
      const report = parseReport(run.stdout);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const status = statusOf(report);
      for (const id of ['user', 'stays-up', 'jupyter', 'home', 'writable-trees', 'set-id', 'port', 's2i'])
        expect(status[id], `${id}: ${lineOf(report, id)?.found}`).to.equal('pass');
      // Podman's archive would say the check container's UID and group 0.
      expect(lineOf(report, 'set-id')?.found).to.match(/^no set-id file; \/etc\/passwd is writable by group 0 \(0664, owner 0:0\)$/);
      expect(run.created.filter((name) => name.startsWith('tjs2i-owners-'))).to.not.deep.equal([]);
      expect(run.created.every((name) => name.startsWith('tjs2i-check-') || name.startsWith('tjs2i-owners-'))).to.equal(true);
      for (const user of run.users) {
        const [uid, gid] = user.split(':').map(Number);
        expect(gid, user).to.equal(0);
        expect(uid, user).to.be.within(ARBITRARY_UID_RANGE.min, ARBITRARY_UID_RANGE.max);
      }
      expect(await run.leftoverContainers()).to.deep.equal([]);
    });
  });
}

/** Builds a test image from a Dockerfile given on stdin (no context needed). */
async function buildFrom(tag: string, dockerfile: string): Promise<void> {
  const [key, value] = TEST_LABEL.split('=') as [string, string];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('docker', ['build', '-q', '-t', tag, '--label', `${key}=${value}`, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker build ${tag} failed (${code}): ${stderr}`))));
    child.stdin.end(dockerfile);
  });
}
