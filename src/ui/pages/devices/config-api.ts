/** The configuration API as these pages use it: shapes, paths and the schema (loaded once per page visit). */
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../../api.ts';
import type { DeviceConfig, GroupConfig, TagConfig, TagValue, TemplateConfig } from '../../components/gateway-types.ts';
import type { JsonSchema } from './schema-fields.ts';

export type { DeviceConfig, GroupConfig, TagConfig, TemplateConfig };

export interface ProtocolSchema {
  connection: JsonSchema;
  /** True when groups may use mode "subscribe" (OPC UA). */
  subscribes: boolean;
  /** How addresses are written (the contract has it; older gateways leave it out). */
  addressHelp?: string;
}

/** GET /api/v1/config/schema */
export interface ConfigSchema {
  device: JsonSchema;
  group: JsonSchema;
  tag: JsonSchema;
  template: JsonSchema;
  dataTypes: string[];
  protocols: Record<string, ProtocolSchema>;
}

export interface ConnectionTestResult {
  ok: boolean;
  state: string;
  message: string;
  latencyMs: number;
  values?: Pick<TagValue, 'tag' | 'value' | 'quality' | 'reason'>[];
}

/** OPC UA browse node (GET /api/v1/devices/:name/browse). */
export interface BrowseNode {
  address: string;
  browseName: string;
  displayName: string;
  nodeClass: string;
  isVariable: boolean;
  type?: string;
  dataType?: string;
  access?: 'read' | 'readwrite' | 'write' | 'none';
  hasChildren: boolean;
  children?: BrowseNode[];
}

export interface Certificate {
  thumbprint: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  status: 'trusted' | 'rejected';
}

export const paths = {
  devices: '/api/v1/config/devices',
  device: (d: string) => `/api/v1/config/devices/${seg(d)}`,
  groups: (d: string) => `/api/v1/config/devices/${seg(d)}/groups`,
  group: (d: string, g: string) => `/api/v1/config/devices/${seg(d)}/groups/${seg(g)}`,
  tags: (d: string, g: string, dryRun?: boolean) => `/api/v1/config/devices/${seg(d)}/groups/${seg(g)}/tags${dryRun === undefined ? '' : `?dryRun=${dryRun}`}`,
  values: (d: string) => `/api/v1/devices/${seg(d)}/values`,
  browse: (d: string, q: Record<string, string | number | undefined>) => {
    const query = new URLSearchParams(Object.entries(q).flatMap(([k, v]) => (v === undefined || v === '' ? [] : [[k, String(v)]])));
    return `/api/v1/devices/${seg(d)}/browse?${query}`;
  },
  resolved: (d: string) => `/api/v1/config/devices/${seg(d)}/resolved`,
  detach: (d: string) => `/api/v1/config/devices/${seg(d)}/detach`,
  templates: '/api/v1/config/templates',
  template: (t: string, dryRun?: boolean) => `/api/v1/config/templates/${seg(t)}${dryRun === undefined ? '' : `?dryRun=${dryRun}`}`,
  templateDevices: (t: string, dryRun: boolean) => `/api/v1/config/templates/${seg(t)}/devices?dryRun=${dryRun}`,
  templateFromDevice: '/api/v1/config/templates/from-device',
  templateLibrary: '/api/v1/config/template-library',
  runtime: '/api/v1/devices',
  schema: '/api/v1/config/schema',
  testConnection: '/api/v1/config/test-connection',
  certificates: (protocol: string) => `/api/v1/protocols/${seg(protocol)}/certificates`,
  certificate: (protocol: string, thumbprint: string, action: 'trust' | 'reject') =>
    `/api/v1/protocols/${seg(protocol)}/certificates/${seg(thumbprint)}/${action}`,
};

let schemaPromise: Promise<ConfigSchema> | undefined;

/** The configuration schema: asked once, kept while the app runs (it changes only with a new gateway version). */
export function useConfigSchema(): { schema?: ConfigSchema; error?: unknown } {
  const [state, setState] = useState<{ schema?: ConfigSchema; error?: unknown }>({});
  useEffect(() => {
    let live = true;
    schemaPromise ??= api<ConfigSchema>('GET', paths.schema);
    schemaPromise.then(
      (schema) => live && setState({ schema }),
      (error) => {
        schemaPromise = undefined;
        if (live) setState({ error });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** Why a connection reason needs a certificate decision (OPC UA servers whose certificate is not trusted yet). */
export const needsCertificateTrust = (reason: string | undefined) =>
  !!reason && /BadCertificateUntrusted|certificate.*not trusted|not trusted.*certificate/i.test(reason);

/** Tags counted over groups. */
export const tagCount = (d: { groups: { tags: unknown[] }[] }) => d.groups.reduce((n, g) => n + g.tags.length, 0);
