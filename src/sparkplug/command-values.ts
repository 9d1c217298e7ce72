/**
 * The value a DCMD metric carries, read against the datatype of our own birth
 * for that metric (a command may omit its datatype, SPARKPLUG.md): a metric
 * with no value field is refused, never taken as 0.
 */
import type { TagValue } from '../../drivers/contract.ts';
import { SparkplugType } from './codec.ts';
import type { CommandMetric } from './command-decoder.ts';

const TYPE_NAME: Record<number, string> = Object.fromEntries(Object.entries(SparkplugType).map(([name, n]) => [n, name]));

export function commandValue(m: CommandMetric, datatype: number): { value: TagValue } | { error: string } {
  const typeName = TYPE_NAME[datatype] ?? `datatype ${datatype}`;
  if (m.datatype !== undefined && m.datatype !== datatype) {
    return { error: `the command says ${TYPE_NAME[m.datatype] ?? `datatype ${m.datatype}`}, the tag is ${typeName}` };
  }
  const v = m.value;
  if (m.isNull || !v) return { error: 'the metric carries no value' };
  const wrong = { error: `a ${typeName} value was expected, the metric carries a ${v.field} value` };
  switch (datatype) {
    case SparkplugType.Int8:
    case SparkplugType.Int16:
    case SparkplugType.Int32: {
      const bits = datatype === SparkplugType.Int8 ? 8 : datatype === SparkplugType.Int16 ? 16 : 32;
      // int_value carries the two's complement in 32 bits; a value beyond the type's range is refused later.
      if (v.field === 'int') return { value: bits === 32 ? v.value | 0 : signExtend(v.value, bits) };
      if (v.field === 'long') return { value: Number(BigInt.asIntN(64, v.value)) };
      return wrong;
    }
    case SparkplugType.UInt8:
    case SparkplugType.UInt16:
    case SparkplugType.UInt32:
      if (v.field === 'int') return { value: v.value };
      if (v.field === 'long') return { value: Number(v.value) };
      return wrong;
    case SparkplugType.Int64:
      if (v.field === 'long') return { value: BigInt.asIntN(64, v.value) };
      if (v.field === 'int') return { value: v.value | 0 };
      return wrong;
    case SparkplugType.UInt64:
      if (v.field === 'long') return { value: v.value };
      if (v.field === 'int') return { value: v.value };
      return wrong;
    case SparkplugType.Float:
    case SparkplugType.Double:
      if (v.field === 'float' || v.field === 'double') return { value: v.value };
      return wrong;
    case SparkplugType.Boolean:
      return v.field === 'bool' ? { value: v.value } : wrong;
    case SparkplugType.String:
      return v.field === 'string' ? { value: v.value } : wrong;
    default:
      return { error: `${typeName} metrics cannot be written` };
  }
}

/**
 * Int8 and Int16 arrive as 32-bit two's complement (−3 is 0xFFFFFFFD) or, from
 * some peers, as the type's own width (0xFFFD): both read as −3. A value that
 * fits neither is passed on as it is, and refused by the range check.
 */
function signExtend(raw: number, bits: number): number {
  const asInt32 = raw | 0;
  const min = -(2 ** (bits - 1));
  const max = 2 ** (bits - 1) - 1;
  if (asInt32 >= min && asInt32 <= max) return asInt32;
  if (raw >= 0 && raw < 2 ** bits) return raw >= 2 ** (bits - 1) ? raw - 2 ** bits : raw;
  return asInt32;
}
