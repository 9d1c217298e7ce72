/**
 * Modbus tag addresses. Two forms are accepted:
 *  - ours: an area and a zero-based protocol address, `HR100`, `IR7`, `CO12`, `DI4`,
 *    and a bit of a register as `HR100.3`;
 *  - Modicon numbers, one-based: `40001` (= HR0), `30001`, `10001`, `00001`,
 *    and their six-digit forms `400001`…`465536`.
 */
import type { DataType } from '../contract.ts';

export type ModbusArea = 'coil' | 'discrete' | 'input' | 'holding';

export interface ModbusAddress {
  area: ModbusArea;
  /** Zero-based protocol address. */
  address: number;
  /** Bit 0 (least significant) to 15 of a register. */
  bit?: number;
}

export type ParseResult = { ok: true; address: ModbusAddress } | { ok: false; error: string };

const PREFIXES: Record<string, ModbusArea> = { HR: 'holding', IR: 'input', CO: 'coil', DI: 'discrete' };
const MODICON: Record<string, ModbusArea> = { '0': 'coil', '1': 'discrete', '3': 'input', '4': 'holding' };

const fail = (error: string, position: number): ParseResult => ({ ok: false, error: `${error} (at position ${position})` });

export function parseModbusAddress(text: string): ParseResult {
  const m = /^([A-Za-z]{2})?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) {
    const bad = text.trim().search(/[^A-Za-z0-9.]/);
    return fail(
      `"${text}" is not a Modbus address: use HR<n>, IR<n>, CO<n>, DI<n> (zero-based), HR<n>.<bit>, or a Modicon number such as 40001`,
      bad >= 0 ? bad + 1 : 1,
    );
  }
  const [, prefix, digits = '', bitText] = m;
  let area: ModbusArea;
  let address: number;
  if (prefix) {
    const known = PREFIXES[prefix.toUpperCase()];
    if (!known) return fail(`unknown area "${prefix}": use HR, IR, CO or DI`, 1);
    area = known;
    address = Number(digits);
    if (address > 65535) return fail(`address ${address} is above 65535`, 3);
  } else {
    if (digits.length !== 5 && digits.length !== 6) {
      return fail(`Modicon address "${digits}" must have 5 or 6 digits (e.g. 40001 or 400001)`, 1);
    }
    const known = MODICON[digits[0] as string];
    if (!known) return fail(`Modicon address must start with 0, 1, 3 or 4, not ${digits[0]}`, 1);
    area = known;
    const oneBased = Number(digits.slice(1));
    const max = digits.length === 5 ? 9999 : 65536;
    if (oneBased < 1 || oneBased > max) return fail(`Modicon register number ${oneBased} is outside 1..${max}`, 2);
    address = oneBased - 1;
  }
  if (bitText === undefined) return { ok: true, address: { area, address } };
  const bitPos = text.indexOf('.') + 2;
  if (area === 'coil' || area === 'discrete') return fail('a bit number applies to registers only, not to coils or discrete inputs', bitPos);
  const bit = Number(bitText);
  if (bit > 15) return fail(`bit ${bit} is outside 0..15`, bitPos);
  return { ok: true, address: { area, address, bit } };
}

/** Registers (or bits, for coils and discrete inputs) a value of this type occupies. */
export function sizeOf(type: DataType, addr: ModbusAddress): number {
  if (addr.area === 'coil' || addr.area === 'discrete' || addr.bit !== undefined) return 1;
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 4;
    case 'string':
      return 0;
  }
}

/** Why this address cannot hold a value of this type, or undefined if it can. */
export function checkModbusTag(address: string, type: DataType): string | undefined {
  const parsed = parseModbusAddress(address);
  if (!parsed.ok) return parsed.error;
  const addr = parsed.address;
  if (type === 'string') return 'type string is not supported by the Modbus driver yet';
  const isBitArea = addr.area === 'coil' || addr.area === 'discrete';
  if (isBitArea && type !== 'bool') return `${addr.area === 'coil' ? 'coils' : 'discrete inputs'} hold bool values, not ${type}`;
  if (addr.bit !== undefined && type !== 'bool') return `a bit of a register (${address}) is a bool, not ${type}`;
  if (!isBitArea && addr.bit === undefined && type === 'bool') return `a bool in a register needs a bit number, e.g. ${address}.0`;
  const end = addr.address + sizeOf(type, addr) - 1;
  if (end > 65535) return `a ${type} at ${address} runs past register 65535`;
  return undefined;
}
