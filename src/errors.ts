// One error base for everything Narwhal raises on purpose, and the exit codes
// the master and the CLI end with. Shared by every process; holds no state.

/** Exit codes, Gunicorn's where Gunicorn has one (3 and 4). */
export const EXIT_CODES = {
  OK: 0,
  /** An unexpected failure inside Narwhal itself. */
  ERROR: 1,
  /** A bad flag, config key or value: nothing was started. */
  USAGE: 2,
  /** A worker could not boot on a fresh start (Gunicorn's WORKER_BOOT_ERROR). */
  WORKER_BOOT: 3,
  /** The app could not be imported or is not an app (Gunicorn's APP_LOAD_ERROR). */
  APP_LOAD: 4,
  /** A listening address could not be bound (in use, no permission, bad path). */
  BIND: 5,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG'
  | 'APP_LOAD'
  | 'WORKER_BOOT'
  | 'BIND'
  | 'PIDFILE';

const EXIT_FOR: Record<ErrorCode, ExitCode> = {
  USAGE: EXIT_CODES.USAGE,
  CONFIG: EXIT_CODES.USAGE,
  APP_LOAD: EXIT_CODES.APP_LOAD,
  WORKER_BOOT: EXIT_CODES.WORKER_BOOT,
  BIND: EXIT_CODES.BIND,
  PIDFILE: EXIT_CODES.ERROR,
};

/**
 * A user-facing failure: its message is one line that says what is wrong and
 * how to fix it. `detail` carries extra text worth printing (an app's own stack).
 */
export class NarwhalError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly detail: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; detail?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NarwhalError';
    this.code = code;
    this.exitCode = EXIT_FOR[code];
    this.detail = options.detail;
  }
}

export function isNarwhalError(e: unknown): e is NarwhalError {
  return e instanceof NarwhalError;
}

/** The stack of an error thrown by user code, or its string form when it has none. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}
