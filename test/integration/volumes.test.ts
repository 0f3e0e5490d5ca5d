/**
 * Persistent work: a volume mounted on /home/jovyan/work hides the course files baked into the
 * image; `run` seeds it from the image's pristine copy (hard links kept by `assemble`), atomically
 * and without overwriting, and what it writes stays usable by the next start under another UID.
 *
 * The volumes are empty named Docker volumes mounted `volume-nocopy`, so the engine does not copy
 * the image's files into them (a PVC would not either). A fresh one is root:root 755; before the
 * UID runs, the tests prepare it as a platform does with an fsGroup-0 PVC: group 0, g+rwxs, with a
 * `docker run --user 0:0` on the volume.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { docker, exec, randomUid, tempDir, tjs2i, uniqueName } from '../support/integration/helpers.js';
import { familyBuilder, forEachFamily } from '../support/integration/families.js';
import { notebook, writeTree } from '../support/integration/course-fixtures.js';
import { emptyNotebook, JupyterClient, runJupyter, tokenOf, waitForJupyter, type RunningJupyter } from '../support/integration/jupyter.js';
import { onPodman, ON_PODMAN } from '../support/integration/engines.js';

/** 2 MB that does not compress: a second copy in the layer would show in `docker history`. */
const DATA = randomBytes(2_000_000);
const COURSE = {
  '01-intro.ipynb': notebook('Introduction'),
  '02-data.ipynb': notebook('Data'),
  'data/measurements.bin': DATA,
  'lessons/03-exercises.ipynb': notebook('Exercises'),
};
const COURSE_BYTES = Object.values(COURSE).reduce((n, c) => n + Buffer.byteLength(c), 0);
const COURSE_ENTRIES = ['01-intro.ipynb', '02-data.ipynb', 'data', 'lessons'];
const WORK = '/home/jovyan/work';

