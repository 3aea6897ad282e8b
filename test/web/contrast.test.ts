/** WCAG 1.4.3: every text/background pair the stylesheet uses has a contrast ratio of at least 4.5:1. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../src/web/assets/openpdx.css', import.meta.url), 'utf8');
const vars = Object.fromEntries([...css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1]!, m[2]!]));
const colour = (c: string) => (c.startsWith('--') ? vars[c.slice(2)]! : c);

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(fg: string, bg: string): number {
  const [a, b] = [luminance(colour(fg)), luminance(colour(bg))].sort((x, y) => y - x);
  return (a! + 0.05) / (b! + 0.05);
}

// [text, background, where]
const PAIRS: [string, string, string][] = [
  ['--text', '#ffffff', 'body text'],
  ['--muted', '#ffffff', 'hints'],
  ['--link', '#ffffff', 'links'],
  ['--link-visited', '#ffffff', 'visited links'],
  ['--error', '#ffffff', 'error messages'],
  ['#ffffff', '--ok', 'primary buttons'],
  ['#ffffff', '--error', 'warning buttons'],
  ['#ffffff', '--brand', 'header'],
  ['#ffffff', '#0d2d44', 'dashboard navigation'],
  ['--text', '#fff2a8', 'sandbox banner'],
  ['--text', '--panel', 'panels and secondary buttons'],
  ['--muted', '--panel', 'hints in panels'],
  ['--link', '--panel', 'links in panels'],
  ['--text', '--focus', 'focused links'],
  ['--text', '#fff7d6', 'warning text'],
  ['--text', '#e9f5ee', 'notices'],
  ['--muted', '--added', 'added rows'],
  ['--muted', '--removed', 'removed rows'],
  ['#005a30', '#cce2d8', 'New tag'],
  ['#8e1b0c', '#f4cdc6', 'Removed tag'],
  ['#594d00', '#fff2a8', 'Changed tag'],
];

describe('stylesheet contrast', () => {
  it.each(PAIRS)('%s on %s (%s) is at least 4.5:1', (fg, bg) => {
    expect(colour(fg), fg).toMatch(/^#[0-9a-f]{6}$/i);
    expect(colour(bg), bg).toMatch(/^#[0-9a-f]{6}$/i);
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });
});
