import { type Static, Type } from '@sinclair/typebox';
import { MAX_ITEMS } from './read-planner.ts';

/** A TSAP as a number (0x0100 = 256) or as written in LOGO!Soft and TIA Portal: "01.00" or "0x0100". */
const Tsap = Type.Union([Type.Integer({ minimum: 0, maximum: 0xffff }), Type.String({ pattern: '^(0x[0-9A-Fa-f]{1,4}|[0-9A-Fa-f]{2}\\.[0-9A-Fa-f]{2})$' })], {
  description: 'TSAP: a number, "0x0100" or "01.00"',
});

/** The `connection` block of an S7 device. */
export const S7ConnectionSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or IP address of the PLC (or its CP)' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 102, description: 'ISO-on-TCP port' }),
    rack: Type.Integer({ minimum: 0, maximum: 7, default: 0 }),
    slot: Type.Integer({ minimum: 0, maximum: 31, default: 1, description: 'CPU slot: 1 for S7-1200/1500, 2 for S7-300, as configured for S7-400' }),
    localTsap: Type.Optional(Tsap),
    remoteTsap: Type.Optional(Tsap),
    pduSize: Type.Integer({
      minimum: 240,
      maximum: 960,
      default: 960,
      description: 'PDU size to ask for; the PLC may grant less (S7-300 and S7-1200: 240, S7-1500: 960)',
    }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 1500, description: 'Timeout of one request (and of each connection step)' }),
    maxGap: Type.Integer({ minimum: 0, maximum: 256, default: 16, description: 'Largest run of unused bytes to read across' }),
    maxItemsPerRequest: Type.Integer({ minimum: 1, maximum: MAX_ITEMS, default: MAX_ITEMS }),
  },
  { additionalProperties: false },
);

export type S7Connection = Static<typeof S7ConnectionSchema>;

/** A TSAP setting as a number. */
export function tsap(value: number | string | undefined): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  if (value.includes('.') && !value.startsWith('0x')) return Number.parseInt(value.replace('.', ''), 16);
  return Number.parseInt(value.replace(/^0x/, ''), 16);
}

/** Settings that must hold together. */
export function checkS7Devices(devices: { name: string; connection: S7Connection }[]) {
  const problems: { device: number; path: string; message: string }[] = [];
  devices.forEach(({ connection: c }, i) => {
    if ((c.localTsap === undefined) !== (c.remoteTsap === undefined)) {
      problems.push({
        device: i,
        path: `connection.${c.localTsap === undefined ? 'localTsap' : 'remoteTsap'}`,
        message: 'is needed with the other TSAP (give both, or rack and slot)',
      });
    }
  });
  return problems;
}
