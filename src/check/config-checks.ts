/**
 * What the image's configuration declares for a platform to use, each a warning when missing (the
 * image still runs): the port it serves (`EXPOSE`, which templates and `oc new-app` read to make a
 * service), and a HEALTHCHECK (what a readiness or liveness probe would ask).
 */
import type { ImageInfo } from '../engine/image-client.js';
import { JUPYTER_PORT } from '../s2i/jupyter-port.js';
import { line, type CheckLine } from './check-report.js';

export function portLine(info: Pick<ImageInfo, 'exposedPorts'>, jupyter: boolean): CheckLine {
  const ports = [...info.exposedPorts].sort();
  const jupyterPort = `${JUPYTER_PORT}/tcp`;
  if (ports.length === 0) {
    return line(
      'port',
      'warn',
      'no EXPOSE',
      `declare the port it serves (\`EXPOSE ${jupyter ? JUPYTER_PORT : '<port>'}\`) so a template or \`oc new-app\` can make its service`,
    );
  }
  if (jupyter && !ports.includes(jupyterPort)) {
    return line('port', 'warn', `exposes ${ports.join(', ')}, not Jupyter's ${jupyterPort}`, `declare \`EXPOSE ${JUPYTER_PORT}\``);
  }
  return line('port', 'pass', `exposes ${ports.join(', ')}`);
}

/** The test of a HEALTHCHECK as one short line. */
function testText(test: readonly string[]): string {
  const [kind = '', ...args] = test;
  const text = kind === 'CMD-SHELL' ? (args[0] ?? '') : kind === 'CMD' ? args.join(' ') : test.join(' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function healthcheckLine(info: Pick<ImageInfo, 'healthcheck'>, jupyter: boolean): CheckLine {
  const test = info.healthcheck;
  const advice = jupyter
    ? 'add a HEALTHCHECK that asks Jupyter (e.g. its /api), or give the deployment a readiness probe on that path'
    : 'add a HEALTHCHECK, or give the deployment a readiness probe';
  if (!test || test.length === 0) return line('healthcheck', 'warn', 'no HEALTHCHECK', advice);
  if (test[0] === 'NONE') return line('healthcheck', 'warn', 'HEALTHCHECK NONE (switched off)', advice);
  return line('healthcheck', 'pass', `HEALTHCHECK ${testText(test)}`);
}
