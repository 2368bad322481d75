// The argument that marks a worker process as the dev standby (standby.ts),
// apart from the standby code itself so that a worker not started as one
// loads none of it. Read by worker/main.ts; runs in the master and workers.

export const STANDBY_ARG = '--narwhal-standby';
/** The standby's `typescript` setting, known before its boot message: `--narwhal-typescript=MODE`. */
export const STANDBY_TS_ARG = '--narwhal-typescript=';
