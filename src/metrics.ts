/**
 * Prometheus metrics (prom-client), served at /metrics (docs/operations.md, "Metrics"). One
 * registry per application context, so tests and several contexts in one process never share
 * counts. Labels are route patterns, methods and statuses only: never a URL, an id or anything a
 * request controls beyond those.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolUse } from './storage/dialect.ts';

export interface MetricSources {
  /** deliveries (callbacks, notifications, email, SMS) waiting in the outbox */
  outboxDepth(): Promise<number>;
  /** the PostgreSQL pool's use; undefined on SQLite, which has no pool */
  poolUse(): PoolUse | undefined;
}

/** Seconds: a fast token or metadata read is well under a millisecond; a batch write may take a second. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

let processRegistry: Registry | undefined;

/**
 * prom-client's process metrics (CPU, memory, event-loop delay, GC, handles), made once per
 * process on the first scrape: they watch the process, not a context, and their observers should
 * not be multiplied by every context a test makes.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'openpdx_' });
  }
  return processRegistry;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly tokens: Counter<'grant'>;
  private readonly deliveries: Counter<'outcome'>;
  private sources: MetricSources | undefined;
  private readonly series = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();

  constructor() {
    const registers = [this.registry];
    // A cluster worker answers its primary's requests for these metrics (aggregateWorkerMetrics).
    if (cluster.isWorker) {
      new AggregatorRegistry(); // installs prom-client's answering listener in this worker
      AggregatorRegistry.setRegistries([processMetrics(), this.registry]);
    }
    this.requests = new Counter({
      name: 'openpdx_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'openpdx_http_request_duration_seconds',
      help: 'Time from request to response, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.tokens = new Counter({
      name: 'openpdx_oauth_tokens_issued_total',
      help: 'Access tokens issued, by grant type',
      labelNames: ['grant'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'openpdx_outbox_delivery_attempts_total',
      help: 'Outbox delivery attempts by outcome: delivered, retry (failed, will be retried) or dead (given up)',
      labelNames: ['outcome'],
      registers,
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'openpdx_outbox_depth',
      help: 'Deliveries waiting in the outbox (pending)',
      registers,
      // Every worker of a cluster counts the same table: its figure, not the sum.
      aggregator: 'first',
      async collect() {
        const s = sources();
        if (s) this.set(await s.outboxDepth());
      },
    });
  }

  /** The composition root tells the gauges where to look once the services exist. */
  observe(sources: MetricSources): void {
    this.sources = sources;
    // Only where there is a pool (PostgreSQL): SQLite would show a pool of zero connections.
    if (sources.poolUse() === undefined) return;
    const registers = [this.registry];
    const pool = (name: string, help: string, pick: (p: PoolUse) => number) =>
      new Gauge({
        name: `openpdx_db_pool_${name}`,
        help: `PostgreSQL connection pool: ${help}`,
        registers,
        collect() {
          const use = sources.poolUse();
          if (use) this.set(pick(use));
        },
      });
    pool('connections', 'connections open', (p) => p.total);
    pool('idle', 'open connections not in use', (p) => p.idle);
    pool('waiting', 'queries waiting for a connection', (p) => p.waiting);
    pool('max', 'the most connections it opens', (p) => p.max);
  }

  /**
   * Counts one answered request. Runs on every request, so each (method, route, status) keeps its
   * prom-client children in a map: a lookup instead of prom-client's label hashing per call. The
   * map is bounded by the routes the server has (unmatched URLs share one label).
   */
  request(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        count: this.requests.labels({ method, route, status: String(status) }),
        latency: this.latency.labels({ method, route }),
      };
      this.series.set(key, series);
    }
    series.count.inc();
    series.latency.observe(seconds);
  }

  tokenIssued(grant: 'client_credentials' | 'authorization_code' | 'refresh_token'): void {
    this.tokens.inc({ grant });
  }

  deliveryAttempt(outcome: 'delivered' | 'retry' | 'dead'): void {
    this.deliveries.inc({ outcome });
  }

  /**
   * The text exposition format, for GET /metrics: these metrics and the process's own. In a
   * cluster worker, every worker's, aggregated by the primary (counters and histograms summed), so
   * a scrape of the shared port sees the whole deployment whichever worker answers it.
   */
  async text(): Promise<string> {
    const local = () => Registry.merge([processMetrics(), this.registry]).metrics();
    if (!cluster.isWorker || !process.send) return local();
    return (await fromPrimary()) ?? local();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const ASK = 'openpdx:metrics-ask';
const ANSWER = 'openpdx:metrics-answer';
/** prom-client's own collection from the workers gives up after 5 s. */
const PRIMARY_TIMEOUT_MS = 6000;

/** A worker asks its primary for every worker's metrics; undefined if no answer comes. */
function fromPrimary(): Promise<string | undefined> {
  const id = randomUUID();
  return new Promise((resolve) => {
    const done = (text: string | undefined) => {
      clearTimeout(timer);
      process.off('message', listen);
      resolve(text);
    };
    const listen = (message: unknown) => {
      const m = message as { type?: unknown; id?: unknown; text?: unknown };
      if (m?.type === ANSWER && m.id === id) done(typeof m.text === 'string' ? m.text : undefined);
    };
    const timer = setTimeout(() => done(undefined), PRIMARY_TIMEOUT_MS);
    process.on('message', listen);
    process.send?.({ type: ASK, id });
  });
}

/**
 * In a cluster's primary (openpdx start with several workers): answers a worker's request for the
 * deployment's metrics with every worker's, collected and aggregated by prom-client.
 */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: unknown; id?: unknown }) => {
    if (message?.type !== ASK) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, text }),
      () => worker.isConnected() && worker.send({ type: ANSWER, id: message.id }),
    );
  });
}
