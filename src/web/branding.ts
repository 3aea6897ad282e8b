/**
 * What the operator calls things (docs/member-web.md, "Branding"): the service's name, the name of
 * the member's identifier ("MydexID" by default), a logo, and links to their privacy notice and
 * support. One set per server, read from the configuration when the web app starts, as the time
 * zone is; every member page and message reads it through here.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Branding } from '../config/config.ts';
import { sha256Hex } from '../crypto/hash.ts';

const LOGO_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
};
const MAX_LOGO_BYTES = 256 * 1024;

export interface Logo {
  href: string;
  type: string;
  bytes: Buffer;
}

let current: Branding = {
  serviceName: 'OpenPDX',
  idName: 'MydexID',
  logoFile: undefined,
  privacyUrl: undefined,
  supportUrl: undefined,
};
let logo: Logo | undefined;

/** Reads the logo (refusing a file that is not an image we serve, or too large) and sets the names. */
export function useBranding(b: Branding): void {
  logo = b.logoFile ? loadLogo(b.logoFile) : undefined;
  current = b;
}

function loadLogo(file: string): Logo {
  const type = LOGO_TYPES[extname(file).toLowerCase()];
  if (!type) throw new Error(`OPENPDX_LOGO_FILE must be a .png, .svg, .jpg or .webp file: ${file}`);
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new Error(`OPENPDX_LOGO_FILE cannot be read: ${file}`);
  }
  if (size > MAX_LOGO_BYTES) throw new Error(`OPENPDX_LOGO_FILE is ${size} bytes; the most is ${MAX_LOGO_BYTES}`);
  const bytes = readFileSync(file);
  return { href: `/assets/logo-${sha256Hex(bytes).slice(0, 12)}${extname(file).toLowerCase()}`, type, bytes };
}

export function brand(): Readonly<Branding> {
  return current;
}

/** The member's identifier, as the operator names it ("MydexID"). */
export function idName(): string {
  return current.idName;
}

export function brandLogo(): Logo | undefined {
  return logo;
}
