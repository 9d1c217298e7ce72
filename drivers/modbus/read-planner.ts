/**
 * Plans a group's reads once: tags of one area are sorted and merged into the
 * fewest requests the protocol allows (at most 125 registers or 2000 bits each),
 * reading across gaps of at most `maxGap` unused registers or bits.
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
  area: ModbusArea;
  start: number;
  count: number;
  tags: PlannedTag[];
}

export interface PlanOptions {
  maxRegisters?: number;
  maxBits?: number;
  maxGap?: number;
}

const AREAS: ModbusArea[] = ['coil', 'discrete', 'holding', 'input'];

export function planReads(tags: readonly DriverTag[], opts: PlanOptions = {}): ReadRequest[] {
  const maxGap = opts.maxGap ?? 0;
  const items = tags.map((tag) => {
    const parsed = parseModbusAddress(tag.address);
    if (!parsed.ok) throw new Error(`tag ${tag.name}: ${parsed.error}`);
    return { tag, addr: parsed.address, size: sizeOf(tag.type, parsed.address) };
  });
  const requests: ReadRequest[] = [];
  for (const area of AREAS) {
    const limit = area === 'coil' || area === 'discrete' ? (opts.maxBits ?? MAX_READ_BITS) : (opts.maxRegisters ?? MAX_READ_REGISTERS);
    const inArea = items.filter((i) => i.addr.area === area).sort((a, b) => a.addr.address - b.addr.address);
    let current: ReadRequest | undefined;
    for (const item of inArea) {
      const start = item.addr.address;
      const end = start + item.size; // exclusive
      const currentEnd = current ? current.start + current.count : 0;
      if (current && start - currentEnd <= maxGap && Math.max(end, currentEnd) - current.start <= limit) {
        current.count = Math.max(currentEnd, end) - current.start;
      } else {
        current = { area, start, count: item.size, tags: [] };
        requests.push(current);
      }
      current.tags.push({ tag: item.tag, addr: item.addr, offset: start - current.start });
    }
  }
  return requests;
}
