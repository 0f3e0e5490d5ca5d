/**
 * The commit a build of a work tree would clone, read without cloning: its HEAD commit and the name
 * the clone's checkout gets (the branch, or the commit id when HEAD is detached). A build clones the
 * work tree's HEAD, so uncommitted changes never count. Used to find an up-to-date image before any
 * clone (build/early-up-to-date.ts).
 */
import { gitRunner } from './prepare-source.js';

export interface WorkTreeHead {
  id: string;
  /** What the clone's commit.ref label says: the branch, or the id for a detached HEAD. */
  ref: string;
}

/** The work tree's HEAD, or undefined when git cannot read it (the build then clones and reports any error). */
export async function readWorkTreeHead(dir: string, signal?: AbortSignal): Promise<WorkTreeHead | undefined> {
  try {
    const out = await (await gitRunner(signal, process.env))(dir).raw(['rev-parse', 'HEAD^{commit}', '--abbrev-ref', 'HEAD']);
    const [id = '', branch = ''] = out.trim().split('\n');
    if (!/^[0-9a-f]{40,64}$/.test(id) || !branch) return undefined;
    return { id, ref: branch === 'HEAD' ? id : branch };
  } catch {
    return undefined;
  }
}
