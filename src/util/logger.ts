import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Every line carries the node id so that logs of a cluster can be merged. */
  nodeId?: number;
  /** Pretty output for a human on a terminal; JSON otherwise. */
  pretty?: boolean;
}

/**
 * Builds the one root logger of a process (or of an embedded node). Modules receive a child logger
 * (`logger.child({ module: 'wal' })`) from their parent; there is no global logger.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base = options.nodeId === undefined ? {} : { nodeId: options.nodeId };
  if (options.pretty === true) {
    return pino({
      level: options.level,
      base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ level: options.level, base });
}

/** A logger that discards everything; for tests and embedded use with logLevel 'silent'. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
