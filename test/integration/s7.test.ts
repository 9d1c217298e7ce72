/**
 * S7 end to end: the gateway polls the snap7 simulator, publishes its tags with
 * their Sparkplug types, writes a DCMD to the PLC and confirms it, marks a tag of
 * a missing DB bad while the rest stay good, and refuses a bad address at load.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { s7SimulatorPlugin } from '../../simulators/s7/plugin.ts';
import type { S7Simulator } from '../../simulators/s7/server.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { ConfigError } from '../../src/errors.ts';
import type { HostMessage } from '../helpers/sparkplug-host.ts';
import { type Stack, startStack } from '../helpers/stack.ts';

const DEVICE = 'Filler';
const DCMD = `spBv1.0/TestGroup/DCMD/edge1/${DEVICE}`;
const tags = [
  { name: 'Temperature', address: 'DB1,REAL0', type: 'float32' },
  { name: 'Bottles', address: 'DB1,DINT8', type: 'int32' },
  { name: 'Setpoint', address: 'DB1.DBW12', type: 'int16', access: 'readwrite' },
  { name: 'Running', address: 'DB1,X14.0', type: 'bool' },
  { name: 'Fault', address: 'DB1,X14.1', type: 'bool', access: 'readwrite' },
  { name: 'Recipe', address: 'DB1,S16.32', type: 'string', access: 'readwrite' },
  { name: 'Pump', address: 'Q0.1', type: 'bool' },
  { name: 'Ghost', address: 'DB42,INT0', type: 'int16' },
];

describe('S7 end to end', () => {
  let stack: Stack;
  let birth: HostMessage;
  const sim = () => stack.simulator as S7Simulator;

  before(async () => {
    // The simulator's demo machine (see simulators/s7/config.ts).
    stack = await startStack(
      undefined,
      (port) => [{ name: DEVICE, protocol: 's7', connection: { host: '127.0.0.1', port }, groups: [{ name: 'g', intervalMs: 500, tags }] }],
      {
        simulator: s7SimulatorPlugin.create({}, {}),
      },
    );
    birth = await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH' && m.device === DEVICE);
  });
  after(() => stack?.stop());

  it('publishes the tags with their Sparkplug types, and a missing DB as bad on its own', async () => {
    const types = Object.fromEntries(birth.metrics.filter((m) => tags.some((t) => t.name === m.name)).map((m) => [m.name, m.type]));
    assert.deepEqual(types, {
      Temperature: 'Float',
      Bottles: 'Int32',
      Setpoint: 'Int16',
      Running: 'Boolean',
      Fault: 'Boolean',
      Recipe: 'String',
      Pump: 'Boolean',
      Ghost: 'Int16',
    });
    const metric = (name: string) => birth.metrics.find((m) => m.name === name);
    assert.deepEqual([metric('Setpoint')?.value, metric('Recipe')?.value], [1200, 'Recipe A']);
    // Sparkplug quality 0 is bad (192 good, sent only after a bad one): DB42 does not exist.
    assert.deepEqual([metric('Ghost')?.value, metric('Ghost')?.quality], [null, 0]);
    assert.equal(typeof metric('Temperature')?.value, 'number');
    assert.equal(metric('Temperature')?.quality, undefined);
  });

  it('writes a DCMD to the PLC and confirms it', async () => {
    const alias = (name: string) => birth.metrics.find((m) => m.name === name)?.alias;
    const from = stack.host.messages.length;
    await stack.host.command(DCMD, [
      { name: 'Setpoint', type: 'Int16', value: -1500 },
      { name: 'Fault', type: 'Boolean', value: true },
      { name: 'Recipe', type: 'String', value: 'Recipe B' },
    ]);
    await stack.host.next(
      'DDATA Recipe = Recipe B',
      (m) => m.type === 'DDATA' && m.metrics.some((x) => x.alias === alias('Recipe') && x.value === 'Recipe B'),
      from,
    );
    assert.deepEqual([sim().valueAt('DB1,INT12'), sim().valueAt('DB1,X14.1'), sim().valueAt('DB1,S16.32')], [-1500, true, 'Recipe B']);
  });

  it('refuses a bad address when the configuration is loaded, with the path and the reason', () => {
    assert.throws(
      () =>
        validateConfig({
          northbound: { groupId: 'G', edgeNodeId: 'E', brokers: [{ url: 'mqtt://127.0.0.1:1' }] },
          devices: [
            {
              name: 'PLC',
              protocol: 's7',
              connection: { host: '127.0.0.1' },
              groups: [{ name: 'g', tags: [{ name: 'T', address: 'DB1,REAL0', type: 'int16' }] }],
            },
          ],
        }),
      (err: ConfigError) =>
        err instanceof ConfigError &&
        err.details.some((d) => /^devices\[0\]\.groups\[0\]\.tags\[0\]/.test(d.path) && d.message.includes('DB1,REAL0 (REAL) holds float32, not int16')),
    );
  });
});
