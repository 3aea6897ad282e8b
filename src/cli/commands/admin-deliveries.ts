import { InvalidArgumentError, type Command } from 'commander';
import type { Delivery } from '../../outbox/outbox-service.ts';
import { emit, fields, show, table, when, type OutputOptions } from '../output.ts';
import { examples, wholeNumberOption, withJson } from '../options.ts';
import { withContext, type CliRuntime } from '../runtime.ts';

const STATUSES = ['pending', 'delivered', 'dead'] as const;
type Status = (typeof STATUSES)[number];

function status(value: string): Status {
  if (!(STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${STATUSES.join(', ')}.`);
  return value as Status;
}

/** Table cells for a delivery: times readable, the error short. */
function row(d: Delivery) {
  return {
    ...d,
    next_attempt: d.status === 'pending' ? when(d.next_attempt_at) : '-',
    last: d.last_error ?? (d.last_status === null ? null : String(d.last_status)),
  };
}

export function registerDeliveryCommands(admin: Command, rt: CliRuntime): void {
  const deliveries = admin
    .command('deliveries')
    .description('the outbox: callbacks, notifications, email and SMS (payloads are never shown)');

  examples(
    withJson(deliveries.command('list').description('list deliveries, newest first'))
      .option('--status <status>', 'only pending, delivered or dead', status)
      .option('--limit <n>', 'at most this many (default 50)', wholeNumberOption),
    'openpdx admin deliveries list --status dead --json',
  ).action((opts: OutputOptions & { status?: Status; limit?: number }) =>
    withContext(rt, async (ctx) => {
      const list = await ctx.outbox.listDeliveries({
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      });
      emit(rt, opts, list, () =>
        table(
          list.map(row),
          ['id', 'kind', 'nid', 'uid', 'method', 'status', 'attempts', 'next_attempt', 'last', 'target'],
          'No deliveries.',
        ),
      );
    }),
  );

  examples(
    withJson(deliveries.command('retry').description('make a pending delivery due now (same webhook-id)')).requiredOption(
      '--id <id>',
      'delivery id',
      wholeNumberOption,
    ),
    'openpdx admin deliveries retry --id 42',
  ).action((opts: OutputOptions & { id: number }) =>
    withContext(rt, async (ctx) => {
      const d = await ctx.outbox.retryDelivery(opts.id);
      emit(rt, opts, d, () =>
        fields(`Delivery ${d.id} is due now; a running server sends it within a second.`, {
          status: d.status,
          attempts: d.attempts,
          target: d.target,
        }),
      );
    }),
  );

  examples(
    withJson(
      admin.command('outbox').description('show the email and SMS a sandbox kept instead of sending (also at /dev/outbox)'),
    ),
    'openpdx admin outbox --json',
  ).action((opts: OutputOptions) =>
    withContext(rt, async (ctx) => {
      if (ctx.config.env !== 'sandbox') throw new Error('the message outbox exists in sandboxes only; live messages are sent');
      const messages = await ctx.outbox.listSandboxMessages();
      emit(rt, opts, messages, () =>
        messages.length
          ? messages
              .map(
                (m) =>
                  `${when(m.created_at)}  ${m.channel} to ${m.recipient}\n  subject: ${show(m.subject)}\n  ${m.body.replace(/\n/g, '\n  ')}\n`,
              )
              .join('\n')
          : 'No messages.\n',
      );
    }),
  );
}
