/**
 * Sparkplug B payload encoding through the protobuf message of
 * sparkplug-payload (its static protobufjs code), which avoids the library's
 * encoder pitfalls (SPARKPLUG.md): every metric gets a datatype, 64-bit values
 * go as Long without precision loss, and arrays are never sent half-encoded.
 */
import { createRequire } from 'node:module';
import type Long from 'long';
import type { DataType, Quality, TagValue } from '../../drivers/contract.ts';

const require = createRequire(import.meta.url);
const proto = require('sparkplug-payload/lib/sparkplugPayloadProto.js');
const LongImpl: typeof Long = require('long');
export const PayloadMessage = proto.org.eclipse.tahu.protobuf.Payload;

/** Sparkplug B datatype numbers (specification, section 6.4.16). */
export const SparkplugType = {
  Int8: 1,
  Int16: 2,
  Int32: 3,
  Int64: 4,
  UInt8: 5,
  UInt16: 6,
  UInt32: 7,
  UInt64: 8,
  Float: 9,
  Double: 10,
  Boolean: 11,
  String: 12,
  DateTime: 13,
  Bytes: 17,
} as const;

export const SPARKPLUG_TYPE_OF: Record<DataType, number> = {
  bool: SparkplugType.Boolean,
  int8: SparkplugType.Int8,
  uint8: SparkplugType.UInt8,
  int16: SparkplugType.Int16,
  uint16: SparkplugType.UInt16,
  int32: SparkplugType.Int32,
  uint32: SparkplugType.UInt32,
  int64: SparkplugType.Int64,
  uint64: SparkplugType.UInt64,
  float32: SparkplugType.Float,
  float64: SparkplugType.Double,
  string: SparkplugType.String,
  bcd16: SparkplugType.UInt16,
  bcd32: SparkplugType.UInt32,
  datetime: SparkplugType.DateTime,
  bytes: SparkplugType.Bytes,
};

/** Quality codes carried in the metric's `Quality` property (Int32). */
export const QUALITY_CODE: Record<Quality, number> = { good: 192, bad: 0, stale: 500 };

export interface MetricOut {
  name?: string;
  alias?: number;
  timestamp: number;
  datatype: number;
  value: TagValue | null;
  isHistorical?: boolean;
  /** Set when the Quality property must be sent (not good, or good again after not good). */
  quality?: Quality;
  /** Static metadata, sent in births (Ignition reads engUnit, documentation… as tag properties). */
  properties?: Readonly<Record<string, PropertyValue>>;
}

export type PropertyValue = string | number | boolean;

/** A Sparkplug PropertyValue: whole numbers as Int32 or Int64, others as Double. */
function toPropertyValue(value: PropertyValue): ProtoMetric {
  if (typeof value === 'string') return { type: SparkplugType.String, stringValue: value };
  if (typeof value === 'boolean') return { type: SparkplugType.Boolean, booleanValue: value };
  if (!Number.isInteger(value)) return { type: SparkplugType.Double, doubleValue: value };
  if (value >= -(2 ** 31) && value < 2 ** 31) return { type: SparkplugType.Int32, intValue: value >>> 0 };
  return { type: SparkplugType.Int64, longValue: LongImpl.fromNumber(value) };
}

// biome-ignore lint/suspicious/noExplicitAny: the protobufjs message object is untyped here
type ProtoMetric = Record<string, any>;

function toLong(value: TagValue, unsigned: boolean): Long {
  if (typeof value === 'bigint') return LongImpl.fromString(value.toString(), unsigned);
  return LongImpl.fromNumber(Number(value), unsigned);
}

function setValue(m: ProtoMetric, datatype: number, value: TagValue) {
  switch (datatype) {
    case SparkplugType.Int8:
    case SparkplugType.Int16:
    case SparkplugType.Int32:
    case SparkplugType.UInt8:
    case SparkplugType.UInt16:
      m.intValue = Number(value) >>> 0;
      return;
    case SparkplugType.Int64:
      m.longValue = toLong(value, false);
      return;
    case SparkplugType.UInt32:
    case SparkplugType.UInt64:
    case SparkplugType.DateTime:
      m.longValue = toLong(value, true);
      return;
    case SparkplugType.Float:
      m.floatValue = Number(value);
      return;
    case SparkplugType.Double:
      m.doubleValue = Number(value);
      return;
    case SparkplugType.Boolean:
      m.booleanValue = Boolean(value);
      return;
    case SparkplugType.String:
      m.stringValue = String(value);
      return;
    case SparkplugType.Bytes:
      m.bytesValue = Buffer.from(String(value), 'base64');
      return;
    default:
      throw new Error(`datatype ${datatype} cannot be encoded`);
  }
}

function toProto(metric: MetricOut): ProtoMetric {
  const m: ProtoMetric = { timestamp: LongImpl.fromNumber(metric.timestamp, true), datatype: metric.datatype };
  if (metric.name !== undefined) m.name = metric.name;
  if (metric.alias !== undefined) m.alias = LongImpl.fromNumber(metric.alias, true);
  if (metric.isHistorical) m.isHistorical = true;
  if (metric.value === null) m.isNull = true;
  else setValue(m, metric.datatype, metric.value);
  const keys: string[] = [];
  const values: ProtoMetric[] = [];
  for (const [key, value] of Object.entries(metric.properties ?? {})) {
    keys.push(key);
    values.push(toPropertyValue(value));
  }
  if (metric.quality !== undefined) {
    keys.push('Quality');
    values.push({ type: SparkplugType.Int32, intValue: QUALITY_CODE[metric.quality] });
  }
  if (keys.length > 0) m.properties = { keys, values };
  return m;
}

export function encodePayload(timestamp: number, metrics: MetricOut[], seq?: number): Uint8Array {
  const payload: ProtoMetric = { timestamp: LongImpl.fromNumber(timestamp, true), metrics: metrics.map(toProto) };
  if (seq !== undefined) payload.seq = LongImpl.fromNumber(seq, true);
  return PayloadMessage.encode(payload).finish();
}
