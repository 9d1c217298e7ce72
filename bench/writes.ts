/**
 * Write-back latency: from the publish of a DCMD to the arrival of the DDATA
 * that confirms the new value(s), for 1 tag and for 50 tags in one DCMD
 * (Mosquitto, the Modbus simulator and the gateway in this process).
 */

import { type Stack, startStack } from '../test/helpers/stack.ts';
import { line, median, percentile } from './report.ts';

const ROUNDS = Number(process.env.BENCH_WRITE_ROUNDS ?? 100);
const DCMD = 'spBv1.0/TestGroup/DCMD/edge1/Dev';

async function latencies(stack: Stack, tags: number): Promise<number[]> {
  const birth = stack.host.of('DBIRTH').at(-1);
  const aliasOf = new Map(birth?.metrics.map((m) => [m.name, m.alias]) ?? []);
  const times: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const value = (round * 7 + tags) % 60000;
    const from = stack.host.messages.length;
    const started = performance.now();
    await stack.host.command(
      DCMD,
      Array.from({ length: tags }, (_, i) => ({ name: `T${i}`, type: 'UInt16', value })),
    );
    const lastAlias = aliasOf.get(`T${tags - 1}`);
    await stack.host.next('the confirming DDATA', (m) => m.type === 'DDATA' && m.metrics.some((x) => x.alias === lastAlias && x.value === value), from, 10_000);
    times.push(performance.now() - started);
  }
  return times;
}

export async function benchWrites(): Promise<void> {
  const stack = await startStack({ units: [{ id: 1, points: [] }] }, (port) => [
    {
      name: 'Dev',
      protocol: 'modbus',
      connection: { host: '127.0.0.1', port, unitId: 1 },
      groups: [
        {
          name: 'g',
          intervalMs: 60_000,
          tags: Array.from({ length: 50 }, (_, i) => ({ name: `T${i}`, address: `HR${i}`, type: 'uint16', access: 'readwrite' })),
        },
      ],
    },
  ]);
  try {
    await stack.host.next('DBIRTH', (m) => m.type === 'DBIRTH');
    process.stdout.write(`\nWrite-back: DCMD publish → confirming DDATA (${ROUNDS} rounds each; Mosquitto on loopback)\n`);
    for (const n of [1, 50]) {
      const t = await latencies(stack, n);
      line(`${n} tag${n > 1 ? 's' : ''} in one DCMD: median / p99`, `${median(t).toFixed(1)} ms / ${percentile(t, 0.99).toFixed(1)} ms`);
    }
  } finally {
    await stack.stop();
  }
}
