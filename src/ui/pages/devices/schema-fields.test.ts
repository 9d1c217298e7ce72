/** Form fields from the gateway's JSON schemas (shapes as TypeBox writes them). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allPaths,
  checkAll,
  checkValue,
  defaultsOf,
  type Field,
  fieldsOf,
  humanize,
  type JsonSchema,
  parseInput,
  rangeHint,
  setPath,
  variantDefaults,
} from './schema-fields.ts';

const connection: JsonSchema = {
  type: 'object',
  required: ['transport', 'port', 'identity'],
  properties: {
    transport: { enum: ['tcp', 'rtu-over-tcp', 'rtu'], default: 'tcp', description: 'Modbus TCP or RTU' },
    host: { type: 'string', minLength: 1, description: 'Host name or IP address' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 502 },
    timeoutMs: { type: 'integer', minimum: 10, maximum: 60000, default: 1000 },
    dataBits: { enum: [7, 8], default: 8 },
    mode: {
      anyOf: [
        { const: 'poll', type: 'string', title: 'Polled' },
        { const: 'subscribe', type: 'string' },
      ],
    },
    delay: { type: 'number', minimum: 0 },
    writeMultiple: { type: 'boolean', default: false },
    localTsap: {
      description: 'TSAP: a number, "0x0100" or "01.00"',
      anyOf: [
        { type: 'integer', minimum: 0, maximum: 65535 },
        { type: 'string', pattern: '^(0x[0-9A-Fa-f]{1,4}|[0-9A-Fa-f]{2}\\.[0-9A-Fa-f]{2})$' },
      ],
    },
    identity: {
      type: 'object',
      discriminator: { propertyName: 'kind' },
      required: ['kind'],
      oneOf: [
        { type: 'object', required: ['kind'], properties: { kind: { const: 'anonymous', type: 'string' } } },
        {
          type: 'object',
          required: ['kind', 'username', 'password'],
          properties: {
            kind: { const: 'username', type: 'string' },
            username: { type: 'string', minLength: 1 },
            password: { type: 'string', writeOnly: true },
          },
        },
      ],
    },
    subscription: {
      type: 'object',
      required: ['queueSize'],
      properties: { queueSize: { type: 'integer', minimum: 1, default: 10 }, deadband: { type: 'object', properties: { value: { type: 'number' } } } },
    },
    hosts: { type: 'array', items: { type: 'string' } },
    hasPassword: { type: 'boolean', readOnly: true },
  },
};

const byKey = (fields: Field[]) => Object.fromEntries(fields.map((f) => [f.key, f]));

describe('schema fields', () => {
  const fields = fieldsOf(connection, 'connection');
  const f = byKey(fields);

  it('makes a field of every kind, with paths that match the API error paths', () => {
    assert.deepEqual(
      fields.map((x) => [x.key, x.kind]),
      [
        ['transport', 'enum'],
        ['host', 'text'],
        ['port', 'integer'],
        ['timeoutMs', 'integer'],
        ['dataBits', 'enum'],
        ['mode', 'enum'],
        ['delay', 'number'],
        ['writeMultiple', 'boolean'],
        ['localTsap', 'textOrNumber'],
        ['identity', 'union'],
        ['subscription', 'object'],
        ['hosts', 'list'],
      ],
      'read-only properties are left out',
    );
    assert.equal(f.port?.path, 'connection.port');
    assert.deepEqual(f.mode?.options, [
      { value: 'poll', label: 'Polled' },
      { value: 'subscribe', label: 'subscribe' },
    ]);
    assert.deepEqual(
      f.dataBits?.options?.map((o) => o.value),
      [7, 8],
    );
    const username = f.identity?.variants?.[1]?.fields;
    assert.deepEqual(
      username?.map((x) => [x.path, x.kind]),
      [
        ['connection.identity.username', 'text'],
        ['connection.identity.password', 'password'],
      ],
    );
    assert.ok(allPaths(fields).includes('connection.subscription.deadband.value'));
  });

  it('labels and units from property names, help from descriptions, and a range hint', () => {
    assert.deepEqual(humanize('delayBetweenRequestsMs'), { label: 'Delay between requests', unit: 'ms' });
    assert.deepEqual(humanize('unitId'), { label: 'Unit ID', unit: undefined });
    assert.deepEqual(humanize('endpointUrl'), { label: 'Endpoint URL', unit: undefined });
    assert.deepEqual(humanize('keepaliveS'), { label: 'Keepalive', unit: 's' });
    assert.deepEqual(humanize('baudRate'), { label: 'Baud rate', unit: 'bit/s' });
    assert.equal(f.host?.help, 'Host name or IP address');
    assert.equal(rangeHint(f.timeoutMs as Field), '10–60000 ms · default 1000 ms');
  });

  it('fills defaults, required objects and the first shape of a union', () => {
    assert.deepEqual(defaultsOf(fields), {
      transport: 'tcp',
      port: 502,
      timeoutMs: 1000,
      dataBits: 8,
      writeMultiple: false,
      identity: { kind: 'anonymous' },
    });
    assert.deepEqual(variantDefaults(f.identity as Field, 'username'), { kind: 'username' });
    const deadband = fieldsOf({
      type: 'object',
      required: ['kind', 'value'],
      properties: { kind: { enum: ['absolute', 'percent'] }, value: { type: 'number' } },
    });
    assert.deepEqual(defaultsOf(deadband), { kind: 'absolute' }, 'a required choice starts at its first option');
  });

  it('turns typed text into values: numbers stay numbers, enums keep their type, empty is unset', () => {
    assert.equal(parseInput(f.port as Field, ' 1502 '), 1502);
    assert.equal(parseInput(f.port as Field, ''), undefined);
    assert.equal(parseInput(f.port as Field, '5o2'), '5o2');
    assert.equal(parseInput(f.dataBits as Field, '7'), 7);
    assert.equal(parseInput(f.localTsap as Field, '256'), 256);
    assert.equal(parseInput(f.localTsap as Field, '01.00'), '01.00');
    assert.deepEqual(parseInput(f.hosts as Field, 'a\nb, c\n'), ['a', 'b', 'c']);
  });

  it('checks values before the gateway does', () => {
    assert.equal(checkValue(f.port as Field, 70000), 'must be at most 65535');
    assert.equal(checkValue(f.port as Field, '5o2'), 'must be a whole number');
    assert.equal(checkValue(f.port as Field, 1.5), 'must be a whole number');
    assert.equal(checkValue(f.port as Field, undefined), undefined, 'a default fills it');
    assert.equal(checkValue(f.localTsap as Field, 'zz'), 'is not valid: TSAP: a number, "0x0100" or "01.00"');
    assert.equal(checkValue(f.localTsap as Field, '0x0100'), undefined);
    const password = f.identity?.variants?.[1]?.fields[1] as Field;
    assert.equal(checkValue(password, undefined, {}), 'is required');
    assert.equal(checkValue(password, undefined, { hasPassword: true }), undefined, 'a stored password is kept when left empty');
    assert.deepEqual(checkAll(fields, { transport: 'tcp', port: 0, host: '', identity: { kind: 'username', username: '' } }), {
      'connection.port': 'must be at least 1',
      'connection.identity.username': 'is required',
      'connection.identity.password': 'is required',
    });
    assert.deepEqual(
      checkAll(fields, { port: 0, identity: { kind: 'anonymous' } }, (x) => x.key !== 'port'),
      {},
      'hidden fields are not checked',
    );
  });

  it('sets nested values without touching the original', () => {
    const before = { connection: { port: 1, identity: { kind: 'anonymous' } } };
    const after = setPath(before, 'connection.identity.kind', 'username');
    assert.deepEqual(after, { connection: { port: 1, identity: { kind: 'username' } } });
    assert.equal(before.connection.identity.kind, 'anonymous');
    assert.deepEqual(setPath(after, 'connection.port', undefined), { connection: { identity: { kind: 'username' } } });
  });
});

describe('name = value fields (metadata, parameters)', () => {
  const [f] = fieldsOf({
    type: 'object',
    properties: {
      properties: {
        type: 'object',
        patternProperties: { '^[^/+#]+$': { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
      },
    },
  });
  it('reads one name = value a line, numbers and true/false kept as such (but not a serial number with leading zeros), and names a line it cannot read', () => {
    assert.equal(f?.kind, 'record');
    const field = f as Field;
    const value = parseInput(field, 'location = Hall 2\n serialNumber = 0042 \nengHigh=1000\ncalibrated = true\n\n');
    assert.deepEqual(value, { location: 'Hall 2', serialNumber: '0042', engHigh: 1000, calibrated: true });
    assert.equal(checkValue(field, value), undefined);
    assert.equal(checkValue(field, parseInput(field, 'model')), '"model" has no value');
    assert.equal(checkValue(field, parseInput(field, 'a/b = 1')), '"a/b" is not a valid name');
    assert.equal(parseInput(field, '  '), undefined);
  });
});
