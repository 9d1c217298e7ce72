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
    case SparkplugType.Int32:
      // int_value carries the two's complement in 32 bits (−3 is 0xFFFFFFFD); a value beyond the type's range is refused later.
      if (v.field === 'int') return { value: v.value | 0 };
      if (v.field === 'long') return { value: Number(BigInt.asIntN(64, v.value)) };
      return wrong;
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
    case SparkplugType.DateTime:
      return v.field === 'long' ? { value: Number(v.value) } : wrong;
    case SparkplugType.Bytes:
      return v.field === 'bytes' ? { value: v.value } : wrong;
    default:
      return { error: `${typeName} metrics cannot be written` };
  }
}
