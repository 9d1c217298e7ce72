/**
 * What templates cost when a configuration is validated (every API change and
 * every start validates the whole document): 200 Modbus devices × 50 tags,
 * written out in each device or made from one template with a parameter in
 * every address. Medians of 15 runs, after 3 warm-up runs.
 */
import { validateConfig } from '../src/config/validate.ts';
import { fmt, line, median } from './report.ts';

const DEVICES = 200;
const TAGS = 50;
const ROUNDS = 15;

const tags = (address: (i: number) => string) =>
  Array.from({ length: TAGS }, (_, i) => ({ name: `T${i}`, address: address(i), type: 'float32', unit: 'V', steps: [{ kind: 'scale', factor: 0.1 }] }));
const northbound = { groupId: 'G', edgeNodeId: 'E', brokers: [{ url: 'mqtt://127.0.0.1' }] };
const connection = (i: number) => ({ host: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, unitId: 1 });

const inline = {
  northbound,
  devices: Array.from({ length: DEVICES }, (_, i) => ({
    name: `D${i}`,
    protocol: 'modbus',
    connection: connection(i),
    groups: [{ name: 'g', tags: tags((t) => `HR${100 + 2 * t}`) }],
  })),
};
const templated = {
  northbound,
  templates: [{ name: 'Meter', protocol: 'modbus', parameters: { base: 100 }, groups: [{ name: 'g', tags: tags((t) => `HR{base+${2 * t}}`) }] }],
  devices: Array.from({ length: DEVICES }, (_, i) => ({ name: `D${i}`, protocol: 'modbus', connection: connection(i), template: { name: 'Meter' } })),
};

function timeMs(doc: unknown): number {
  const t0 = process.hrtime.bigint();
  validateConfig(doc);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function benchTemplates(): void {
  process.stdout.write(`templates: validating ${DEVICES} devices × ${TAGS} tags (${fmt(DEVICES * TAGS)} tags), median of ${ROUNDS}\n`);
  for (let i = 0; i < 3; i++) {
    timeMs(inline);
    timeMs(templated);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(timeMs(inline));
    b.push(timeMs(templated));
  }
  line('tags written in each device', `${median(a).toFixed(1)} ms`);
  line('devices made from one template', `${median(b).toFixed(1)} ms (${(median(b) / median(a)).toFixed(2)}×)`);
  line('stored document size, inline → templated', `${fmt(JSON.stringify(inline).length / 1024)} KiB → ${fmt(JSON.stringify(templated).length / 1024)} KiB`);
}
