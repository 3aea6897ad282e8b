/** Types of access-chain.mjs (plain JavaScript, shared with the side thread). */
export declare const GENESIS: string;
export interface AccessFields {
  uid: number;
  nid: number | null;
  actor: string;
  dataset: string;
  fields: string;
  action: string;
  at: number;
}
export interface ChainHead {
  seq: number;
  head: string;
}
export declare function entryHash(previous: string, seq: number, e: AccessFields): string;
export declare function chainEntries<T extends AccessFields>(
  heads: Map<number, ChainHead>,
  entries: readonly T[],
): (T & { seq: number; hash: string })[];
