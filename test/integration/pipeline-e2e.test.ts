/** The value pipeline through the gateway to a Sparkplug host: scaled values, computed tags and aggregates with their births. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Stack, startStack } from '../helpers/stack.ts';

describe('pipeline through the gateway to Sparkplug', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack(
      {
        units: [
          {
            id: 1,
            points: [
              { area: 'holding', address: 0, type: 'int16', value: 1234 },
              { area: 'holding', address: 1, type: 'int16', value: 66 },
              { area: 'holding', address: 2, type: 'uint16', generator: { kind: 'counter', intervalMs: 100 } },
            ],
          },
        ],
      },
      (port) => [
        {
          name: 'Oven',
          protocol: 'modbus',
          connection: { host: '127.0.0.1', port, unitId: 1 },
          groups: [
            {
              name: 'g',
              intervalMs: 100,
              tags: [
                { name: 'Temp', address: 'HR0', type: 'int16', steps: [{ kind: 'scale', factor: 0.1 }] },
                { name: 'Setpoint', address: 'HR1', type: 'int16' },
                { name: 'Error', type: 'float64', compute: 'Setpoint - Temp' },
                { name: 'Count', address: 'HR2', type: 'uint16', aggregates: [{ windowS: 1, functions: ['count', 'max'] }] },
              ],
            },
          ],
        },
      ],
    );
  });

  after(() => stack?.stop());

  it('declares scaled, computed and aggregate metrics in the DBIRTH with their types', async () => {
    const dbirth = await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH');
    const byName = new Map(dbirth.metrics.map((m) => [m.name, m]));
    assert.deepEqual([byName.get('Temp')?.type, byName.get('Temp')?.value], ['Double', 123.4]);
    assert.deepEqual([byName.get('Setpoint')?.type, byName.get('Setpoint')?.value], ['Int16', 66]);
    assert.equal(byName.get('Error')?.type, 'Double');
    assert.equal(byName.get('Count/count_1s')?.type, 'UInt32');
    assert.equal(byName.get('Count/max_1s')?.type, 'Double');
  });

  it('publishes the computed tag and window aggregates timestamped at whole seconds', async () => {
    const dbirth = await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH');
    const alias = (name: string) => dbirth.metrics.find((m) => m.name === name)?.alias;
    const withMetric = (name: string) => (m: { type: string; metrics: { alias?: number }[] }) =>
      (m.type === 'DDATA' || m.type === 'DBIRTH') && m.metrics.some((x) => x.alias === alias(name) && (x as { value: unknown }).value !== null);
    const errorMsg = await stack.host.next('the computed Error', withMetric('Error'));
    const error = errorMsg.metrics.find((m) => m.alias === alias('Error'));
    assert.ok(Math.abs((error?.value as number) - (66 - 123.4)) < 1e-9, `Error = ${error?.value}`);
    const countMsg = await stack.host.next('a window count', (m) => m.type === 'DDATA' && m.metrics.some((x) => x.alias === alias('Count/count_1s')));
    const count = countMsg.metrics.find((m) => m.alias === alias('Count/count_1s'));
    assert.equal((count?.timestamp as number) % 1000, 0, 'aligned to the wall clock');
    assert.ok((count?.value as number) >= 1, 'the window counted polled values');
  });
});
