/**
 * The tamper-evident access log's server side (docs/access-log.md): signing checkpoints of every
 * member's chain that grew, at least once a minute, and the member's download of their entries
 * with every checkpoint kept.
 *
 * A pass first chains the entries data writes logged unchained in their own transactions
 * (storage/access-log-chain.ts, chainPending), then signs. Checkpoints are signed by whichever process gets there: several may sign the same member and
 * count at once, and the first stored stays (access-log-store.ts). Each costs one ES256 signature,
 * so a pass costs what the members whose logs grew since the last one cost, not the whole log.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { DatabaseAvailability } from '../storage/availability.ts';
import type { Database } from '../storage/schema.ts';
import {
  ACCESS_LOG_FORMAT,
  ACCESS_LOG_KEYS_PATH,
  CHECKPOINT_TYP,
  type AccessLogDownload,
  type CheckpointClaim,
} from './access-log-format.ts';
import { AccessLogStore, type CheckpointRow } from './access-log-store.ts';

/** How often a process looks for chains that grew: twice a minute, so none waits more than a minute. */
const CHECKPOINT_EVERY_MS = 30_000;
/** Members signed per round trip of a pass. */
const PAGE = 500;
/** Entries read per query of a download. */
const DOWNLOAD_PAGE = 1000;

export interface AccessLogDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  availability: DatabaseAvailability;
  issuer: string;
  signingKey: () => { kid: string; key: KeyObject };
}

export class AccessLogService {
  private readonly store: AccessLogStore;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: AccessLogDeps) {
    this.store = new AccessLogStore(deps.db);
  }

  /** Signs checkpoints now and then until stop(). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.checkpoint().catch((err: unknown) => {
        if (!this.deps.availability.failed(err, 'access-log-checkpoints')) {
          this.deps.logger.error({ event: 'access_log.checkpoint_failed', err }, 'signing access log checkpoints failed');
        }
      });
    }, CHECKPOINT_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /** One pass: a signed checkpoint for every member whose chain grew since its last; returns how many. */
  checkpoint(): Promise<number> {
    // One pass at a time in a process: a slow one is not overtaken by the next tick.
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    // Data writes' entries join the chain first, so that what is signed covers them.
    await this.store.chainPending();
    let signed = 0;
    for (let after = 0; ;) {
      const grown = await this.store.grown(after, PAGE);
      if (!grown.length) return signed;
      const now = this.deps.clock.now();
      const { kid, key } = this.deps.signingKey();
      const rows: CheckpointRow[] = [];
      for (const g of grown) {
        const claim: CheckpointClaim = { member: g.uid, seq: g.seq, head: g.head };
        const jws = await new SignJWT({ access_log_checkpoint: claim })
          .setProtectedHeader({ alg: 'ES256', kid, typ: CHECKPOINT_TYP })
          .setIssuer(this.deps.issuer)
          .setIssuedAt(now)
          .sign(key);
        rows.push({ uid: g.uid, seq: g.seq, head: g.head, jws, signed_at: now });
      }
      await this.store.save(rows);
      signed += rows.length;
      after = grown[grown.length - 1]!.uid;
    }
  }

  /**
   * The member's whole log with every checkpoint, as JSON text in pieces (AccessLogDownload), so
   * that a long log is never held whole. The checkpoints are read first: each then covers entries
   * the download holds.
   */
  async *download(uid: number): AsyncGenerator<string> {
    await this.store.chainPending(uid);
    const checkpoints = await this.store.checkpoints(uid);
    const head: Omit<AccessLogDownload, 'entries' | 'checkpoints'> = {
      format: ACCESS_LOG_FORMAT,
      issuer: this.deps.issuer,
      member: uid,
      keys: `${this.deps.issuer}${ACCESS_LOG_KEYS_PATH}`,
      downloaded_at: new Date(this.deps.clock.now() * 1000).toISOString(),
    };
    yield `${JSON.stringify(head).slice(0, -1)},"entries":[`;
    let first = true;
    for (let after = 0; ;) {
      const page = await this.store.entries(uid, after, DOWNLOAD_PAGE);
      if (!page.length) break;
      yield `${first ? '' : ','}${page.map((e) => JSON.stringify(e)).join(',')}`;
      first = false;
      after = page[page.length - 1]!.seq;
    }
    const signed = checkpoints.map((c) => ({
      seq: c.seq,
      head: c.head,
      signed_at: new Date(c.signed_at * 1000).toISOString(),
      jws: c.jws,
    }));
    yield `],"checkpoints":${JSON.stringify(signed)}}`;
  }
}
