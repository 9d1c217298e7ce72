import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import Fastify from 'fastify';
import type { EdgeNodeStatus } from '../sparkplug/edge-node.ts';
import { type MetricsSource, registerMetrics } from './metrics.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict enough reader of the text format 0.0.4: every line is a comment, a sample, or empty at the end. */
function parse(text: string) {
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      (kind === 'HELP' ? help : type).set(name, rest);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${JSON.stringify(line)}`);
    const [, name, labelText = '', value] = m as unknown as [string, string, string | undefined, string];
    assert.ok(type.has(name), `${name} has a TYPE line before its samples`);
    assert.ok(help.has(name), `${name} has a HELP line`);
    const labels: Record<string, string> = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    while (re.lastIndex < labelText.length) {
      const l = re.exec(labelText);
      assert.ok(l, `labels parse: ${labelText}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return { help, type, samples };
}

const status: EdgeNodeStatus = {
  state: 'waiting-for-host',
  mqttVersion: '3.1.1',
  broker: 'mqtt://127.0.0.1:1883',
  bdSeq: 3,
  seq: 17,
  messagesPublished: 120,
  bytesPublished: 45_000,
  store: { values: 500, batches: 20, bytes: 8192, oldestTs: 1_700_000_000_500, dropped: 7, replayed: 300, replayRate: 0, discarded: 2, resent: 1 },
};

const QUOTED = 'Line "1"\\A\nB';

const source: MetricsSource = {
  deviceStatuses: () => [
    {
      name: QUOTED,
      protocol: 'modbus',
      connection: { state: 'connected' },
      stats: { requests: 10, responses: 9, timeouts: 1, errors: 0, reconnects: 2, roundTripMedianMs: 12, roundTripP99Ms: 250 },
      groups: [
        { name: 'fast', cycles: 100, overruns: 3 },
        { name: 'slow', cycles: 5, overruns: 0 },
      ],
    },
    { name: 's7', protocol: 's7', connection: { state: 'backing-off', retryInMs: 1000, reason: 'ECONNREFUSED' }, groups: [] },
  ],
  edgeNode: { status: () => status },
};

async function scrape(t: TestContext) {
  const app = Fastify({ logger: false });
  registerMetrics(app, source);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => app.close());
  const res = await fetch(`${address}/metrics`);
  return { res, text: await res.text() };
}

describe('GET /metrics', () => {
  it('answers in the Prometheus text format 0.0.4', async (t) => {
    const { res, text } = await scrape(t);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const { type, samples } = parse(text);
    for (const [name, kind] of type) {
      assert.ok(name.startsWith('plexus_'), name);
      assert.equal(name.endsWith('_total'), kind === 'counter', `${name} is a ${kind}`);
    }
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    const plc = { device: QUOTED, protocol: 'modbus' };
    const s7 = { device: 's7', protocol: 's7' };

    assert.equal(value('plexus_device_connected', plc), 1);
    assert.equal(value('plexus_device_connected', s7), 0);
    assert.equal(value('plexus_device_requests_total', plc), 10);
    assert.equal(value('plexus_device_responses_total', plc), 9);
    assert.equal(value('plexus_device_timeouts_total', plc), 1);
    assert.equal(value('plexus_device_errors_total', plc), 0);
    assert.equal(value('plexus_device_reconnects_total', plc), 2);
    assert.equal(value('plexus_device_round_trip_median_seconds', plc), 0.012);
    assert.equal(value('plexus_device_round_trip_p99_seconds', plc), 0.25);
    assert.equal(value('plexus_device_requests_total', s7), undefined, 'a device without statistics has no counters');
    assert.equal(value('plexus_group_cycles_total', { device: QUOTED, group: 'fast' }), 100);
    assert.equal(value('plexus_group_overruns_total', { device: QUOTED, group: 'fast' }), 3);
    assert.equal(value('plexus_group_cycles_total', { device: QUOTED, group: 'slow' }), 5);

    assert.equal(value('plexus_northbound_messages_published_total'), 120);
    assert.equal(value('plexus_northbound_bytes_published_total'), 45_000);
    assert.equal(value('plexus_northbound_seq'), 17);
    assert.equal(value('plexus_northbound_bdseq'), 3);
    assert.equal(value('plexus_northbound_online'), 0);
    const states = samples.filter((s) => s.name === 'plexus_northbound_state');
    assert.deepEqual(
      states.filter((s) => s.value === 1).map((s) => s.labels.state),
      ['waiting-for-host'],
    );
    assert.equal(states.length, 6, 'one series per session state');

    assert.equal(value('plexus_store_values'), 500);
    assert.equal(value('plexus_store_batches'), 20);
    assert.equal(value('plexus_store_bytes'), 8192);
    assert.equal(value('plexus_store_oldest_timestamp_seconds'), 1_700_000_000.5);
    assert.equal(value('plexus_store_dropped_values_total'), 7);
    assert.equal(value('plexus_store_replayed_values_total'), 300);
    assert.equal(value('plexus_store_discarded_values_total'), 2);
    assert.equal(value('plexus_store_resent_values_total'), 1);
  });

  it('escapes backslash, quote and newline in label values', async (t) => {
    const { text } = await scrape(t);
    assert.ok(text.includes('plexus_device_connected{device="Line \\"1\\"\\\\A\\nB",protocol="modbus"} 1\n'), text);
    assert.ok(text.includes('plexus_group_cycles_total{device="Line \\"1\\"\\\\A\\nB",group="fast"} 100\n'));
  });
});
