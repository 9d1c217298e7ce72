/**
 * OPC UA end to end: the simulator as its own process, the gateway with an
 * SignAndEncrypt device (subscribed and polled groups), Mosquitto and a
 * Sparkplug host. The server certificate is trusted through the API; then
 * the simulator is killed and started again, and values must resume within
 * 10 s with one subscription on the server, not two.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TokenStore } from '../../src/api/tokens.ts';
import { tempDir } from '../helpers/net.ts';
import { SimulatorProcess } from '../helpers/simulator-process.ts';
import { type Stack, startStack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const NS = 'nsu=urn:plexus:simulator;s=';

describe('OPC UA through the gateway to Sparkplug', () => {
  let stack: Stack;
  let api: string;
  let token: string;
  const simulatorDir = tempDir();
  const simulator = new SimulatorProcess('opcua', simulatorDir);

  const call = async (method: string, path: string, body?: unknown) => {
    const headers = { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) };
    const res = await fetch(`${api}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    stack = await startStack(
      undefined,
      (port) => [
        {
          name: 'FillingLine',
          protocol: 'opcua',
          connection: {
            endpointUrl: `opc.tcp://127.0.0.1:${port}`,
            securityMode: 'SignAndEncrypt',
            securityPolicy: 'Basic256Sha256',
            identity: { kind: 'anonymous' },
            timeoutMs: 2000,
          },
          groups: [
            {
              name: 'live',
              mode: 'subscribe',
              intervalMs: 200,
              tags: [
                { name: 'Temperature', address: `${NS}FillingLine.Temperature`, type: 'float64', unit: '°C' },
                { name: 'State', address: `${NS}FillingLine.State`, type: 'string' },
              ],
            },
            {
              name: 'diagnostics',
              intervalMs: 250,
              tags: [
                { name: 'ServerSubscriptions', address: `${NS}Simulator.Subscriptions`, type: 'uint32' },
                { name: 'SpeedSetpoint', address: `${NS}FillingLine.Speed`, type: 'float64', access: 'readwrite' },
              ],
            },
          ],
        },
      ],
      { api: true, simulator },
    );
    api = stack.gateway.addresses.api as string;
    token = new TokenStore(stack.db).create('tester');
  });
  after(async () => {
    await stack.stop();
    fs.rmSync(simulatorDir, { recursive: true, force: true });
  });

  it('is refused until the server certificate is trusted through the API, then publishes', async () => {
    const refused = await waitFor(() => {
      const c = stack.gateway.deviceStatuses()[0]?.connection;
      return c?.state === 'backing-off' && /not trusted/.test(c.reason) && c;
    }, 'the untrusted server to be refused');
    assert.match(refused.reason, /BadCertificateUntrusted/);

    assert.equal((await fetch(`${api}/api/v1/protocols/opcua/certificates`)).status, 401, 'the trust list needs a token');
    const list = await call('GET', '/api/v1/protocols/opcua/certificates');
    assert.equal(list.status, 200);
    const cert = list.body.find((c: { status: string }) => c.status === 'rejected');
    assert.ok(refused.reason.includes(cert.thumbprint), 'the error names the certificate the API lists');

    assert.equal((await call('POST', '/api/v1/protocols/opcua/certificates/0123456789012345678901234567890123456789/trust')).status, 404);
    assert.equal((await call('POST', '/api/v1/protocols/opcua/certificates/not-a-thumbprint/trust')).status, 400);
    const trusted = await call('POST', `/api/v1/protocols/opcua/certificates/${cert.thumbprint}/trust`);
    assert.deepEqual([trusted.status, trusted.body.status], [200, 'trusted']);

    const dbirth = await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === 'FillingLine');
    assert.deepEqual(
      dbirth.metrics.filter((m) => m.name === 'Temperature' || m.name === 'State').map((m) => m.type),
      ['Double', 'String'],
    );
    // Subscribed values keep coming without polling.
    const from = stack.host.messages.length;
    const ddata = await stack.host.next('DDATA with a temperature', (m) => m.type === 'DDATA' && stack.host.metric(m, 'Temperature') !== undefined, from);
    assert.equal(typeof stack.host.metric(ddata, 'Temperature')?.value, 'number');
  });

  it('writes through the write service and reads the value back; the server refusal comes back with its status', async () => {
    const ok = await call('POST', '/api/v1/devices/FillingLine/tags/SpeedSetpoint/write', { value: 480 });
    assert.deepEqual([ok.status, ok.body.ok, ok.body.readBack], [200, true, 480]);
    const refused = await call('POST', '/api/v1/devices/FillingLine/tags/SpeedSetpoint/write', { value: 5000 });
    assert.equal(refused.status, 502);
    assert.match(refused.body.message, /BadOutOfRange/);
  });

  it('browses the simulator through the API', async () => {
    const res = await call('GET', '/api/v1/devices/FillingLine/browse?depth=2&search=speed');
    assert.equal(res.status, 200);
    const line = res.body.find((n: { browseName: string }) => n.browseName === 'FillingLine');
    assert.deepEqual(line.children.map((n: { browseName: string }) => n.browseName).sort(), ['ActualSpeed', 'Speed']);
    assert.equal((await call('GET', '/api/v1/devices/FillingLine/browse?depth=9')).status, 400);
    assert.equal((await call('GET', '/api/v1/devices/Nope/browse')).status, 404);
  });

  it('resumes within 10 s after the simulator process is killed and restarted, with one subscription on the server', async () => {
    const deadAt = stack.host.messages.length;
    await simulator.stop();
    await stack.host.next('DDEATH', (m) => m.type === 'DDEATH' && m.device === 'FillingLine', deadAt, 30_000);

    await simulator.start();
    const restartedAt = Date.now();
    const from = stack.host.messages.length;
    await stack.host.next(
      'the temperature again',
      (m) => (m.type === 'DBIRTH' || m.type === 'DDATA') && typeof stack.host.metric(m, 'Temperature')?.value === 'number',
      from,
      10_000,
    );
    const resumedInMs = Date.now() - restartedAt;
    assert.ok(resumedInMs < 10_000, `resumed in ${resumedInMs} ms`);

    // The server's own count, polled through the gateway: one subscription, and still one four polls later.
    const seen: unknown[] = [];
    stack.gateway.bus.on(seen, 'tag.updates', ({ updates }) => {
      for (const u of updates) if (u.tag === 'ServerSubscriptions') seen.push(u.value);
    });
    const cycles = () => stack.gateway.deviceStatuses()[0]?.groups.find((g) => g.name === 'diagnostics')?.cycles ?? 0;
    await waitFor(() => stack.gateway.deviceValues('FillingLine').find((u) => u.tag === 'ServerSubscriptions')?.value === 1, 'one server subscription');
    const at = cycles();
    await waitFor(() => cycles() >= at + 4, 'four more polls');
    stack.gateway.bus.removeOwner(seen);
    assert.ok(!seen.some((v) => Number(v) > 1), `the server held ${seen.join(', ')} subscriptions`);
    assert.equal(stack.gateway.deviceValues('FillingLine').find((u) => u.tag === 'ServerSubscriptions')?.value, 1);
    const status = stack.gateway.deviceStatuses()[0];
    assert.equal(status?.connection.state, 'connected');
    assert.equal(status?.stats?.details?.subscriptions, 1);
  });
});
