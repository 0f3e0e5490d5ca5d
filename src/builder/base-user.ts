/**
 * The base image's notebook user, found without running anything: a container of the base is
 * created (never started) on first use, and its /etc/passwd read through the engine.
 */
import type { Engine } from '../engine/engine.js';
import type { ImageInfo } from '../engine/image-client.js';
import { INSPECT_CONTAINER_PREFIX, uniqueName } from '../engine/unique-name.js';
import { UserNotAllowedError } from '../common/errors.js';
import { parseNumericUser } from '../s2i/builder-image.js';
import { lookupUser, parsePasswd } from './passwd.js';
import { envOf } from './stacks.js';

export type InspectionContainer = ReturnType<typeof inspectionContainer>;

/** A container created from the base image on first use (never started), removed by `remove`. */
export function inspectionContainer(engine: Pick<Engine, 'containers'>, image: string, signal?: AbortSignal) {
  const name = uniqueName(INSPECT_CONTAINER_PREFIX);
  let created: Promise<string> | undefined;
  return {
    id: () => (created ??= engine.containers.createContainer({ image, name, user: '0', entrypoint: ['/bin/true'], cmd: [] }, signal)),
    async remove() {
      if (!created) return;
      // Removed by name if the create request was interrupted.
      const id = await created.catch(() => name);
      await engine.containers.removeContainer(id);
    },
  };
}

/** The notebook user's uid and home: from USER when numeric, else from the image's /etc/passwd. */
export async function resolveUser(
  inspector: InspectionContainer,
  engine: Pick<Engine, 'archives'>,
  from: string,
  base: ImageInfo,
  signal?: AbortSignal,
): Promise<{ uid: number; home: string }> {
  const declared = base.user.trim();
  const defaultHome = `/home/${envOf(base.env, 'NB_USER') ?? 'jovyan'}`;
  const numeric = parseNumericUser(declared);
  // An empty USER means root.
  let uid = declared ? numeric?.uid : 0;
  let home = defaultHome;
  if (declared) {
    const passwd = await engine.archives.readFile(await inspector.id(), '/etc/passwd', signal);
    const entry = passwd ? lookupUser(parsePasswd(passwd.toString('utf8')), declared) : undefined;
    if (entry) {
      uid = entry.uid;
      if (entry.home && entry.home !== '/') home = entry.home;
    }
  }
  if (uid === undefined) {
    throw new UserNotAllowedError(
      `base image ${from} has USER ${declared}, which its /etc/passwd does not define`,
      'give a base image whose notebook user exists',
    );
  }
  if (uid === 0) {
    throw new UserNotAllowedError(
      `base image ${from} runs as root (USER ${declared || 'empty'})`,
      'give a Jupyter stack image, whose notebook user is not root',
    );
  }
  return { uid, home };
}
