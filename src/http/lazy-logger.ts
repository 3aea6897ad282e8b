/**
 * Fastify gives every request its own child logger, and a pino child with redaction configured
 * redacts its bindings as it is made: on a fast API route that costs more than the route's own
 * permission checks. Most requests never log at an enabled level, so this child is only made by
 * the first call at an enabled level (or by child()). What it writes is exactly what the eager
 * child would have written.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, Logger } from 'pino';

type LogFn = (...args: unknown[]) => void;

export class LazyChildLogger {
  private real: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): LevelWithSilentOrString {
    return this.real?.level ?? this.parent.level;
  }

  set level(level: LevelWithSilentOrString) {
    this.materialize().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.real ?? this.parent).isLevelEnabled(level);
  }

  // Prototype methods, not per-instance arrow functions: one of these is made per request.
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.materialize().child(bindings, options);
  }

  private write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.materialize()[level] as LogFn)(...args);
  }

  private materialize(): Logger {
    return (this.real ??= this.parent.child(this.bindings, this.options));
  }
}

/** Fastify's childLoggerFactory: lazy unless the route asks for its own level (then eager). */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (options.level !== undefined) return logger.child(bindings, options);
  // The server's logger is always pino (createHttpServer takes a pino Logger).
  return new LazyChildLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger;
}
