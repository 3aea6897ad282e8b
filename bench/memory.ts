/**
 * `npm run bench:memory`: the resident memory of one OpenPDX process under a mixed load (token
 * issuance, metadata reads, 10-row transactional reads of a 100-row dataset, and durable metadata
 * writes, 20 connections) for SOAK_SECONDS (default 60), sampled every half second from /proc.
 * Prints the median and peak RSS and the throughput; the target is a loaded process under
 * 250 MB. The writes replace one record rather than add rows: a transactional read still decrypts
 * the member's whole dataset (issue 13), so a growing dataset would measure that instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { basicAuth, memberQuery, REFERRALS, referralRow } from './scenarios.ts';
import { startOpenPdx } from './servers/openpdx.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONNECTIONS = 20;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

const dataDir = mkdtempSync(join(tmpdir(), 'openpdx-memory-'));
const server = await startOpenPdx({
  dataDir,
  postgresUrl: process.env.OPENPDX_BENCH_DATABASE_URL || undefined,
  cpuProfDir: undefined,
});
try {
  const { client_id, client_secret, scope } = server.credentials.client;
  const tokenRes = await fetch(`${server.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(client_id, client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  });
  const accessToken = ((await tokenRes.json()) as { access_token: string }).access_token;
  const t = { base: server.baseUrl, creds: server.credentials, accessToken };
  const uid = server.credentials.members[0]!.uid;
  const bearer = { authorization: `Bearer ${accessToken}` };
  const writeUrl = `/api/pds/transaction?${memberQuery(t, { uid: String(uid), dataset: REFERRALS })}`;
  for (let i = 0; i < 100; i++) {
    await fetch(`${server.baseUrl}${writeUrl}`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ [REFERRALS]: referralRow(i) }),
    });
  }
  const idle = rssMiB(server.pid);
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(rssMiB(server.pid)), 500);
  const result = await new Promise<autocannon.Result>((resolve, reject) =>
    autocannon(
      {
        url: server.baseUrl,
        connections: CONNECTIONS,
        duration: SECONDS,
        requests: [
          {
            method: 'POST',
            path: '/oauth2/token',
            headers: { authorization: basicAuth(client_id, client_secret), 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
          },
          {
            method: 'GET',
            path: `/api/pds/pds/${uid}.json?${memberQuery(t, { dataset: 'ds_personal_details', instance: '0' })}`,
            headers: bearer,
          },
          {
            method: 'GET',
            path: `/api/pds/pds/${uid}.json?${memberQuery(t, { dataset: 'ds_personal_details', instance: '0' })}`,
            headers: bearer,
          },
          {
            method: 'GET',
            path: `/api/pds/transaction/${uid}.json?${memberQuery(t, { dataset: REFERRALS, limit: '10' })}`,
            headers: bearer,
          },
          {
            method: 'PUT',
            path: `/api/pds/pds/${uid}.json?${memberQuery(t, { dataset: 'ds_personal_details', instance: '0' })}`,
            headers: { ...bearer, 'content-type': 'application/json' },
            body: JSON.stringify({ ds_personal_details: { field_personal_fname: 'Soak' } }),
          },
        ],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );
  clearInterval(timer);
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const peak = sorted[sorted.length - 1]!;
  console.log(`idle after seeding: ${idle.toFixed(0)} MiB`);
  console.log(
    `under load (${SECONDS} s, ${CONNECTIONS} connections, mixed): median ${median.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`,
  );
  console.log(`throughput: ${result.requests.average.toFixed(0)} req/s, non-2xx ${result.non2xx}, errors ${result.errors}`);
  console.log(`${peak < 250 ? 'PASS' : 'FAIL'} peak RSS under 250 MB`);
} finally {
  await server.stop();
  await server.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
