/** WCAG 1.4.3: every text/background pair the stylesheet uses has a contrast ratio of at least 4.5:1. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../src/web/assets/openpdx.css', import.meta.url), 'utf8');
const varsIn = (block: string) =>
  Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\b/gi)].map((m) => [m[1]!, m[2]!]));
const light = varsIn(/:root \{([^}]*)\}/.exec(css)![1]!);
const darkBlock = /@media \(prefers-color-scheme: dark\) \{\s*:root \{([^}]*)\}/.exec(css);
const dark = { ...light, ...varsIn(darkBlock?.[1] ?? '') };
let vars: Record<string, string> = light;
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

// [text, background, where], in the variables both schemes define
const PAIRS: [string, string, string][] = [
  ['--text', '--bg', 'body text'],
  ['--muted', '--bg', 'hints'],
  ['--link', '--bg', 'links'],
  ['--link-visited', '--bg', 'visited links'],
  ['--error-text', '--bg', 'error messages'],
  ['--text', '--input-bg', 'form fields'],
  ['--on-accent', '--ok', 'primary buttons'],
  ['--on-accent', '--error', 'warning buttons'],
  ['--on-accent', '--brand', 'header'],
  ['--on-accent', '--nav', 'dashboard navigation'],
  ['--text', '--sandbox-bg', 'sandbox banner'],
  ['--text', '--panel', 'panels and secondary buttons'],
  ['--muted', '--panel', 'hints in panels'],
  ['--link', '--panel', 'links in panels'],
  ['--focus-text', '--focus', 'focused links'],
  ['--text', '--caution-bg', 'warning text'],
  ['--text', '--notice-bg', 'notices'],
  ['--muted', '--added', 'added rows'],
  ['--muted', '--removed', 'removed rows'],
  ['--tag-added-text', '--tag-added', 'New tag'],
  ['--tag-removed-text', '--tag-removed', 'Removed tag'],
  ['--tag-changed-text', '--tag-changed', 'Changed tag'],
];

describe.each([
  ['light', light],
  ['dark (prefers-color-scheme)', dark],
])('stylesheet contrast, %s', (_scheme, scheme) => {
  it('has a dark scheme that changes the page colours', () => {
    expect(dark.bg).not.toBe(light.bg);
    expect(dark.text).not.toBe(light.text);
  });
  it.each(PAIRS)('%s on %s (%s) is at least 4.5:1', (fg, bg) => {
    vars = scheme;
    expect(colour(fg), fg).toMatch(/^#[0-9a-f]{6}$/i);
    expect(colour(bg), bg).toMatch(/^#[0-9a-f]{6}$/i);
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });
});
