/** The OPC UA simulator's configuration: security, users, the filling line and an optional block of bulk variables. */
import { type Static, Type } from '@sinclair/typebox';
import { SECURITY_MODES, SECURITY_POLICIES } from '../../drivers/opcua/settings.ts';
import { Enum } from '../../src/config/schema-kit.ts';

export const OpcuaSimulatorConfigSchema = Type.Object(
  {
    securityModes: Type.Array(Enum([...SECURITY_MODES]), { minItems: 1, default: [...SECURITY_MODES], description: 'Endpoints offered' }),
    securityPolicies: Type.Array(Enum([...SECURITY_POLICIES]), { minItems: 1, default: [...SECURITY_POLICIES] }),
    allowAnonymous: Type.Boolean({ default: true }),
    users: Type.Array(
      Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1, writeOnly: true }) }, { additionalProperties: false }),
      { default: [], description: 'Accepted username/password identities' },
    ),
    startRunning: Type.Boolean({ default: false, description: 'Start the line at once instead of waiting for a "start" command' }),
    tickMs: Type.Integer({ minimum: 10, maximum: 10_000, default: 100, description: 'How often the line model advances' }),
    jamEveryS: Type.Number({ minimum: 0, default: 0, description: 'Mean time between jams while running (0: never); a jam puts the line in Fault' }),
    bulk: Type.Object(
      {
        count: Type.Integer({ minimum: 0, maximum: 100_000, default: 0, description: 'Double variables Bulk.V0 … Bulk.V{count-1}' }),
        changeEveryMs: Type.Integer({ minimum: 10, default: 1000, description: 'Every bulk variable changes this often' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type OpcuaSimulatorConfig = Static<typeof OpcuaSimulatorConfigSchema>;

/** The simulator's namespace: its NodeIds are `nsu=urn:plexus:simulator;s=FillingLine.Speed` and the like. */
export const SIMULATOR_NAMESPACE = 'urn:plexus:simulator';
