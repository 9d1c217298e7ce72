/**
 * What the schema cannot say about a protocol's form: which settings most
 * people set (the rest go under "Advanced settings"), which apply only with
 * another setting (Modbus serial settings with transport rtu), how its
 * addresses look, and the step between consecutive addresses of a type.
 * A protocol not listed here still gets a complete form from its schema.
 */

export interface ProtocolHints {
  label: string;
  /** Connection settings shown first; the rest fold under "Advanced settings". */
  basic: string[];
  /** Settings that apply only to some values of the others. */
  visible?: Record<string, (connection: Record<string, unknown>) => boolean>;
  /** Settings the schema leaves optional that a value of another makes necessary (Modbus host for TCP). */
  requiredWhen?: Record<string, (connection: Record<string, unknown>) => boolean>;
  /** One line about a connection, for a folded settings section. */
  summary: (connection: Record<string, unknown>) => string;
  /** How addresses are written (when the gateway does not say). */
  addressHelp: string;
  addressExample: string;
  /** Address of the first tag of a new range, per tag type. */
  rangeStart: (type: string) => string;
}

const modbusTransport = (c: Record<string, unknown>) => (typeof c.transport === 'string' ? c.transport : 'tcp');

export const PROTOCOL_HINTS: Record<string, ProtocolHints> = {
  modbus: {
    label: 'Modbus',
    basic: ['transport', 'host', 'port', 'serialPort', 'baudRate', 'parity', 'dataBits', 'stopBits', 'unitId', 'byteOrder', 'addressBase'],
    visible: {
      host: (c) => modbusTransport(c) !== 'rtu',
      port: (c) => modbusTransport(c) !== 'rtu',
      serialPort: (c) => modbusTransport(c) === 'rtu',
      baudRate: (c) => modbusTransport(c) !== 'tcp',
      parity: (c) => modbusTransport(c) !== 'tcp',
      dataBits: (c) => modbusTransport(c) !== 'tcp',
      stopBits: (c) => modbusTransport(c) !== 'tcp',
      interFrameDelayMs: (c) => modbusTransport(c) !== 'tcp',
    },
    requiredWhen: {
      host: (c) => modbusTransport(c) !== 'rtu',
      serialPort: (c) => modbusTransport(c) === 'rtu',
    },
    summary: (c) => {
      const unit = `unit ${String(c.unitId ?? 1)}`;
      if (modbusTransport(c) === 'rtu') return `RTU on ${String(c.serialPort ?? '?')} at ${String(c.baudRate ?? 9600)} bit/s, ${unit}`;
      return `${modbusTransport(c) === 'tcp' ? 'TCP' : 'RTU over TCP'} ${String(c.host ?? '?')}:${String(c.port ?? 502)}, ${unit}`;
    },
    addressHelp:
      'HR100, IR7, CO12, DI4 (counted from 0, or from 1 with address base 1); HR100.3 is bit 3 of a register; HR20.10 a 10-character string; Modicon numbers 40001 or 400001 (one-based).',
    addressExample: '40001',
    rangeStart: (type) => (type === 'bool' ? '00001' : '40001'),
  },
  s7: {
    label: 'Siemens S7',
    basic: ['host', 'port', 'rack', 'slot'],
    summary: (c) => `${String(c.host ?? '?')}:${String(c.port ?? 102)}, rack ${String(c.rack ?? 0)}, slot ${String(c.slot ?? 1)}`,
    addressHelp: 'DB1,REAL0 · DB1,INT2 · DB1,DINT4 · DB1,X8.3 (bit 3 of byte 8) · DB1,S20.32 (STRING[32]) · DB1.DBD12 · MW12 · M10.0 · I0.0 · Q0.1',
    addressExample: 'DB1,REAL0',
    rangeStart: (type) => {
      const letter: Record<string, string> = {
        bool: 'X0.0',
        int8: 'SINT0',
        uint8: 'BYTE0',
        int16: 'INT0',
        uint16: 'WORD0',
        int32: 'DINT0',
        uint32: 'DWORD0',
        float32: 'REAL0',
        float64: 'LREAL0',
        int64: 'LINT0',
        uint64: 'ULINT0',
        string: 'S0.32',
      };
      return `DB1,${letter[type] ?? '0'}`;
    },
  },
  opcua: {
    label: 'OPC UA',
    basic: ['endpointUrl', 'securityMode', 'securityPolicy', 'identity'],
    summary: (c) => {
      const kind = (c.identity as { kind?: string } | undefined)?.kind;
      return `${String(c.endpointUrl ?? '?')}, security ${String(c.securityMode ?? 'None')}${kind && kind !== 'anonymous' ? `, ${kind} identity` : ''}`;
    },
    addressHelp: 'A NodeId: ns=2;s=Line1.Speed, ns=3;i=1001, or nsu=urn:vendor:server;s=Tag (survives a renumbered namespace).',
    addressExample: 'ns=2;s=Line1.Speed',
    rangeStart: () => 'ns=2;i=1000',
  },
};

export const protocolLabel = (p: string) => PROTOCOL_HINTS[p]?.label ?? p;

/** True when a setting of `protocol` applies to this connection value. */
export function settingVisible(protocol: string, key: string, connection: Record<string, unknown>): boolean {
  const rule = PROTOCOL_HINTS[protocol]?.visible?.[key];
  return rule ? rule(connection) : true;
}

/** True when a setting goes under "Advanced settings". Unknown protocols: settings with a default are advanced. */
export function isAdvanced(protocol: string, key: string, hasDefault: boolean): boolean {
  const hints = PROTOCOL_HINTS[protocol];
  return hints ? !hints.basic.includes(key) : hasDefault;
}

/** Connection fields with the requirements that depend on other settings applied. */
export function withConditionalRequired<F extends { key: string; required: boolean }>(protocol: string, fields: F[], connection: Record<string, unknown>): F[] {
  const rules = PROTOCOL_HINTS[protocol]?.requiredWhen;
  if (!rules) return fields;
  return fields.map((f) => (rules[f.key]?.(connection) ? { ...f, required: true } : f));
}

/** One line about a device's connection. */
export function connectionSummary(protocol: string, connection: Record<string, unknown>): string {
  const hints = PROTOCOL_HINTS[protocol];
  if (hints) return hints.summary(connection);
  return Object.entries(connection)
    .filter(([, v]) => typeof v !== 'object')
    .slice(0, 3)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
}
