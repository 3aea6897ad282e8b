/**
 * Registered clients as the token endpoint and the resource server read them on every request.
 * Entries (including "no such client") live for half a second: one indexed read per client per
 * half second per process instead of one per request, while a disabled client or a rotated secret
 * reaches every process sharing the database within a second (OA-24, contract §2). The process
 * that makes the change forgets its entry at once.
 */
import type { OAuthClientRecord } from './client-store.ts';

const CLIENT_CACHE_TTL_MS = 500;

type Lookup = OAuthClientRecord | undefined;

interface Entry {
  client: Lookup;
  until: number;
}

export class ClientCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Lookup>>();
  /** bumped by invalidate(), so a read that started before it cannot store a stale entry */
  private generation = 0;

  constructor(
    private readonly load: (clientId: string) => Promise<Lookup>,
    private readonly ttlMs = CLIENT_CACHE_TTL_MS,
    private readonly maxEntries = 10_000,
  ) {}

  get(clientId: string): Promise<Lookup> {
    const entry = this.entries.get(clientId);
    if (entry && entry.until > performance.now()) return Promise.resolve(entry.client);
    let pending = this.inflight.get(clientId);
    if (!pending) {
      const read = this.fetch(clientId);
      pending = read;
      this.inflight.set(clientId, read);
      const forget = () => {
        if (this.inflight.get(clientId) === read) this.inflight.delete(clientId);
      };
      read.then(forget, forget);
    }
    return pending;
  }

  invalidate(clientId: string): void {
    this.generation++;
    this.entries.delete(clientId);
    this.inflight.delete(clientId);
  }

  private async fetch(clientId: string): Promise<Lookup> {
    const generation = this.generation;
    const client = await this.load(clientId);
    if (generation === this.generation) {
      // Spraying unknown ids can fill the map; starting over only costs a few reads.
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(clientId, { client, until: performance.now() + this.ttlMs });
    }
    return client;
  }
}
