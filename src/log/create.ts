// Builds a process's logging and metrics from the settings: the error log
// (with syslog and statsd's log counters beside it) and the access sinks.
// Called once by the master and once by each worker; nothing here is global.

import type { Config } from '../config/settings.js';
import { Statsd } from '../metrics/statsd.js';
import { AccessLog, compileAccessFormat, type AccessSink } from './access-log.js';
import { JsonAccessLog } from './json-access-log.js';
import { LogSink, Logger, type LogObserver } from './logger.js';
import { SyslogClient } from './syslog.js';

export interface Logging {
  readonly logger: Logger;
  readonly access: readonly AccessSink[];
  readonly statsd: Statsd | null;
  /** USR1: reopens every log file; one that cannot be reopened is reported and its old descriptor kept. */
  reopen(): void;
}

/** The line for a log file that could not be reopened. */
function reopenFailure(what: string, target: string, err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return `Could not reopen the ${what} ${target}: ${code ?? err.message}; still writing to the file opened before (was its directory removed or replaced?). Fix the path and send USR1 again.`;
}

export function createLogging(config: Config, name: string): Logging {
  const observers: LogObserver[] = [];
  const access: AccessSink[] = [];
  const statsd = config.statsdHost ? new Statsd(config.statsdHost, config.statsdPrefix, config.dogstatsdTags) : null;
  if (statsd) {
    observers.push((level, _message, isException) => {
      if (level === 'critical' || level === 'error' || level === 'warning') statsd.increment(`log.${level}`);
      if (isException) statsd.increment('log.exception');
    });
    access.push({
      write: (r) => {
        statsd.timing('request.duration', Number(r.durationNs) / 1e6);
        statsd.increment('requests');
        statsd.increment(`request.status.${r.status}`);
      },
    });
  }
  if (config.syslog) {
    const syslog = new SyslogClient(config.syslogAddr, config.syslogFacility);
    const prefix = config.syslogPrefix ?? name;
    observers.push((level, message) => syslog.send(level, `narwhal.error.${prefix}`, `[${process.pid}] [${level.toUpperCase()}] ${message}`));
    const format = compileAccessFormat(config.accessLogFormat);
    access.push({ write: (r) => syslog.send('info', `narwhal.access.${prefix}`, format(r)) });
  }
  if (config.accesslog) {
    const sink = new LogSink(config.accesslog, 1);
    access.push(config.accessLogJson ? new JsonAccessLog(sink) : new AccessLog(sink, config.accessLogFormat));
  }
  const logger = new Logger(new LogSink(config.errorlog, 2), config.loglevel, observers);
  return {
    logger,
    access,
    statsd,
    reopen: () => {
      const failed = logger.reopen();
      // The old file may be unreachable (deleted with its directory): stderr says it too.
      if (failed) logger.logWithStderr('error', reopenFailure('error log', logger.sink.target, failed));
      for (const a of access) {
        const err = a.reopen?.();
        if (err) logger.error(reopenFailure('access log', a.target ?? '?', err));
      }
    },
  };
}
