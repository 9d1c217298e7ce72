/**
 * Store-and-forward: values per second written to the store while offline,
 * bytes on disk per stored value, and values per second replayed after a
 * reconnect while live values keep flowing (with how late the live ones get).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { systemClock } from '../src/clock.ts';
import { validateConfig } from '../src/config/validate.ts';
import { openDatabase } from '../src/database.ts';
import type { TagUpdate } from '../src/events.ts';
import { LiveValues } from '../src/live-values.ts';
import { EdgeNode } from '../src/sparkplug/edge-node.ts';
import { SqliteStore } from '../src/store/store.ts';
import { Mosquitto } from '../test/helpers/mosquitto.ts';
import { tempDir } from '../test/helpers/net.ts';
import { waitFor } from '../test/helpers/wait.ts';
import { fmt, line, median, percentile } from './report.ts';

const require = createRequire(import.meta.url);
const sparkplug = require('sparkplug-payload').get('spBv1.0');

const TAGS = 1000;
const BATCHES = 300; // 300 polls of 1,000 tags: 300,000 values

const batch = (round: number): TagUpdate[] =>
  Array.from({ length: TAGS }, (_, i) => ({
    tag: `T${i}`,
    value: Math.fround(20 + Math.sin(round / 10 + i) * 5),
    quality: 'good',
    sourceTs: 1_700_000_000_000 + round * 1000,
  }));

export async function benchStore(): Promise<void> {
  const dir = tempDir('plexus-bench-store-');
  const mosquitto = new Mosquitto();
  process.stdout.write(`\nStore-and-forward: ${BATCHES} updates of ${fmt(TAGS)} float values (one device)\n`);
  try {
    const db = openDatabase(dir);
    const log = pino({ level: 'silent' });
    const store = new SqliteStore(db, { maxBytes: 1024 ** 3 }, log, systemClock);
    const batches = Array.from({ length: BATCHES }, (_, r) => batch(r));
    const t0 = performance.now();
    for (const b of batches) store.append('Meter', b, false);
    const writeRate = (BATCHES * TAGS) / ((performance.now() - t0) / 1000);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytes = fs.statSync(path.join(dir, 'plexus.db')).size;
    line('values written per second (offline)', fmt(writeRate));
    line('bytes on disk per stored value', `${(fileBytes / (BATCHES * TAGS)).toFixed(2)} (file ${(fileBytes / 1e6).toFixed(1)} MB; Neuron's figure: ~13.4)`);

    await mosquitto.start();
    const config = validateConfig({ northbound: { groupId: 'B', edgeNodeId: 'n', brokers: [{ url: mosquitto.url }] }, api: { enabled: false } });
    const values = new LiveValues();
    const tags = batches[0]?.map((u) => ({ name: u.tag, type: 'float32' as const })) ?? [];
    const node = new EdgeNode({
      config: config.northbound,
      devices: [{ name: 'Meter', tags }],
      values,
      bdSeqStore: { load: () => undefined, save: () => {} },
      store,
      log,
      clock: systemClock,
    });
    let historical = 0;
    const liveDelays: number[] = [];
    const sub = await mqtt.connectAsync(mosquitto.url);
    sub.on('message', (topic, payload) => {
      if (!topic.includes('/DDATA/')) return;
      const decoded = sparkplug.decodePayload(payload);
      if (decoded.metrics[0]?.isHistorical) historical += decoded.metrics.length;
      else liveDelays.push(Date.now() - Number(decoded.timestamp));
    });
    await sub.subscribeAsync('spBv1.0/#');
    values.update('Meter', batches.at(-1) ?? []);
    node.deviceUp('Meter');
    const started = performance.now();
    node.start();
    // Live values keep flowing during the replay: 10 updates of 1,000 values a second.
    let round = BATCHES;
    const live = setInterval(
      () =>
        node.publishData(
          'Meter',
          batch(round++).map((u) => ({ ...u, sourceTs: Date.now() })),
        ),
      100,
    );
    try {
      await waitFor(() => historical >= BATCHES * TAGS, 'the replay', 120_000);
      const elapsed = (performance.now() - started) / 1000;
      line('values replayed per second (live traffic running)', fmt(historical / elapsed));
      line('live DDATA delay during the replay, median / p99', `${median(liveDelays)} ms / ${percentile(liveDelays, 0.99)} ms`);
    } finally {
      clearInterval(live);
      await node.stop();
      await sub.endAsync(true);
      db.close();
    }
  } finally {
    await mosquitto.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
