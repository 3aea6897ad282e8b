/**
 * Unwrapped per-dataset data keys for one member, handed to a reader or writer for the length of
 * one request and zeroed afterwards (best effort: CR-16).
 */
export class DataKeyRing {
  private readonly keys = new Map<string, { key: Buffer; version: number }>();

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

  /** Overwrites every key with zeros and forgets them. */
  wipe(): void {
    for (const { key } of this.keys.values()) key.fill(0);
    this.keys.clear();
  }
}

/** Context strings (additional data) for wrapped data keys: bind a wrap to its owner and dataset. */
export const wrapContext = {
  member: (uid: number, dataset: string, version: number) => `wrap|member|${uid}|${dataset}|v${version}`,
  grant: (conId: string, grantId: number, dataset: string) => `wrap|conn|${conId}|g${grantId}|${dataset}`,
};

/** The version of the data keys made today (each wrapped key records its own). */
export const DATA_KEY_VERSION = 1;
