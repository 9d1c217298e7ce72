import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../errors.ts';
import { parseConfigText } from './load.ts';

const base = `
northbound:
  groupId: G
  edgeNodeId: E
  brokers: [{ url: "mqtt://127.0.0.1:1883" }]
`;

function errorsOf(yaml: string): string[] {
  try {
    parseConfigText(yaml);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.details.map((d) => `${d.path}: ${d.message}`);
  }
  assert.fail('the configuration was accepted');
}

describe('configuration validation', () => {
  it('accepts a minimal configuration and fills in defaults', () => {
    const config = parseConfigText(`${base}
devices:
  - name: D1
    protocol: modbus
    connection: { host: 10.0.0.5 }
    groups: [{ name: g, tags: [{ name: t, address: HR0, type: int16 }] }]
`);
    assert.equal(config.api.port, 8080);
    assert.equal(config.api.host, '127.0.0.1');
    assert.equal(config.broker.enabled, false);
    const device = config.devices[0];
    assert.equal(device?.connection.port, 502);
    assert.equal(device?.groups[0]?.intervalMs, 1000);
    assert.equal(device?.groups[0]?.tags[0]?.access, 'read');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(device));
  });

  it('reports every schema error at once as path: message', () => {
    const errors = errorsOf(`
northbound:
  groupId: G
  brokers: [{ url: "http://x" }]
  keepaliveS: fast
devices:
  - name: D1
    protocol: modbus
    connection: { host: h }
    groups: [{ name: g, intervalMs: 5, tags: [{ name: t, address: HR0, type: float33, colour: red }] }]
`);
    assert.deepEqual(errors.sort(), [
      'devices[0].groups[0].intervalMs: must be >= 10',
      'devices[0].groups[0].tags[0].colour: is not a known setting',
      'devices[0].groups[0].tags[0].type: must be one of: bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, float32, float64, string, bcd16, bcd32, datetime, bytes',
      'northbound.brokers[0].url: must match pattern "^(mqtt|mqtts|tcp|ssl)://"',
      'northbound.edgeNodeId: is required',
      'northbound.keepaliveS: must be an integer',
    ]);
  });

  it('refuses subscribe mode for a polled protocol and mismatched OPC UA security', () => {
    const errors = errorsOf(`${base}
devices:
  - name: M
    protocol: modbus
    connection: { host: h }
    groups: [{ name: g, mode: subscribe, tags: [{ name: t, address: HR0, type: uint16 }] }]
  - name: U
    protocol: opcua
    connection: { endpointUrl: "opc.tcp://h:4840", securityMode: SignAndEncrypt, identity: { kind: anonymous } }
    groups: [{ name: g, mode: subscribe, tags: [{ name: t, address: "ns=2;s=X", type: float64 }] }]
`);
    assert.deepEqual(errors, [
      'devices[0].groups[0].mode: modbus devices are polled: mode "subscribe" needs a protocol with subscriptions (opcua)',
      'devices[1].connection.securityPolicy: security mode SignAndEncrypt needs a policy, e.g. Basic256Sha256',
    ]);
  });

  it('catches duplicates, Sparkplug-forbidden ids, unknown protocols, bad connections and bad addresses', () => {
    const errors = errorsOf(`
northbound:
  groupId: "plant/1"
  edgeNodeId: "E#"
  brokers: [{ url: "mqtt://b" }]
devices:
  - name: D1
    protocol: modbus
    connection: { host: h, unitId: 300 }
  - name: D1
    protocol: profibus
    connection: {}
  - name: "Line+2"
    protocol: modbus
    connection: { host: h }
    groups:
      - name: g
        tags:
          - { name: a, address: HR0, type: float32 }
          - { name: a, address: HR99999, type: int16 }
          - { name: b, address: CO1, type: float32 }
      - name: g
        tags: []
`);
    assert.deepEqual(errors.sort(), [
      'devices[0].connection.unitId: must be <= 255',
      'devices[1].name: duplicate device name "D1" (also at index 0)',
      'devices[1].protocol: unknown protocol "profibus"; known: modbus, opcua, s7',
      'devices[2].groups[0].tags[1].address: address 99999 is above 65535 (at position 3)',
      'devices[2].groups[0].tags[1].name: duplicate tag name "a" in device "Line+2" (also at devices[2].groups[0].tags[0])',
      'devices[2].groups[0].tags[2].address: coils hold bool values, not float32',
      'devices[2].groups[1].name: duplicate group name "g" (also at index 0)',
      `devices[2].name: "Line+2" may not contain '+', '/' or '#' (Sparkplug topic rules)`,
      `northbound.edgeNodeId: "E#" may not contain '+', '/' or '#' (Sparkplug topic rules)`,
      `northbound.groupId: "plant/1" may not contain '+', '/' or '#' (Sparkplug topic rules)`,
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const errors = errorsOf('northbound:\n  groupId: [unclosed\n');
    assert.equal(errors.length > 0, true);
    assert.match(errors[0] ?? '', /^line \d+, column \d+: /);
  });

  it('refuses a configuration written by a newer version', () => {
    assert.deepEqual(errorsOf(`version: 99\n${base}`), ['version: version 99 was written by a newer Plexus; this one reads up to 1']);
  });

  it('validates the bundled simulator configuration too', () => {
    const errors = errorsOf(`${base}
simulators:
  - protocol: modbus
    port: 5020
    config: { units: [{ id: 1, points: [{ area: holding, address: 0, generator: { kind: wobble } }] }] }
`);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /^simulators\[0\]\.config\.units\[0\]\.points\[0\]\.generator\.kind: /);
  });

  it('checks analytics against the device: OEE inputs, shifts, time zone and anomaly settings, by path', () => {
    const errors = errorsOf(`${base}
devices:
  - name: Line
    protocol: modbus
    connection: { host: h }
    groups:
      - name: g
        tags:
          - { name: State, address: HR0, type: uint16 }
          - { name: Good, address: HR1, type: uint16 }
          - { name: Label, address: HR2, type: uint16, steps: [{ kind: bit, bit: 0 }] }
          - { name: Vib, address: HR3, type: int16, anomaly: { method: ewma, windowS: 30 } }
          - { name: Temp, address: HR4, type: int16, anomaly: { zThreshold: 0, minSamples: 1 } }
    oee:
      state: { tag: StateCode, running: [1] }
      goodCount: { tag: Good }
      badCount: { tag: Label }
      idealRatePerMin: 600
      timeZone: Moon/Base
      shifts:
        - { name: Early, start: "06:00", end: "14:00" }
        - { name: Late, start: "13:30", end: "25:00" }
`);
    assert.deepEqual(errors.sort(), [
      'devices[0].groups[0].tags[4].anomaly.minSamples: must be >= 2',
      'devices[0].groups[0].tags[4].anomaly.zThreshold: must be > 0',
      'devices[0].oee.shifts[1].end: must match pattern "^([01][0-9]|2[0-3]):[0-5][0-9]$"',
    ]);
    // Once the schema is satisfied, the checks against the device's tags follow.
    const fixed = errorsOf(`${base}
devices:
  - name: Line
    protocol: modbus
    connection: { host: h }
    groups:
      - name: g
        tags:
          - { name: State, address: HR0, type: uint16 }
          - { name: Good, address: HR1, type: uint16 }
          - { name: Label, address: HR2, type: uint16, steps: [{ kind: bit, bit: 0 }] }
          - { name: Vib, address: HR3, type: int16, anomaly: { method: ewma, windowS: 30 } }
          - { name: Vib/anomaly, address: HR5, type: int16 }
    oee:
      state: { tag: StateCode, running: [1] }
      goodCount: { tag: Good }
      badCount: { tag: Label }
      idealRatePerMin: 600
      timeZone: Moon/Base
      shifts:
        - { name: Early, start: "06:00", end: "14:00" }
        - { name: Late, start: "13:30", end: "22:00" }
`);
    assert.deepEqual(fixed.sort(), [
      'devices[0].groups[0].tags[3].anomaly.windowS: windowS is for method rolling; the ewma method takes alpha',
      'devices[0].groups[0].tags[3].anomaly: its metric "Vib/anomaly" has the name of the tag at devices[0].groups[0].tags[4]',
      'devices[0].oee.badCount.tag: "Label" is bool: a counter must be numeric',
      'devices[0].oee.shifts[1]: overlaps shift "Early" (at Mon 13:30)',
      'devices[0].oee.state.tag: "StateCode" is not a tag of this device',
      'devices[0].oee.timeZone: unknown time zone "Moon/Base" (an IANA name such as Europe/Berlin)',
    ]);
  });
});
