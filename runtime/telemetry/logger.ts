import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths redacted from every log line: secrets never reach the logs. */
export const REDACT_PATHS = [
  'password',
  'pass',
  'token',
  'apiKey',
  'authorization',
  '*.password',
  '*.pass',
  '*.token',
  '*.apiKey',
  '*.authorization',
  'headers.authorization',
];

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Minimum level. @default process.env.AGENTVISOR_LOG_LEVEL ?? 'info' */
  level?: string;
  /** Fixed fields on every line (node, namespace). */
  base?: Record<string, unknown>;
  /** A pino destination stream; stdout when absent. */
  destination?: pino.DestinationStream;
}

/** Creates the pino logger that the system passes down to actors (one child per actor). */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['AGENTVISOR_LOG_LEVEL'] ?? 'info',
    base: options.base ?? null,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that writes nothing: the default of embedded systems that were given none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
