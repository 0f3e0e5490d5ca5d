/**
 * Course repositories for the tests of the S2I scripts, written into temporary directories: plain
 * files, executable scripts (postBuild, start) and a tiny pure-Python wheel, so that pip can install
 * a package offline from a file the course ships (there is no PyPI here).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** A file's content, or content and mode (e.g. 0o755 for a script). */
export type TreeEntry = string | Buffer | { content: string | Buffer; mode: number };

export async function writeTree(root: string, files: Record<string, TreeEntry>): Promise<void> {
  for (const [path, entry] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    const { content, mode } = typeof entry === 'string' || Buffer.isBuffer(entry) ? { content: entry, mode: 0o644 } : entry;
    await writeFile(target, content);
    await chmod(target, mode);
  }
}

export const script = (text: string): TreeEntry => ({ content: text, mode: 0o755 });

export const notebook = (title: string) =>
  JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: `# ${title}`, id: 'c0' }], metadata: {}, nbformat: 4, nbformat_minor: 5 });

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A zip archive with stored (uncompressed) entries: all a wheel needs. */
export function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const data = Buffer.from(text, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: Unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(0, 30); // extra, comment lengths
    central.writeUInt32LE(0, 34); // disk, internal attributes
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular 0644 file
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

/** A pure-Python wheel holding one package, `<name>/__init__.py` with the given source. */
export function pureWheel(name: string, version: string, init: string): { filename: string; data: Buffer } {
  const info = `${name}-${version}.dist-info`;
  const files: Record<string, string> = {
    [`${name}/__init__.py`]: init,
    [`${info}/METADATA`]: `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`,
    [`${info}/WHEEL`]: 'Wheel-Version: 1.0\nGenerator: tjs2i-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
  };
  const hash = (text: string) => `sha256=${createHash('sha256').update(text).digest('base64url')}`;
  files[`${info}/RECORD`] =
    Object.entries(files)
      .map(([path, text]) => `${path},${hash(text)},${Buffer.byteLength(text)}\n`)
      .join('') + `${info}/RECORD,,\n`;
  return { filename: `${name}-${version}-py3-none-any.whl`, data: zip(files) };
}
