/**
 * Whether the database is serving, as seen by this process: an outage begins with the first call
 * that fails for want of the database (Dialect.outage) and ends when a probe succeeds again. One
 * log line when it begins and one when it ends (with its length), instead of one per failed
 * request or poll; /readyz answers 503 while it lasts (docs/operations.md, "Database outages").
 */
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
/** Seconds since the epoch (the app's Clock, which storage/ may not import). */
type Clock = { now(): number };
import type { Dialect, Outage } from './dialect.ts';
import type { Database } from './schema.ts';

/** During an outage the database is probed this often, so service resumes by itself. */
const OUTAGE_PROBE_MS = 1000;
/** /readyz writes at most this often per process; between writes it reports the last result. */
const READY_WRITE_EVERY_MS = 1000;

export class DatabaseAvailability {
  private current: { kind: Outage; since: number; failures: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastWrite: { at: number; ok: Promise<boolean> } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** The outage `err` shows, recorded (and logged once per outage); undefined for any other error. */
  failed(err: unknown, source: string): Outage | undefined {
    const kind = this.dialect.outage(err);
    if (!kind) return undefined;
    if (this.current?.kind === kind) {
      this.current.failures++;
      return kind;
    }
    this.current = { kind, since: this.clock.now(), failures: 1 };
    this.lastWrite = undefined;
    this.logger.error(
      { event: 'database.unavailable', outage: kind, source, err },
      kind === 'full'
        ? 'the database cannot store data: answering 503 until it can'
        : 'the database is not answering: answering 503 until it does',
    );
    this.probeUntilBack();
    return kind;
  }

  /** The outage in progress, if any. */
  get outage(): Outage | undefined {
    return this.current?.kind;
  }

  /**
   * Ready means the database answers and can store: a one-row write, at most once a second (the
   * result is shared meanwhile). A failure starts an outage like any other call's.
   */
  async ready(): Promise<boolean> {
    if (this.current) return false;
    const now = Date.now();
    if (!this.lastWrite || now - this.lastWrite.at >= READY_WRITE_EVERY_MS) {
      this.lastWrite = {
        at: now,
        ok: this.probe().then(
          () => true,
          (err: unknown) => (this.failed(err, 'readyz'), false),
        ),
      };
    }
    return this.lastWrite.ok;
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private probe(): Promise<unknown> {
    const checkedAt = this.clock.now();
    return this.db
      .insertInto('health_probe')
      .values({ id: 1, checked_at: checkedAt })
      .onConflict((oc) => oc.column('id').doUpdateSet({ checked_at: checkedAt }))
      .execute();
  }

  private probeUntilBack(): void {
    if (this.timer) return;
    const tick = () => {
      this.timer = setTimeout(async () => {
        try {
          await (this.current?.kind === 'unreachable' ? sql`select 1`.execute(this.db) : this.probe());
          this.back();
        } catch (err) {
          if (!this.failed(err, 'probe')) this.back();
        }
        if (this.current) tick();
        else this.timer = undefined;
      }, OUTAGE_PROBE_MS);
      this.timer.unref();
    };
    tick();
  }

  private back(): void {
    if (!this.current) return;
    const { kind, since, failures } = this.current;
    this.current = undefined;
    this.logger.warn(
      { event: 'database.available', outage: kind, seconds: this.clock.now() - since, failures },
      'the database is serving again',
    );
  }
}
