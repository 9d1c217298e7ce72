/**
 * OPC UA values to tag values and back. OPC UA built-in types map one to one
 * onto our types (and so onto Sparkplug's); node-opcua carries 64-bit
 * integers as [high, low] 32-bit words, dates as Date and byte strings as
 * Buffer. Arrays are refused: sparkplug-payload 1.0.3 cannot encode them.
 */

import { coerce, isNumericType, ValueError } from '../../src/pipeline/values.ts';
import type { DataType, Quality, TagValue } from '../contract.ts';

/** OPC UA built-in data types by id (the DataType enum and the ns=0 DataType NodeIds agree). */
export const UA_TYPES: Record<number, { name: string; type?: DataType }> = {
  1: { name: 'Boolean', type: 'bool' },
  2: { name: 'SByte', type: 'int8' },
  3: { name: 'Byte', type: 'uint8' },
  4: { name: 'Int16', type: 'int16' },
  5: { name: 'UInt16', type: 'uint16' },
  6: { name: 'Int32', type: 'int32' },
  7: { name: 'UInt32', type: 'uint32' },
  8: { name: 'Int64', type: 'int64' },
  9: { name: 'UInt64', type: 'uint64' },
  10: { name: 'Float', type: 'float32' },
  11: { name: 'Double', type: 'float64' },
  12: { name: 'String', type: 'string' },
  13: { name: 'DateTime', type: 'datetime' },
  14: { name: 'Guid' },
  15: { name: 'ByteString', type: 'bytes' },
  16: { name: 'XmlElement' },
  17: { name: 'NodeId' },
  18: { name: 'ExpandedNodeId' },
  19: { name: 'StatusCode' },
  20: { name: 'QualifiedName' },
  21: { name: 'LocalizedText' },
  22: { name: 'ExtensionObject' },
  23: { name: 'DataValue' },
  24: { name: 'Variant' },
  25: { name: 'DiagnosticInfo' },
};

/** The OPC UA type a tag of this type is written as, when the node's own type is not known. */
export const UA_TYPE_OF = Object.fromEntries(Object.entries(UA_TYPES).flatMap(([id, t]) => (t.type ? [[t.type, Number(id)]] : []))) as Partial<
  Record<DataType, number>
>;

/** Tag types an OPC UA node can feed (bcd is a register encoding, not an OPC UA type). */
export const OPCUA_TAG_TYPES = Object.keys(UA_TYPE_OF) as DataType[];

/** node-opcua's [high, low] words of a 64-bit integer. */
export const toWords = (v: bigint): [number, number] => [Number((v >> 32n) & 0xffffffffn), Number(v & 0xffffffffn)];
export const fromWords = ([hi, lo]: [number, number], signed: boolean): bigint => {
  const u = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  return signed ? BigInt.asIntN(64, u) : u;
};

/** A value as node-opcua gives it (Variant.value) to a tag value of the node's own type. */
export function fromUa(uaType: number, value: unknown): TagValue {
  switch (uaType) {
    case 8:
    case 9:
      return fromWords(value as [number, number], uaType === 8);
    case 13:
      return (value as Date).getTime();
    case 15:
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return value as TagValue;
  }
}

/** A tag value to what node-opcua expects for a Variant of this type. */
export function toUa(uaType: number, value: TagValue): unknown {
  switch (uaType) {
    case 8:
    case 9:
      return toWords(BigInt(value as bigint | number));
    case 13:
      return new Date(Number(value));
    case 15:
      return Buffer.from(String(value), 'base64');
    default:
      return value;
  }
}

const family = (t: DataType) => (isNumericType(t) && t !== 'datetime' ? 'number' : t);

/**
 * Converts a node's value to the tag's type: any number fits any numeric
 * type it is in range of; otherwise the types must be the same kind.
 */
export function toTagValue(uaType: number, value: unknown, tagType: DataType): TagValue {
  const from = UA_TYPES[uaType];
  if (!from?.type) throw new ValueError(`the node holds a ${from?.name ?? `type ${uaType}`} value, which has no tag type`);
  if (family(from.type) !== family(tagType)) throw new ValueError(`type mismatch: the node holds ${from.name}, the tag is ${tagType}`);
  return coerce(fromUa(uaType, value), tagType);
}

/** The quality of an OPC UA status code: its severity bits (good, uncertain, bad). */
export function qualityOf(statusCode: number): Quality {
  const severity = statusCode >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'stale' : 'bad';
}
