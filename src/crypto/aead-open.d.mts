/** Types of aead-open.mjs (plain JavaScript, shared with the side thread). */
export declare const FORMAT: 1;
export declare const ALG_AES_256_GCM: 1;
export declare const HEADER_LEN: 4;
export declare const NONCE_LEN: 12;
export declare const TAG_LEN: 16;
export declare class IntegrityError extends Error {
  constructor(message?: string);
}
export declare function openSealed(key: Uint8Array, sealed: Buffer, context: string): Buffer;
