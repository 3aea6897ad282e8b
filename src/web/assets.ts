/**
 * The member web app's one stylesheet, served under a content-versioned URL (so it can be cached
 * as immutable): the pages and the server's HTML error pages link the same address.
 */
import { readFileSync } from 'node:fs';
import { sha256Hex } from '../crypto/hash.ts';

export const CSS = readFileSync(new URL('./assets/openpdx.css', import.meta.url));
export const CSS_VERSION = sha256Hex(CSS).slice(0, 12);
export const CSS_PATH = '/assets/openpdx.css';
export const CSS_HREF = `${CSS_PATH}?v=${CSS_VERSION}`;
