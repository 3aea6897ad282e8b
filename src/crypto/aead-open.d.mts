/** Types of aead-open.mjs (plain JavaScript, shared with the side thread). */
export declare const FORMAT: 1;
export declare const ALG_XCHACHA20_POLY1305: 2;
export declare const HEADER_LEN: 4;
export declare const NONCE_LEN: { 1: 12; 2: 24 };
export declare const TAG_LEN: 16;
export declare class IntegrityError extends Error {
  constructor(message?: string);
}
export declare function openSealed(key: Uint8Array, sealed: Buffer, context: string): Buffer;
export declare function openSealedText(key: Uint8Array, text: string, context: string): string;
