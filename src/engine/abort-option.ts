/** dockerode 5 accepts `abortSignal` in every call's options; its published types predate that. */
export function withSignal(signal: AbortSignal | undefined): object {
  return signal ? { abortSignal: signal } : {};
}
