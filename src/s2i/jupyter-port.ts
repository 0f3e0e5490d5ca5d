/** The port the `run` script starts Jupyter on inside the container (the upstream stacks' port too). */
export const JUPYTER_PORT = 8888;
