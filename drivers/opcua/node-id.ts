/**
 * NodeIds in their text form: `ns=2;s=Line1.Speed`, `ns=3;i=1001`,
 * `ns=1;g=<guid>`, `ns=1;b=<base64>`, or with a namespace URI instead of an
 * index (`nsu=urn:plexus:simulator;s=FillingLine.Speed`), which survives the
 * server renumbering its namespaces. Checked here without loading node-opcua.
 */
export interface ParsedNodeId {
  namespace: number | string;
  /** Identifier type: numeric, string, guid or opaque (bytes). */
  kind: 'i' | 's' | 'g' | 'b';
  id: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseNodeId(text: string): { ok: true; node: ParsedNodeId } | { ok: false; error: string } {
  const fail = (why: string) => ({ ok: false as const, error: `"${text}" is not a NodeId: ${why} (e.g. ns=2;s=Line1.Speed, ns=3;i=1001, nsu=urn:x;s=Tag)` });
  let rest = text.trim();
  let namespace: number | string = 0;
  const ns = /^ns=(\d+);/.exec(rest);
  const nsu = /^nsu=([^;]+);/.exec(rest);
  if (ns) {
    namespace = Number(ns[1]);
    if (namespace > 65535) return fail('the namespace index is above 65535');
    rest = rest.slice(ns[0].length);
  } else if (nsu) {
    namespace = nsu[1] as string;
    rest = rest.slice(nsu[0].length);
  } else if (/^ns/.test(rest)) return fail('the namespace must be ns=<index>; or nsu=<uri>;');
  const m = /^([isgb])=(.*)$/s.exec(rest);
  if (!m) return fail('the identifier must start with i=, s=, g= or b=');
  const kind = m[1] as ParsedNodeId['kind'];
  const id = m[2] as string;
  if (kind === 'i' && !(/^\d{1,10}$/.test(id) && Number(id) <= 0xffffffff)) return fail('a numeric identifier is 0..4294967295');
  if (kind === 's' && (id.length === 0 || id.length > 4096)) return fail('a string identifier has 1..4096 characters');
  if (kind === 'g' && !GUID.test(id)) return fail('a GUID identifier looks like 72962b91-fa75-4ae6-8d28-b404dc7daf63');
  if (kind === 'b' && !/^[A-Za-z0-9+/]+={0,2}$/.test(id)) return fail('an opaque identifier is base64');
  return { ok: true, node: { namespace, kind, id } };
}

/** The NodeId with a namespace index, as node-opcua takes it. */
export const formatNodeId = (n: ParsedNodeId, index: number) => `ns=${index};${n.kind}=${n.id}`;
