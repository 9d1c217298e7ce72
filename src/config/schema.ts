/**
 * The one configuration schema. TypeScript types, validation, API schemas and
 * UI forms all derive from it. Protocol-specific `connection` blocks are
 * validated by each driver plugin's own schema (drivers/registry.ts).
 */
import { type Static, Type } from '@sinclair/typebox';
import { BYTE_ORDERS, DATA_TYPES } from '../../drivers/contract.ts';
import { OeeSchema } from '../analytics/schema.ts';
import { PipelineProperties } from '../pipeline/schema.ts';
import { Enum } from './schema-kit.ts';

export const CONFIG_VERSION = 1;

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

export const TagSchema = Type.Object(
  {
    name: Name('Metric name of the tag; unique within its device. `group/tag` paths are fine.'),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Address in the protocol syntax (none for a computed tag)' })),
    type: Enum([...DATA_TYPES], { description: 'Data type' }),
    access: Enum(['read', 'readwrite'], { default: 'read' }),
    byteOrder: Type.Optional(Enum([...BYTE_ORDERS], { description: "Overrides the device's byte order for this tag" })),
    unit: Type.Optional(Type.String({ maxLength: 50 })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    ...PipelineProperties,
  },
  { additionalProperties: false },
);

export const GroupSchema = Type.Object(
  {
    name: Name('Group name, unique within its device'),
    intervalMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 1000, description: 'Poll interval (sampling interval in subscribe mode)' }),
    mode: Enum(['poll', 'subscribe'], { default: 'poll', description: 'poll: read every interval; subscribe: the server reports changes (OPC UA)' }),
    subscription: Type.Optional(
      Type.Object(
        {
          queueSize: Type.Integer({ minimum: 1, maximum: 10_000, default: 10, description: 'Values the server queues per item between publishes' }),
          deadband: Type.Optional(
            Type.Object(
              { kind: Enum(['absolute', 'percent']), value: Type.Number({ minimum: 0 }) },
              { additionalProperties: false, description: 'Data-change deadband applied by the server' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    tags: Type.Array(TagSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export const DeviceSchema = Type.Object(
  {
    name: Name('Device name; becomes the Sparkplug device id'),
    protocol: Type.String({ minLength: 1, description: 'modbus' }),
    enabled: Type.Boolean({ default: true }),
    readOnly: Type.Boolean({ default: false, description: 'Refuse every write to this device (commissioning, audits)' }),
    connection: Type.Record(Type.String(), Type.Unknown(), { description: 'Protocol-specific settings' }),
    groups: Type.Array(GroupSchema, { default: [] }),
    oee: Type.Optional(OeeSchema),
  },
  { additionalProperties: false },
);

export const BrokerSchema = Type.Object(
  {
    url: Type.String({ pattern: '^(mqtt|mqtts|tcp|ssl)://', description: 'mqtt://host:port or mqtts://host:port' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String({ writeOnly: true, description: 'Never returned by the API; leave it out to keep the stored one, "" to clear it' })),
    hasPassword: Type.Optional(Type.Boolean({ readOnly: true, description: 'Set by the API when a password is stored; ignored when sent' })),
    tls: Type.Optional(
      Type.Object(
        {
          ca: Type.Optional(
            Type.String({ minLength: 1, description: "CA certificate file (PEM) the broker's certificate must chain to; default: the system's CAs" }),
          ),
          cert: Type.Optional(Type.String({ minLength: 1, description: 'Client certificate file (PEM), for brokers that want one (mutual TLS)' })),
          key: Type.Optional(Type.String({ minLength: 1, description: 'Private key file (PEM) of the client certificate' })),
          passphrase: Type.Optional(Type.String({ writeOnly: true, description: 'Passphrase of an encrypted key; never returned by the API' })),
          hasPassphrase: Type.Optional(Type.Boolean({ readOnly: true, description: 'Set by the API when a passphrase is stored; ignored when sent' })),
          servername: Type.Optional(Type.String({ minLength: 1, description: 'Host name to verify when the URL has an IP address' })),
          verifyHostname: Type.Boolean({ default: true, description: 'Check that the certificate is for this host (turn off only on a test bench)' }),
        },
        { additionalProperties: false, description: 'TLS settings of an mqtts:// broker' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const NorthboundSchema = Type.Object(
  {
    brokers: Type.Array(BrokerSchema, { minItems: 1 }),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    groupId: Name('Sparkplug group id'),
    edgeNodeId: Name('Sparkplug edge node id'),
    primaryHostId: Type.Optional(Name('Sparkplug primary host application id')),
    mqttVersion: Enum(['3.1.1', '5'], { default: '3.1.1', description: 'MQTT protocol version' }),
    keepaliveS: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 30,
      description: 'MQTT keepalive; a connection silent for 1.5 times this is closed and made again',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
    store: Type.Object(
      {
        maxBytes: Type.Optional(
          Type.Integer({
            minimum: 65_536,
            description: 'Largest size of stored values; the oldest go first. Default: a quarter of the disk space free at start, at most 4 GiB',
          }),
        ),
        maxAgeS: Type.Optional(Type.Integer({ minimum: 1, description: 'Values older than this are dropped' })),
        replayMaxBatchesPerSecond: Type.Optional(
          Type.Integer({ minimum: 1, description: 'Limit on stored updates sent per second after a reconnect (slow or metered links)' }),
        ),
      },
      { additionalProperties: false, default: {}, description: 'Store-and-forward limits' },
    ),
  },
  { additionalProperties: false },
);

export const ApiSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  },
  { additionalProperties: false, default: {} },
);

export const EmbeddedBrokerSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
  },
  { additionalProperties: false, default: {} },
);

export const WritesSchema = Type.Object(
  {
    readOnly: Type.Boolean({ default: false, description: 'Refuse every write (the API can also switch this at run time)' }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000, description: 'Longest wait for a write and its read-back' }),
    auditMaxEntries: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000, description: 'Newest write attempts kept in the audit log' }),
  },
  { additionalProperties: false, default: {} },
);

export const SimulatorSchema = Type.Object(
  {
    protocol: Type.String({ minLength: 1 }),
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    config: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, default: CONFIG_VERSION }),
    northbound: NorthboundSchema,
    api: ApiSchema,
    broker: EmbeddedBrokerSchema,
    writes: WritesSchema,
    simulators: Type.Array(SimulatorSchema, { default: [], description: 'Bundled simulators started with the gateway (demo)' }),
    devices: Type.Array(DeviceSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type TagConfig = Static<typeof TagSchema>;
export type GroupConfig = Static<typeof GroupSchema>;
export type DeviceConfig = Static<typeof DeviceSchema>;
export type NorthboundConfig = Static<typeof NorthboundSchema>;
export type BrokerConfig = Static<typeof BrokerSchema>;
export type SimulatorConfig = Static<typeof SimulatorSchema>;
export type Config = Static<typeof ConfigSchema>;
