/**
 * A steady write load for the fault tests and `npm run chaos`: each loop posts transactional rows
 * with unique names, one at a time, and records what was acknowledged and how every attempt ended.
 * A request with no answer within `hangMs` counts as hung: the one outcome a fault must never cause.
 */
import type { SandboxCredentials } from '../../src/admin/seed.ts';

export interface LoadResult {
  acknowledged: string[];
  /** status code (as text) or error code → count: "200", "503", "ECONNRESET", "hung"… */
  outcomes: Record<string, number>;
  /** when each 503 streak ended with a 200: outage lengths seen by the clients, in ms */
  recoveries: number[];
}

function rowsUrl(base: string, creds: SandboxCredentials, extra = ''): string {
  const m = creds.members[0]!;
  return `${base}/api/pds/transaction/${m.uid}.json?key=${m.key}&con_id=${m.con_id}&dataset=ds_referrals${extra}`;
}

export function writeLoad(
  base: string,
  creds: SandboxCredentials,
  token: () => string,
  options: { concurrency: number; tag: string; hangMs?: number },
): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { acknowledged: [], outcomes: {}, recoveries: [] };
  const m = creds.members[0]!;
  const url = `${base}/api/pds/transaction?uid=${m.uid}&key=${m.key}&con_id=${m.con_id}&dataset=ds_referrals`;
  let running = true;
  let n = 0;
  let failingSince: number | undefined;
  const count = (k: string) => (result.outcomes[k] = (result.outcomes[k] ?? 0) + 1);
  const loop = async () => {
    while (running) {
      const name = `${options.tag}-${n++}`;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ ds_referrals: { contact_name: name } }),
          signal: AbortSignal.timeout(options.hangMs ?? 15_000),
        });
        await res.arrayBuffer();
        count(String(res.status));
        if (res.status === 200) {
          result.acknowledged.push(name);
          if (failingSince !== undefined) result.recoveries.push(Date.now() - failingSince);
          failingSince = undefined;
        } else failingSince ??= Date.now();
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string } };
        count(e.name === 'TimeoutError' ? 'hung' : (e.cause?.code ?? e.name ?? 'error'));
        failingSince ??= Date.now();
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/** The names of every stored ds_referrals row of the first demo member. */
export async function storedNames(base: string, creds: SandboxCredentials, token: string): Promise<Set<string>> {
  const names = new Set<string>();
  const page = 10_000;
  for (let offset = 0; ; offset += page) {
    const res = await fetch(rowsUrl(base, creds, `&limit=${page}&offset=${offset}`), {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`read: ${res.status} ${await res.text()}`);
    const rows = Object.values((await res.json()) as Record<string, { contact_name: string | null }>);
    for (const r of rows) names.add(r.contact_name ?? '');
    if (rows.length < page) return names;
  }
}

/**
 * Many new connections a second (GET /healthz, `Connection: close`): the load under which a
 * connection handed to a dying worker would go unanswered. Counts answers, resets and hangs.
 */
export function connectionChurn(
  base: string,
  options: { concurrency: number; hangMs: number },
): { stop(): Promise<Record<string, number>> } {
  const outcomes: Record<string, number> = {};
  let running = true;
  const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  const loop = async () => {
    while (running) {
      try {
        const res = await fetch(`${base}/healthz`, {
          headers: { connection: 'close' },
          signal: AbortSignal.timeout(options.hangMs),
        });
        await res.arrayBuffer();
        count(String(res.status));
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string } };
        count(e.name === 'TimeoutError' ? 'hung' : (e.cause?.code ?? e.name ?? 'error'));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}
