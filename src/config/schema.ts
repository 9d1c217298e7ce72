/**
 * The one configuration schema. TypeScript types, validation, API schemas and
 * UI forms all derive from it. Protocol-specific `connection` blocks are
 * validated by each driver plugin's own schema (drivers/registry.ts).
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { BYTE_ORDERS, DATA_TYPES } from '../../drivers/contract.ts';
import { OeeSchema } from '../analytics/schema.ts';
import { PipelineProperties } from '../pipeline/schema.ts';
import { Enum } from './schema-kit.ts';

export const CONFIG_VERSION = 1;

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

/** Static metadata: published in the births (Sparkplug metric properties; a device's as `Properties/<key>` metrics). */
export const PropertiesSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 100, pattern: '^[^/+#]+$' }),
  Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean()]),
  { description: 'Static metadata (location, make, model, serial number, asset id…), published in the births' },
);

/** Template parameters: a device's values (or the template's defaults) fill `{name}` and `{name+N}` in template addresses. */
const ParametersSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }),
  Type.Union([Type.String({ maxLength: 200 }), Type.Number()]),
);

export const TagSchema = Type.Object(
  {
    name: Name('Metric name of the tag; unique within its device. `group/tag` paths are fine.'),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Address in the protocol syntax (none for a computed tag)' })),
    type: Enum([...DATA_TYPES], { description: 'Data type' }),
    access: Enum(['read', 'readwrite'], { default: 'read' }),
    byteOrder: Type.Optional(Enum([...BYTE_ORDERS], { description: "Overrides the device's byte order for this tag" })),
    unit: Type.Optional(Type.String({ maxLength: 50, description: 'Engineering unit (the engUnit property of the metric)' })),
    description: Type.Optional(Type.String({ maxLength: 1000, description: 'Published as the documentation property of the metric' })),
    properties: Type.Optional(PropertiesSchema),
    ...PipelineProperties,
  },
  { additionalProperties: false },
);

/** What a device changes in one of its template's tags: any tag setting but the name, none filled with a default. */
export const TagOverrideSchema = Type.Object(
  Object.fromEntries(
    Object.entries(TagSchema.properties)
      .filter(([key]) => key !== 'name')
      .map(([key, schema]) => {
        const { default: _default, ...rest } = schema as TSchema & { default?: unknown };
        return [key, Type.Optional(rest as TSchema)];
      }),
  ),
  { additionalProperties: false, description: "Settings that replace the template's for this tag" },
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
    template: Type.Optional(
      Type.Object(
        {
          name: Name('The template the device is made from: it gets its groups and tags'),
          parameters: Type.Optional(ParametersSchema),
          overrides: Type.Optional(
            Type.Record(Type.String({ minLength: 1 }), TagOverrideSchema, { description: "Per template tag (by name): settings that replace the template's" }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    groups: Type.Array(GroupSchema, { default: [], description: "The device's own groups (besides its template's)" }),
    properties: Type.Optional(PropertiesSchema),
    oee: Type.Optional(OeeSchema),
  },
  { additionalProperties: false },
);

export const TemplateSchema = Type.Object(
  {
    name: Name('Template name'),
    protocol: Type.String({ minLength: 1, description: 'modbus, opcua or s7' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    parameters: Type.Optional(ParametersSchema),
    connection: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      description: 'Connection settings every device of the template gets unless it sets its own (e.g. port, byte order)',
    }),
    properties: Type.Optional(PropertiesSchema),
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
    templates: Type.Array(TemplateSchema, { default: [], description: 'Device models: groups and tags defined once for many devices' }),
    devices: Type.Array(DeviceSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type TagConfig = Static<typeof TagSchema>;
export type GroupConfig = Static<typeof GroupSchema>;
export type DeviceConfig = Static<typeof DeviceSchema>;
export type TemplateConfig = Static<typeof TemplateSchema>;
export type TagOverride = Static<typeof TagOverrideSchema>;
export type Properties = Static<typeof PropertiesSchema>;
export type NorthboundConfig = Static<typeof NorthboundSchema>;
export type BrokerConfig = Static<typeof BrokerSchema>;
export type SimulatorConfig = Static<typeof SimulatorSchema>;
export type Config = Static<typeof ConfigSchema>;
