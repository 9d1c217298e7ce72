/**
 * Plans a group's reads once: tags of one unit and area are sorted and merged
 * into the fewest requests the protocol allows (at most 125 registers or 2000
 * bits each, or the device's smaller limit), reading across gaps of at most
 * `maxGap` unused registers or bits.
 */
import type { DriverTag } from '../contract.ts';
import { type ModbusAddress, type ModbusArea, parseModbusAddress, sizeOf } from './address.ts';
import { MAX_READ_BITS, MAX_READ_REGISTERS } from './pdu.ts';

export interface PlannedTag {
  tag: DriverTag;
  addr: ModbusAddress;
  /** Offset in registers (or bits) from the start of its request. */
  offset: number;
}

export interface ReadRequest {
  unitId: number;
  area: ModbusArea;
  start: number;
  count: number;
  tags: PlannedTag[];
}

export interface PlanOptions {
  maxRegisters?: number;
  maxBits?: number;
  maxGap?: number;
  /** The device's unit id, for tags whose address names none. */
  unitId?: number;
  addressBase?: 0 | 1;
}

const AREAS: ModbusArea[] = ['coil', 'discrete', 'holding', 'input'];

/** Parses a tag's address (validated at config load, so a failure here is a bug). */
export function tagAddress(tag: DriverTag, addressBase: 0 | 1 = 0): ModbusAddress {
  const parsed = parseModbusAddress(tag.address, { type: tag.type, addressBase });
  if (!parsed.ok) throw new Error(`tag ${tag.name}: ${parsed.error}`);
  return parsed.address;
}

export function planReads(tags: readonly DriverTag[], opts: PlanOptions = {}): ReadRequest[] {
  const maxGap = opts.maxGap ?? 0;
  const items = tags.map((tag) => {
    const addr = tagAddress(tag, opts.addressBase);
    return { tag, addr, unitId: addr.unitId ?? opts.unitId ?? 1, size: sizeOf(tag.type, addr) };
  });
  const units = [...new Set(items.map((i) => i.unitId))].sort((a, b) => a - b);
  const requests: ReadRequest[] = [];
  for (const unitId of units) {
    for (const area of AREAS) {
      const limit = area === 'coil' || area === 'discrete' ? (opts.maxBits ?? MAX_READ_BITS) : (opts.maxRegisters ?? MAX_READ_REGISTERS);
      const inArea = items.filter((i) => i.unitId === unitId && i.addr.area === area).sort((a, b) => a.addr.address - b.addr.address);
      let current: ReadRequest | undefined;
      for (const item of inArea) {
        const start = item.addr.address;
        const end = start + item.size; // exclusive
        const currentEnd = current ? current.start + current.count : 0;
        if (current && start - currentEnd <= maxGap && Math.max(end, currentEnd) - current.start <= limit) {
          current.count = Math.max(currentEnd, end) - current.start;
        } else {
          current = { unitId, area, start, count: item.size, tags: [] };
          requests.push(current);
        }
        current.tags.push({ tag: item.tag, addr: item.addr, offset: start - current.start });
      }
    }
  }
  return requests;
}
