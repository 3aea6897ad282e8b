import { describe, expect, it } from 'vitest';
import { UrlRedactor } from './redact.ts';

const urls = new UrlRedactor();
for (const route of [
  '/api/pds/pds/:file',
  '/ftc/begin/:nid/:token/:version',
  '/members/invite/:invite',
  '/members/myaccount/:svt',
])
  urls.addRoute(route);

describe('UrlRedactor', () => {
  it('logs the values of known query parameters and redacts every other value', () => {
    expect(
      urls.redact(
        '/api/pds/pds/1.json?key=abc&con_id=1-40000&dataset=ds_home&instance=0',
        route('/api/pds/pds/:file', { file: '1.json' }),
      ),
    ).toBe('/api/pds/pds/1.json?key=[redacted]&con_id=1-40000&dataset=ds_home&instance=0');
    expect(urls.redact('/x?access_token=t&client_secret=s&Password=p&surprise=1')).toBe(
      '/[redacted]?access_token=[redacted]&client_secret=[redacted]&Password=[redacted]&surprise=[redacted]',
    );
  });

  it('logs a filter operator but never its value', () => {
    expect(urls.redact('/api/pds/pds/1.json?filters[memo][operator]=LIKE&filters[memo][value]=secret%20note')).toBe(
      '/api/pds/pds/1.json?filters[memo][operator]=LIKE&filters[memo][value]=[redacted]',
    );
    expect(urls.redact('/api/pds/pds/1.json?filters%5Bmemo%5D%5Bvalue%5D=x')).toBe(
      '/api/pds/pds/1.json?filters%5Bmemo%5D%5Bvalue%5D=[redacted]',
    );
  });

  it('redacts a parameter name that does not look like one', () => {
    expect(urls.redact('/api/pds/pds/1.json?alice%40example.org&x%20y=1')).toBe('/api/pds/pds/1.json?[redacted]&[redacted]');
  });

  it('redacts every path parameter that is not an id: link tokens, invite codes, SVTs', () => {
    expect(
      urls.redact(
        '/ftc/begin/40000/pdx_ln_secret/2?x=1',
        route('/ftc/begin/:nid/:token/:version', { nid: '40000', token: 'pdx_ln_secret', version: '2' }),
      ),
    ).toBe('/ftc/begin/40000/[redacted]/2?x=[redacted]');
    expect(urls.redact('/members/invite/INV-code', route('/members/invite/:invite', { invite: 'INV-code' }))).toBe(
      '/members/invite/[redacted]',
    );
    expect(urls.redact('/members/myaccount/svt-1', route('/members/myaccount/:svt', { svt: 'svt-1' }))).toBe(
      '/members/myaccount/[redacted]',
    );
  });

  it('shows of an unmatched path only numbers and the words of known routes', () => {
    expect(urls.redact('/members/invite/INV-code/extra')).toBe('/members/invite/[redacted]/[redacted]');
    expect(urls.redact('/api/pds/pds/4020.json/x')).toBe('/api/pds/pds/4020.json/[redacted]');
    expect(urls.redact('/healthz')).toBe('/[redacted]');
  });
});

function route(pattern: string, params: Record<string, string>) {
  return { pattern, params };
}
