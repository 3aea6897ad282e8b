import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact.ts';

describe('redactUrl', () => {
  it('masks secret query parameters and keeps the others', () => {
    expect(redactUrl('/api/pds/pds/1.json?key=abc&con_id=1-40000&dataset=ds_home')).toBe(
      '/api/pds/pds/1.json?key=[redacted]&con_id=1-40000&dataset=ds_home',
    );
    expect(redactUrl('/x?access_token=t&client_secret=s&Password=p')).toBe(
      '/x?access_token=[redacted]&client_secret=[redacted]&Password=[redacted]',
    );
  });

  it('masks the one-time token in a link path', () => {
    expect(redactUrl('/ftc/begin/40000/pdx_ln_secret/2')).toBe('/ftc/begin/40000/[redacted]/2');
    expect(redactUrl('/ftc/begin/40000/pdx_ln_secret/2?x=1')).toBe('/ftc/begin/40000/[redacted]/2?x=1');
  });

  it('leaves URLs without secrets alone', () => {
    expect(redactUrl('/healthz')).toBe('/healthz');
    expect(redactUrl('/a?b=%zz')).toBe('/a?b=%zz');
  });
});
