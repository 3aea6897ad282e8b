/** What a CLI run is given: its streams and environment, plus the seams tests replace. */
import pino from 'pino';
import { createAppContext, type AppContext, type ContextOverrides } from '../app-context.ts';
import { loadConfig, type Config } from '../config/config.ts';
import { createLogger } from '../logger.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

export interface CliRuntime {
  io: CliIo;
  /** passed to createAppContext (tests: a silent logger, a PostgreSQL schema) */
  contextOverrides?: ContextOverrides;
  /** resolves with the name of the signal that asks `openpdx start` to stop */
  waitForShutdown?: () => Promise<string>;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
};

export function cliConfig(rt: CliRuntime): Config {
  return loadConfig(rt.io.env);
}

/**
 * Opens the application context for one admin command and closes it afterwards. Logs go to
 * stderr so that stdout carries only the command's output.
 */
export async function withContext<T>(rt: CliRuntime, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = cliConfig(rt);
  const logger = createLogger(config.logLevel, pino.destination({ dest: 2, sync: true }));
  // Admin commands never deliver: the running server's worker does.
  const ctx = await createAppContext(config, { logger, startWorkers: false, ...rt.contextOverrides });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
