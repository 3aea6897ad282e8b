import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { formatSandboxCredentials, sandboxCredentialsPath, seedSandbox } from '../../admin/seed.ts';
import { buildApp } from '../../app.ts';
import { createAppContext, type AppContext } from '../../app-context.ts';
import { examples } from '../options.ts';
import { cliConfig, type CliRuntime } from '../runtime.ts';

export function registerStartCommand(program: Command, rt: CliRuntime): void {
  examples(
    program.command('start').description('start the server (every surface on one port); SIGTERM or SIGINT stops it gracefully'),
    'OPENPDX_PORT=8080 openpdx start',
    'OPENPDX_ENV=live OPENPDX_PUBLIC_URL=https://pdx.example.org OPENPDX_MASTER_KEY=… openpdx start',
  ).action(async () => {
    const config = cliConfig(rt);
    const ctx = await createAppContext(config, rt.contextOverrides);
    let app: FastifyInstance | undefined;
    try {
      app = await buildApp(ctx);
      if (config.env === 'sandbox' && config.seed === 'auto') await seed(ctx, rt);
      const address = await app.listen({ port: config.port, host: config.host });
      rt.io.out(`OpenPDX (${config.env}) listening on ${address}; public URL ${config.publicUrl}\n`);
    } catch (err) {
      await app?.close();
      await ctx.close();
      throw err;
    }
    const signal = await (rt.waitForShutdown ?? nextSignal)();
    rt.io.out(`${signal}: finishing in-flight requests, then stopping.\n`);
    // Fastify's close stops accepting connections and waits for in-flight requests.
    await app.close();
    await ctx.close();
  });
}

async function seed(ctx: AppContext, rt: CliRuntime): Promise<void> {
  const file = sandboxCredentialsPath(ctx.config);
  const credentials = await seedSandbox(ctx);
  // Printed, never logged: the log pipeline may leave this machine.
  rt.io.out(
    credentials
      ? formatSandboxCredentials(credentials, file)
      : `Sandbox demo data already exists; its credentials are in ${file}\n`,
  );
}

function nextSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
