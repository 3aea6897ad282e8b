import { describe, expect, it } from 'vitest';
import { BODY_LIMITS } from './body-limits.ts';
import { DEFAULT_FAMILY, RouteFamilies, type RouteFamily } from './route-family.ts';

const family = (name: string): RouteFamily => ({ name, format: 'pdx', bodyLimit: BODY_LIMITS.api });
const web = family('web');
const idaas = family('idaas');

function learned(): RouteFamilies {
  const families = new RouteFamilies(() => async (_e, _req, reply) => reply);
  families.learn('/me', web);
  families.learn('/me/data/:dataset', web);
  families.learn('/ftc/begin/:nid/:token/:version', web);
  families.learn('/ftc/setup', idaas);
  families.learn('/members/invite/:invite', idaas);
  return families;
}

describe('RouteFamilies.forUnmatched', () => {
  it('is the family of the routes sharing the most leading segments', () => {
    const families = learned();
    expect(families.forUnmatched('/me/nothing?x=1')).toBe(web);
    expect(families.forUnmatched('/me/data')).toBe(web);
    expect(families.forUnmatched('/ftc/begin/1/2/3/4')).toBe(web);
    expect(families.forUnmatched('/ftc/setup/extra')).toBe(idaas);
    expect(families.forUnmatched('/members/anything')).toBe(idaas);
  });

  it('is the default when no route shares a segment, or routes of two families share as many', () => {
    const families = learned();
    expect(families.forUnmatched('/')).toBe(DEFAULT_FAMILY);
    expect(families.forUnmatched('/elsewhere/me')).toBe(DEFAULT_FAMILY);
    // /ftc/begin/… is web, /ftc/setup is IDaaS: /ftc/other is as near to both.
    expect(families.forUnmatched('/ftc/other')).toBe(DEFAULT_FAMILY);
  });

  it('matches whole segments only', () => {
    expect(learned().forUnmatched('/meet')).toBe(DEFAULT_FAMILY);
  });
});
