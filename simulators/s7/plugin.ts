/** The S7 simulator as a bundled simulator: its schema, default port and factory. */
import { assertSchema } from '../../src/config/schema-errors.ts';
import type { SimulatorPlugin } from '../registry.ts';
import { DEMO_S7_CONFIG, type S7SimulatorConfig, S7SimulatorConfigSchema } from './config.ts';
import { S7Simulator } from './server.ts';

export const s7SimulatorPlugin: SimulatorPlugin = {
  configSchema: S7SimulatorConfigSchema,
  // 102 is the S7 port, and privileged on Linux: the simulator's default is another.
  defaultPort: 10102,
  create: (config, opts) => {
    // No data blocks and no values (`plexus simulate s7` without a file, or `config: {}`): the demo machine.
    // (Config validation may already have filled in the empty defaults, so look at what is in them.)
    const given = (config ?? {}) as Partial<S7SimulatorConfig>;
    const source = !given.dataBlocks?.length && !given.values?.length ? { ...given, ...DEMO_S7_CONFIG } : given;
    return new S7Simulator(assertSchema<S7SimulatorConfig>(S7SimulatorConfigSchema, structuredClone(source), 'S7 simulator configuration'), opts);
  },
};
