/**
 * Where a ring finds keys derived from its data keys by an earlier request, and leaves the ones it
 * derives (OpenedKeyCache, for a connection's verified member key). Both sides hold copies.
 */
export interface DerivedKeyStore {
  get(dataset: string, label: string): Buffer | undefined;
  put(dataset: string, label: string, key: Buffer): void;
}

/**
 * Unwrapped per-dataset data keys for one member, handed to a reader or writer for the length of
 * one request and zeroed afterwards (best effort: CR-16).
 */
export class DataKeyRing {
  private readonly keys = new Map<string, { key: Buffer; version: number }>();
  /** keys derived from the data keys, by `${dataset}#${label}` */
  private readonly derivedKeys = new Map<string, Buffer>();

  constructor(private readonly store?: DerivedKeyStore) {}

  set(dataset: string, key: Buffer, version: number): void {
    this.keys.set(dataset, { key, version });
  }

  get(dataset: string): { key: Buffer; version: number } | undefined {
    return this.keys.get(dataset);
  }

  has(dataset: string): boolean {
    return this.keys.has(dataset);
  }

  datasets(): string[] {
    return [...this.keys.keys()];
  }

  /**
   * The key derived from `dataset`'s data key for one purpose (`label`, e.g. the blind index):
   * derived at most once per ring, and not at all when the ring's store holds it. The ring owns the
   * buffer and wipes it with the others; callers must not keep or wipe it.
   */
  derived(dataset: string, label: string, derive: (dataKey: Buffer) => Buffer): Buffer {
    const name = `${dataset}#${label}`;
    let key = this.derivedKeys.get(name);
    if (key) return key;
    const data = this.keys.get(dataset);
    if (!data) throw new Error(`no data key for ${dataset} in this ring`);
    key = this.store?.get(dataset, label);
    if (!key) {
      key = derive(data.key);
      this.store?.put(dataset, label, key);
    }
    this.derivedKeys.set(name, key);
    return key;
  }

  /** Overwrites every key, derived ones included, with zeros and forgets them. */
  wipe(): void {
    for (const { key } of this.keys.values()) key.fill(0);
    this.keys.clear();
    for (const key of this.derivedKeys.values()) key.fill(0);
    this.derivedKeys.clear();
  }
}

/** Context strings (additional data) for wrapped data keys: bind a wrap to its owner and dataset. */
export const wrapContext = {
  member: (uid: number, dataset: string, version: number) => `wrap|member|${uid}|${dataset}|v${version}`,
  grant: (conId: string, grantId: number, dataset: string) => `wrap|conn|${conId}|g${grantId}|${dataset}`,
};

/** The version of the data keys made today (each wrapped key records its own). */
export const DATA_KEY_VERSION = 1;
