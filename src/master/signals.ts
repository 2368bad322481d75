// The signals the master answers, as Gunicorn's arbiter does. Handlers only
// enqueue; the arbiter's loop does the work. Master only.

export const MASTER_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;
export type MasterSignal = (typeof MASTER_SIGNALS)[number];

/** Installs one handler per signal; returns the function that removes them. */
export function onSignals(enqueue: (signal: MasterSignal) => void): () => void {
  const handlers = MASTER_SIGNALS.map((sig) => {
    const handler = () => enqueue(sig);
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}

/**
 * While the master finishes (after its workers are gone, during on_exit), a
 * repeated TERM or HUP must not kill it by the signal's default action and turn
 * a clean exit into a signal death; INT and QUIT keep their default, so a second
 * Ctrl-C still stops it at once.
 */
export function ignoreWhileExiting(): void {
  for (const sig of MASTER_SIGNALS) if (sig !== 'SIGINT' && sig !== 'SIGQUIT') process.on(sig, () => {});
}
