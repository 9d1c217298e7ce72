/** Live values over WebSocket and /metrics on a running gateway, behind sign-in. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { TokenStore } from '../../src/api/tokens.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

describe('live values and metrics on a running gateway', () => {
  let stack: Stack;
  let token: string;
  let base: string;

  before(async () => {
    stack = await startStack(
      { units: [{ id: 1, points: [{ area: 'holding', address: 0, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } }] }] },
      (port) => [
        {
          name: 'Line "1"',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [{ name: 'g', intervalMs: 100, tags: [{ name: 'Count', address: 'HR0', type: 'uint16' }] }],
        },
      ],
      { api: true },
    );
    token = new TokenStore(stack.db).create('watcher', 'viewer');
    base = stack.gateway.addresses.api as string;
    await stack.host.next('the DBIRTH', (m) => m.type === 'DBIRTH');
  });
  after(() => stack?.stop());

  it('refuses a live connection without sign-in', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/live`);
    const status = await new Promise<number | undefined>((resolve) => {
      ws.on('unexpected-response', (req, res) => {
        resolve(res.statusCode);
        req.destroy();
      });
      ws.on('open', () => resolve(undefined));
      ws.on('error', () => {}); // the refusal also ends the socket
    });
    ws.terminate();
    assert.equal(status, 401);
  });

  it('sends a snapshot, then changes, to a viewer', async () => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1/live`, { headers: { authorization: `Bearer ${token}` } });
    const messages: { type: string; device: string; values?: { tag: string; value: number; quality: string }[] }[] = [];
    const changed = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no changed value within 10 s')), 10_000);
      ws.on('message', (data) => {
        const m = JSON.parse(String(data));
        messages.push(m);
        const first = messages.find((x) => x.type === 'snapshot')?.values?.[0]?.value;
        const now = m.type === 'values' ? m.values.find((v: { tag: string }) => v.tag === 'Count')?.value : undefined;
        if (first !== undefined && now !== undefined && now !== first) {
          clearTimeout(timer);
          resolve(now);
        }
      });
    });
    await new Promise((resolve) => ws.on('open', resolve));
    ws.send(JSON.stringify({ subscribe: { devices: ['Line "1"'] } }));
    await changed;
    const snapshot = messages.find((m) => m.type === 'snapshot');
    assert.equal(snapshot?.device, 'Line "1"');
    assert.equal(snapshot?.values?.[0]?.quality, 'good');
    ws.close();
  });

  it('serves Prometheus metrics to a viewer, escaping label values', async () => {
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^plexus_device_connected\{device="Line \\"1\\"",protocol="modbus"\} 1$/m);
    assert.match(text, /^plexus_northbound_online 1$/m);
    const requests = Number(/^plexus_device_requests_total\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
    assert.ok(requests > 0, `requests ${requests}`);
  });
});
