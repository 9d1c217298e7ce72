/**
 * `npm run bench [-- NAME…]`: runs the benchmarks (all by default) and prints their figures.
 * Names: pipeline, analytics, modbus, sparkplug, store, writes, opcua, s7, footprint, templates.
 */
import { benchAnalytics } from './analytics.ts';
import { benchFootprint } from './footprint.ts';
import { benchModbusDriver } from './modbus-driver.ts';
import { benchModbusSparkplug } from './modbus-sparkplug.ts';
import { benchOpcua } from './opcua.ts';
import { benchPipeline } from './pipeline.ts';
import { benchS7 } from './s7.ts';
import { benchStore } from './store.ts';
import { benchTemplates } from './templates.ts';
import { benchWrites } from './writes.ts';

const benches: Record<string, () => void | Promise<void>> = {
  pipeline: benchPipeline,
  analytics: benchAnalytics,
  modbus: benchModbusDriver,
  sparkplug: benchModbusSparkplug,
  store: benchStore,
  writes: benchWrites,
  opcua: benchOpcua,
  s7: benchS7,
  footprint: benchFootprint,
  templates: benchTemplates,
};

const chosen = process.argv.slice(2);
for (const name of chosen.length ? chosen : Object.keys(benches)) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  try {
    await bench();
  } catch (err) {
    process.stderr.write(`benchmark ${name} failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  }
}
