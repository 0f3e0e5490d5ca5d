/** The Jupyter Docker Stacks tjs2i makes builders from. */
export interface Stack {
  name: string;
  /** The upstream image a builder is made from by default. */
  upstream: string;
  title: string;
  tags: string[];
}

const stack = (name: string, title: string, tags: string[]): Stack => ({
  name,
  upstream: `quay.io/jupyter/${name}`,
  title,
  tags: ['builder', 'jupyter', ...tags],
});

export const STACKS: readonly Stack[] = [
  stack('all-spark-notebook', 'Jupyter all-spark-notebook', ['python', 'r', 'scala', 'spark']),
  stack('datascience-notebook', 'Jupyter datascience-notebook', ['python', 'r', 'julia']),
  stack('minimal-notebook', 'Jupyter minimal-notebook', ['python']),
  stack('pyspark-notebook', 'Jupyter pyspark-notebook', ['python', 'spark']),
  stack('r-notebook', 'Jupyter r-notebook', ['r']),
  stack('scipy-notebook', 'Jupyter scipy-notebook', ['python', 'scipy']),
];

export function findStack(name: string): Stack | undefined {
  return STACKS.find((s) => s.name === name);
}
