import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from './schema.ts';
import { keepSecrets, withoutSecrets } from './secrets.ts';

const prev = {
  northbound: {
    groupId: 'G',
    edgeNodeId: 'E',
    brokers: [
      { url: 'mqtts://a:8883', username: 'u', password: 'pa' },
      { url: 'mqtts://b:8883', password: 'pb' },
    ],
  },
  devices: [{ name: 'D', protocol: 'opcua', connection: { identity: { kind: 'username', username: 'x', password: 'pd' } }, groups: [] }],
} as unknown as Config;

describe('configuration secrets', () => {
  it('leaves secrets out and marks where one is stored', () => {
    const out = withoutSecrets(prev);
    assert.deepEqual(out.northbound.brokers[0], { url: 'mqtts://a:8883', username: 'u', hasPassword: true });
    assert.doesNotMatch(JSON.stringify(out), /"p[abd]"/);
    assert.deepEqual((out.devices[0] as Config['devices'][number]).connection.identity, { kind: 'username', username: 'x', hasPassword: true });
  });

  it('keeps a broker’s password by its URL when brokers move, clears it with "", and drops the markers', () => {
    const sent = withoutSecrets(prev) as unknown as { northbound: { brokers: Record<string, unknown>[] } } & Record<string, unknown>;
    const [a, b] = sent.northbound.brokers;
    const next = keepSecrets(
      { ...sent, northbound: { ...sent.northbound, brokers: [b, { ...a, password: '' }, { url: 'mqtt://c' }] } },
      prev,
    ) as unknown as Config;
    assert.deepEqual(next.northbound.brokers, [{ url: 'mqtts://b:8883', password: 'pb' }, { url: 'mqtts://a:8883', username: 'u' }, { url: 'mqtt://c' }]);
    assert.equal(((next.devices[0] as Config['devices'][number]).connection.identity as { password: string }).password, 'pd', 'matched by device name');
  });
});
