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
  reopen(): void;
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
      logger.reopen();
      for (const a of access) a.reopen?.();
    },
  };
}