describe('persistent work: a volume on work/ is seeded by run (real engine, real Jupyter)', function () {
  this.timeout(300_000);
  forEachFamily((family) => {
    let image: string;
    const volumes: string[] = [];

    // -v with nocopy (HostConfig.Binds): Podman's Docker API ignores --mount's volume-nocopy and would copy the image's work/ in.
    const mount = (volume: string) => `${volume}:${WORK}:nocopy`;

    async function newVolume(): Promise<string> {
      const name = uniqueName('work');
      volumes.push(name);
      await docker('volume', 'create', '--label', 'io.tjs2i.test=1', name);
      return name;
    }

    /** A shell as root on the volume, as a platform would prepare it (or as a test looks at it). */
    const asRoot = (volume: string, script: string) =>
      docker('run', '--rm', '--label', 'io.tjs2i.test=1', '--user', '0:0', '-v', mount(volume), '--entrypoint', 'bash', image, '-c', script);

    /** Group 0 and g+rwxs, like an fsGroup-0 PVC. */
    const prepare = (volume: string, extra = '') => asRoot(volume, `chgrp 0 ${WORK} && chmod 2775 ${WORK}${extra ? ` && ${extra}` : ''}`);

    async function start(volume: string, uid: number): Promise<{ jupyter: RunningJupyter; client: JupyterClient; logs: string }> {
      const jupyter = await runJupyter(image, { user: `${uid}:0`, volumes: [mount(volume)] });
      try {
        await waitForJupyter(jupyter);
        return { jupyter, client: new JupyterClient(jupyter.base, await tokenOf(jupyter)), logs: await jupyter.logs() };
      } catch (error) {
        await jupyter.stop();
        throw error;
      }
    }

    const contents = async (client: JupyterClient, path: string) => {
      const res = await client.request('GET', `/api/contents/work/${path}?content=1`);
      expect(res.status, path).to.equal(200);
      return (await res.json()) as { content: unknown };
    };

    before(async () => {
      const builder = await familyBuilder(family);
      const dir = await tempDir('volcourse');
      try {
        await writeTree(dir.path, COURSE);
        image = uniqueName('volcourse');
        const result = await tjs2i(['build', dir.path, builder, image, '--copy']);
        expect(result.code, result.stderr).to.equal(0);
      } finally {
        await dir.remove();
      }
    });

    after(async () => {
      await docker('rmi', '-f', image).catch(() => undefined);
      for (const volume of volumes) await exec('docker', ['volume', 'rm', '-f', volume]);
    });

    it("keeps the pristine copy as hard links: the layer does not double, and the image's work/ is marked", async () => {
      const sizes = (await docker('history', '--no-trunc', '--human=false', '--format', '{{.Size}}', image)).split('\n').map(Number);
      const top = sizes[0] ?? 0;
      expect(top).to.be.at.least(COURSE_BYTES);
      expect(top).to.be.below(COURSE_BYTES * 1.05 + 64 * 1024);
      const out = await docker(
        'run',
        '--rm',
        '--label',
        'io.tjs2i.test=1',
        '--entrypoint',
        'bash',
        image,
        '-c',
        `cd /home/jovyan && stat -c '%i %h %g %A' work/data/measurements.bin .tjs2i/course/data/measurements.bin; ` +
          `(cd .tjs2i/course && find . | sort | tr '\\n' ' '); echo; test -f work/.tjs2i-seeded && echo marked`,
      );
      const [work, pristine, tree, marked] = out.split('\n');
      expect(work?.split(' ')[0]).to.equal(pristine?.split(' ')[0]);
      expect(work).to.match(/^\d+ 2 0 -rw-rw-r--$/);
      expect(tree?.trim()).to.equal('. ./01-intro.ipynb ./02-data.ipynb ./data ./data/measurements.bin ./lessons ./lessons/03-exercises.ipynb');
      expect(marked).to.equal('marked');
    });

    it("without a volume, run copies nothing, and a student's edit leaves the pristine copy intact", async () => {
      const jupyter = await runJupyter(image, { user: `${randomUid()}:0` });
      try {
        await waitForJupyter(jupyter);
        expect(await jupyter.logs()).to.contain(`run: ${WORK} holds the course files already (.tjs2i-seeded); nothing copied`);
        const client = new JupyterClient(jupyter.base, await tokenOf(jupyter));
        const edited = await client.request('PUT', '/api/contents/work/01-intro.ipynb', emptyNotebook);
        expect(edited.status).to.equal(200);
        const check = await jupyter.exec(
          `grep -c 'saved by a student' ${WORK}/01-intro.ipynb; grep -c 'Introduction' /home/jovyan/.tjs2i/course/01-intro.ipynb; ` +
            `test "$(stat -c %i ${WORK}/01-intro.ipynb)" != "$(stat -c %i /home/jovyan/.tjs2i/course/01-intro.ipynb)" && echo unlinked`,
        );
        expect(check).to.equal('1\n1\nunlinked');
      } finally {
        await jupyter.stop();
      }
    });

    it('a fresh nocopy volume is root:root 755: run says it cannot copy, and Jupyter still starts', async () => {
      const volume = await newVolume();
      expect(await asRoot(volume, `stat -c '%U:%G %A' ${WORK}; ls -A ${WORK} | wc -l`)).to.equal('root:root drwxr-xr-x\n0');
      const { jupyter, client, logs } = await start(volume, randomUid());
      try {
        expect(logs).to.contain(`run: ${WORK} (root:root drwxr-xr-x) is not writable by uid`);
        expect(logs).to.contain('the course files were not copied into it');
        expect(await client.listWork()).to.deep.equal([]);
      } finally {
        await jupyter.stop();
      }
    });

    describe('an empty volume seeded under UID A, then used under UID B', () => {
      const uidA = randomUid();
      const uidB = randomUid();
      let volume: string;

      before(async () => {
        volume = await newVolume();
        await prepare(volume);
      });

      it(onPodman('A: the course files are copied in, group 0 and group-writable; A saves a notebook and edits a course file'), async () => {
        const { jupyter, client, logs } = await start(volume, uidA);
        try {
          expect(logs).to.contain(`run: seeded ${WORK} from the image: copied 4 (${COURSE_ENTRIES.join(' ')}), kept 0 existing (none)`);
          expect(await client.listWork()).to.deep.equal(COURSE_ENTRIES);
          expect((await client.request('PUT', '/api/contents/work/lessons/saved-by-a.ipynb', emptyNotebook)).status).to.equal(201);
          const edit = {
            ...emptyNotebook,
            content: { ...emptyNotebook.content, cells: [{ cell_type: 'markdown', metadata: {}, source: '# edited by A', id: 'e1' }] },
          };
          expect((await client.request('PUT', '/api/contents/work/01-intro.ipynb', edit)).status).to.equal(200);
          const modes = await jupyter.exec(
            `cd ${WORK} && stat -c '%n %u %g %A' . 02-data.ipynb data data/measurements.bin lessons/saved-by-a.ipynb .tjs2i-seeded; ` +
              'test ! -e .tjs2i-staging && echo no-staging; cmp data/measurements.bin /home/jovyan/.tjs2i/course/data/measurements.bin && echo same-data',
          );
          const [root, ...rest] = modes.split('\n');
          // A new volume is root's on Docker; Podman gives it the owner of the directory it is mounted on.
          expect(root).to.equal(ON_PODMAN ? '. 1000 0 drwxrwsr-x' : '. 0 0 drwxrwsr-x');
          expect(rest).to.deep.equal([
            `02-data.ipynb ${uidA} 0 -rw-rw-r--`,
            `data ${uidA} 0 drwxrwsr-x`,
            `data/measurements.bin ${uidA} 0 -rw-rw-r--`,
            `lessons/saved-by-a.ipynb ${uidA} 0 -rw-rw-r--`,
            `.tjs2i-seeded ${uidA} 0 -rw-rw-r--`,
            'no-staging',
            'same-data',
          ]);
        } finally {
          await jupyter.stop();
        }
      });

      it(onPodman("B: nothing is copied again or overwritten; B sees A's edit and notebook, and can write them"), async () => {
        const { jupyter, client, logs } = await start(volume, uidB);
        try {
          expect(logs).to.contain(`run: ${WORK} holds the course files already (.tjs2i-seeded); nothing copied`);
          expect(logs).to.not.contain('run: seeded');
          expect(await client.listWork()).to.deep.equal(COURSE_ENTRIES);
          expect(JSON.stringify((await contents(client, '01-intro.ipynb')).content))
            .to.contain('edited by A')
            .and.not.contain('Introduction');
          expect(JSON.stringify((await contents(client, 'lessons/saved-by-a.ipynb')).content)).to.contain('saved by a student');
          const rewrite = await client.request('PUT', '/api/contents/work/lessons/saved-by-a.ipynb', {
            ...emptyNotebook,
            content: { ...emptyNotebook.content, cells: [{ cell_type: 'markdown', metadata: {}, source: '# rewritten by B', id: 'b1' }] },
          });
          expect(rewrite.status).to.equal(200);
          expect((await client.request('PUT', '/api/contents/work/01-intro.ipynb', emptyNotebook)).status).to.equal(200);
          expect((await client.request('PUT', '/api/contents/work/saved-by-b.ipynb', emptyNotebook)).status).to.equal(201);
          expect(await jupyter.exec(`grep -c 'rewritten by B' ${WORK}/lessons/saved-by-a.ipynb; stat -c '%u %g %A' ${WORK}/saved-by-b.ipynb`)).to.equal(
            `1\n${uidB} 0 -rw-rw-r--`,
          );
        } finally {
          await jupyter.stop();
        }
      });
    });

    describe('atomicity and never overwriting', () => {
      it('a dangling symlink left at the staging path is removed too, and seeding completes', async () => {
        const volume = await newVolume();
        await prepare(volume, `ln -s /nowhere ${WORK}/.tjs2i-staging`);
        const result = await exec('docker', [
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--user',
          `${randomUid()}:0`,
          '-v',
          mount(volume),
          image,
          '/usr/libexec/s2i/run',
          '--version',
        ]);
        expect(result.code, result.stderr).to.equal(0);
        const output = result.stdout + result.stderr;
        expect(output).to.contain(`run: removing ${WORK}/.tjs2i-staging left by an interrupted start`);
        expect(output).to.contain(`run: seeded ${WORK} from the image: copied 4`);
        expect(output).not.to.contain('volume full');
      });

      it("a stale staging dir is removed and seeding completes; a student's file with a course file's name is kept", async () => {
        const volume = await newVolume();
        // As an interrupted start leaves it (a half-copied staging dir, no marker), plus a student's
        // own 01-intro.ipynb and lost+found, as on a fresh ext4 PVC.
        await prepare(
          volume,
          `mkdir -p ${WORK}/.tjs2i-staging/data ${WORK}/lost+found && head -c 1000 /dev/zero > ${WORK}/.tjs2i-staging/data/measurements.bin && ` +
            `chmod -R g+rwX ${WORK}/.tjs2i-staging && echo "my own notes" > ${WORK}/01-intro.ipynb && chmod 664 ${WORK}/01-intro.ipynb`,
        );
        const uid = randomUid();
        // The run script's checks happen before Jupyter: `--version` makes Jupyter print its version and exit.
        const result = await exec('docker', [
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--user',
          `${uid}:0`,
          '-v',
          mount(volume),
          image,
          '/usr/libexec/s2i/run',
          '--version',
        ]);
        expect(result.code, result.stderr).to.equal(0);
        const output = result.stdout + result.stderr;
        expect(output).to.contain(`run: removing ${WORK}/.tjs2i-staging left by an interrupted start`);
        expect(output).to.contain(`run: seeded ${WORK} from the image: copied 3 (02-data.ipynb data lessons), kept 1 existing (01-intro.ipynb)`);
        expect(result.stdout.trim().split('\n').pop()).to.match(/^\d+\.\d+\.\d+$/);
        const after = await asRoot(volume, `cd ${WORK} && ls -A | tr '\\n' ' '; echo; cat 01-intro.ipynb; stat -c %s data/measurements.bin; cat .tjs2i-seeded`);
        const [names, own, size, marker] = after.split('\n');
        expect(names?.trim()).to.equal('.tjs2i-seeded 01-intro.ipynb 02-data.ipynb data lessons lost+found');
        expect(own).to.equal('my own notes');
        expect(Number(size)).to.equal(DATA.length);
        expect(marker).to.match(new RegExp(`^course files copied by run \\(uid ${uid}\\) on `));

        // Started again: the marker says it is done, nothing is copied even where a name is free.
        await asRoot(volume, `rm -rf ${WORK}/lessons`);
        const again = await exec('docker', [
          'run',
          '--rm',
          '--label',
          'io.tjs2i.test=1',
          '--user',
          `${randomUid()}:0`,
          '-v',
          mount(volume),
          image,
          '/usr/libexec/s2i/run',
          '--version',
        ]);
        expect(again.stdout + again.stderr).to.contain('holds the course files already');
        expect(await asRoot(volume, `ls ${WORK} | tr '\\n' ' '`)).to.equal('01-intro.ipynb 02-data.ipynb data lost+found');
      });
    });
  });
});
