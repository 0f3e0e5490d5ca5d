/**
 * Synthetic course repositories for the benchmark, each a git repository (one commit) in a fresh
 * temporary directory: a ~10 MB course, a ~40 MB course of 2,000 notebooks in nested directories,
 * a ~2 GB one (one 2 GiB sparse file + 10,000 small files), and the growth cases' courses of a given
 * size and number of files.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { check } from './processes.js';
import { track } from './resources.js';

export interface Course {
  dir: string;
  /** Bytes of the files of the work tree (.git not included). */
  bytes: number;
  files: number;
}

/** A notebook (nbformat 4) of about `size` bytes: markdown, code, and a PNG-like output in base64. */
export function notebook(title: string, size: number): string {
  const payload = randomBytes(Math.max(0, Math.floor((size - 600) * 0.75))).toString('base64');
  return JSON.stringify(
    {
      cells: [
        { cell_type: 'markdown', metadata: {}, source: [`# ${title}\n`, '\n', 'Run the cells below in order.\n'] },
        {
          cell_type: 'code',
          execution_count: 1,
          metadata: {},
          source: ['import math\n', 'print(math.pi)\n'],
          outputs: [{ output_type: 'display_data', metadata: {}, data: { 'image/png': payload, 'text/plain': ['<Figure>'] } }],
        },
      ],
      metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

/** CSV rows of random numbers, about `size` bytes. */
function csv(size: number): string {
  const lines = ['id,x,y,label'];
  let length = lines[0]!.length + 1;
  for (let id = 0; length < size; id++) {
    const line = `${id},${Math.random().toFixed(6)},${(Math.random() * 1000).toFixed(3)},${randomBytes(4).toString('hex')}`;
    lines.push(line);
    length += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

class CourseWriter {
  bytes = 0;
  files = 0;
  constructor(readonly dir: string) {}

  async write(path: string, content: string | Buffer): Promise<void> {
    const target = join(this.dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    this.bytes += Buffer.byteLength(content);
    this.files++;
  }

  async sparse(path: string, size: number): Promise<void> {
    const target = join(this.dir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, '');
    await truncate(target, size);
    this.bytes += size;
    this.files++;
  }

  /** `stored`: objects kept uncompressed (random data does not compress; zlib would only slow the commit of 1 GB). */
  async commit(stored = false): Promise<Course> {
    const compression = stored ? ['-c', 'core.compression=0'] : [];
    const git = (...args: string[]) => check('git', ['-C', this.dir, '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', ...compression, ...args]);
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'synthetic course');
    return { dir: this.dir, bytes: this.bytes, files: this.files };
  }
}

/** A fresh temporary directory, removed with everything else the benchmark made. */
async function writer(name: string): Promise<CourseWriter> {
  const dir = await mkdtemp(join(tmpdir(), `tjs2i-bench-${name}-`));
  track.dir(dir);
  return new CourseWriter(dir);
}

/** About 10 MB: six notebooks, a few CSV files and images under data/, a README. */
export async function smallCourse(): Promise<Course> {
  const course = await writer('course-10mb');
  await course.write('README.md', '# A synthetic course\n\nOpen `lessons/01-intro.ipynb` first.\n');
  for (let i = 1; i <= 6; i++) await course.write(`lessons/0${i}-lesson.ipynb`, notebook(`Lesson ${i}`, 250_000));
  for (let i = 1; i <= 3; i++) await course.write(`data/measurements-${i}.csv`, csv(2_500_000));
  for (let i = 1; i <= 4; i++) await course.write(`data/images/figure-${i}.png`, randomBytes(200_000));
  return course.commit();
}

/** About 40 MB: 2,000 notebooks of 20 kB in 20 units × 10 weeks. */
export async function manyNotebooks(): Promise<Course> {
  const course = await writer('notebooks-40mb');
  await course.write('README.md', '# Many notebooks\n');
  for (let unit = 1; unit <= 20; unit++) {
    for (let week = 1; week <= 10; week++) {
      const writes: Promise<void>[] = [];
      for (let n = 1; n <= 10; n++) {
        writes.push(course.write(`unit-${unit}/week-${week}/exercise-${n}.ipynb`, notebook(`Unit ${unit}, week ${week}, exercise ${n}`, 20_000)));
      }
      await Promise.all(writes);
    }
  }
  return course.commit();
}

export const LARGE_FILE_BYTES = 2 * 1024 ** 3;

/** About 2 GB: one 2 GiB sparse file (zeros) and 10,000 files of 1 kB in 100 directories. */
export async function largeCourse(): Promise<Course> {
  const course = await writer('synthetic-2gb');
  await course.sparse('data/big.bin', LARGE_FILE_BYTES);
  for (let d = 0; d < 100; d++) {
    const writes: Promise<void>[] = [];
    for (let f = 0; f < 100; f++) writes.push(course.write(`small/d${d}/f${f}.txt`, `${randomBytes(512).toString('hex')}\n`));
    await Promise.all(writes);
  }
  return course.commit();
}

/**
 * `bytes` of random data in `files` files of equal size, 100 to a directory: the growth cases vary one
 * of the two and keep the other.
 */
export async function uniformCourse(bytes: number, files: number): Promise<Course> {
  const course = await writer(`growth-${Math.round(bytes / 1e6)}mb-${files}files`);
  const size = Math.max(1, Math.floor(bytes / files));
  // At most about 64 MB in memory at once.
  const batch = Math.max(1, Math.min(100, Math.floor(64e6 / size)));
  for (let start = 0; start < files; start += batch) {
    const writes: Promise<void>[] = [];
    for (let f = start; f < Math.min(files, start + batch); f++) writes.push(course.write(`data/d${Math.floor(f / 100)}/file-${f}.bin`, randomBytes(size)));
    await Promise.all(writes);
  }
  return course.commit(true);
}
