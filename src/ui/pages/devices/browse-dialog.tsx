/**
 * "Browse server" (OPC UA): the server's address space as a tree that opens
 * a level at a time, a search, and "Add as tags" for the ticked variables
 * (named after their display names, made unique in the device; read/write
 * where the server lets us write). Nodes whose data type has no tag type
 * cannot be ticked, and say why.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api } from '../../api.ts';
import { ErrorBanner } from '../../components/error-banner.tsx';
import { Modal } from '../../components/modal.tsx';
import { Loading } from '../../components/page-header.tsx';
import { type AddTagsDialogProps, AddTagsFooter } from './add-tags-dialog.tsx';
import { type BrowseNode, type DeviceConfig, paths } from './config-api.ts';
import { detailsOf, rowDetails } from './error-paths.ts';
import { useDomId } from './schema-form.tsx';
import { uniqueName } from './tag-checks.ts';

type Level = { state: 'loading' } | { state: 'ok'; nodes: BrowseNode[] } | { state: 'error'; error: unknown };

const ROOT = '';
const writable = (n: BrowseNode) => n.access === 'readwrite' || n.access === 'write';

export function BrowseDialog({ device, group, onClose, onAdded }: Omit<AddTagsDialogProps, 'schema' | 'owner'> & { device: DeviceConfig }) {
  const [levels, setLevels] = useState<Map<string, Level>>(new Map());
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<Map<string, BrowseNode>>(new Map());
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ search: string; level: Level }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const searchId = useDomId('br');

  /** Addresses that are tags of this device already, with the tag's name. */
  const existing = useMemo(
    () => new Map(device.groups.flatMap((g) => g.tags.flatMap((t) => (t.address ? [[t.address, t.name] as const] : [])))),
    [device.groups],
  );

  const load = async (from: string) => {
    setLevels((m) => new Map(m).set(from, { state: 'loading' }));
    try {
      const nodes = await api<BrowseNode[]>('GET', paths.browse(device.name, { from: from || undefined, depth: 1 }));
      setLevels((m) => new Map(m).set(from, { state: 'ok', nodes }));
    } catch (err) {
      setLevels((m) => new Map(m).set(from, { state: 'error', error: err }));
    }
  };
  useEffect(() => {
    void load(ROOT);
  }, []);

  /** Opens or closes a node (keyed per view: the tree and search results open separately); a node's children load on first opening. */
  const toggleOpen = (key: string, node: BrowseNode) => {
    const next = new Set(open);
    if (next.has(key)) next.delete(key);
    else {
      next.add(key);
      if (!node.children && !levels.has(node.address)) void load(node.address);
    }
    setOpen(next);
  };
  const toggleSelected = (node: BrowseNode) => {
    const next = new Map(selected);
    if (next.has(node.address)) next.delete(node.address);
    else next.set(node.address, node);
    setSelected(next);
    setError(undefined);
  };

  const search = async (e: Event) => {
    e.preventDefault();
    const text = query.trim();
    if (!text) {
      setResults(undefined);
      return;
    }
    setResults({ search: text, level: { state: 'loading' } });
    try {
      const nodes = await api<BrowseNode[]>('GET', paths.browse(device.name, { search: text, depth: 5, limit: 500 }));
      // Search results come as a tree down to the matches: show it open.
      const all = new Set(open);
      const walk = (list: BrowseNode[]) => {
        for (const item of list) {
          if (item.children && item.children.length > 0) {
            all.add(`search:${item.address}`);
            walk(item.children);
          }
        }
      };
      walk(nodes);
      setOpen(all);
      setResults({ search: text, level: { state: 'ok', nodes } });
    } catch (err) {
      setResults({ search: text, level: { state: 'error', error: err } });
    }
  };

  const chosen = [...selected.values()];
  const add = async () => {
    setBusy(true);
    setError(undefined);
    const taken = new Set(device.groups.flatMap((g) => g.tags.map((t) => t.name)));
    const tags = chosen.map((n) => ({
      name: uniqueName(n.displayName || n.browseName, taken),
      address: n.address,
      type: n.type as string,
      access: writable(n) ? 'readwrite' : 'read',
    }));
    try {
      await api('POST', paths.tags(device.name, group.name, false), { tags });
      await onAdded(`Added ${tags.length} tag${tags.length === 1 ? '' : 's'} from the server to ${group.name}: ${tags.map((t) => t.name).join(', ')}.`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const addErrors = rowDetails(detailsOf(error), 'tags').rows;

  const tree = (level: Level | undefined, prefix: string) => {
    if (!level || level.state === 'loading') return <Loading what="Browsing" class="dv-tree-note" />;
    if (level.state === 'error')
      return (
        <div class="dv-tree-note">
          <ErrorBanner
            error={level.error}
            title={level.error instanceof ApiError && level.error.status === 409 ? 'The device is not connected' : 'Browsing failed'}
          />
        </div>
      );
    if (level.nodes.length === 0) return <p class="muted dv-tree-note">{prefix ? 'Nothing matches.' : 'No nodes here.'}</p>;
    return <ul class="dv-tree">{level.nodes.map((n) => renderNode(n, prefix))}</ul>;
  };

  /** One node and, when open, its children (a render function, not a component: the tree keeps its focus across renders). */
  function renderNode(n: BrowseNode, prefix: string) {
    const key = `${prefix}${n.address}`;
    const isOpen = open.has(key);
    const tagName = existing.get(n.address);
    const why = !n.isVariable
      ? undefined
      : tagName
        ? `already tag ${tagName}`
        : !n.type
          ? `${n.dataType ?? 'its data type'} has no matching tag type, so it cannot be a tag`
          : undefined;
    const childLevel: Level | undefined = n.children ? { state: 'ok', nodes: n.children } : levels.get(n.address);
    return (
      <li key={n.address}>
        <div class={`dv-node${selected.has(n.address) ? ' dv-node-selected' : ''}`}>
          {n.hasChildren || (n.children && n.children.length > 0) ? (
            <button
              type="button"
              class="btn btn-ghost btn-small dv-node-toggle"
              aria-expanded={isOpen}
              aria-label={`${isOpen ? 'Collapse' : 'Expand'} ${n.displayName}`}
              onClick={() => toggleOpen(key, n)}
            >
              <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span>
            </button>
          ) : (
            <span class="dv-node-spacer" />
          )}
          {n.isVariable ? (
            <label class="check dv-node-label">
              <input type="checkbox" checked={selected.has(n.address)} disabled={!!why} onChange={() => toggleSelected(n)} />
              <span>{n.displayName}</span>
            </label>
          ) : (
            <span class="dv-node-label dv-node-folder">{n.displayName}</span>
          )}
          {n.isVariable && <span class={`badge ${n.type ? 'badge-info' : ''}`}>{n.type ?? n.dataType ?? 'unknown type'}</span>}
          {n.isVariable && n.access && <span class="muted small">{writable(n) ? 'read/write' : n.access === 'none' ? 'no access' : 'read'}</span>}
          <code class="dv-node-address" title={n.address}>
            {n.address}
          </code>
          {why && <span class="muted small dv-node-why">{why}</span>}
        </div>
        {isOpen && tree(childLevel, prefix)}
      </li>
    );
  }

  return (
    <Modal
      title={`Pick tags from ${device.name}`}
      onClose={onClose}
      wide
      footer={
        <AddTagsFooter
          status={chosen.length === 0 ? 'Tick the variables to add.' : `${chosen.length} variable${chosen.length === 1 ? '' : 's'} ticked`}
          onCancel={onClose}
          onAdd={add}
          disabled={chosen.length === 0 || busy}
          label={busy ? 'Adding…' : chosen.length > 0 ? `Add ${chosen.length} as tags` : 'Add as tags'}
        >
          {chosen.length > 0 && (
            <button type="button" class="btn" onClick={() => setSelected(new Map())}>
              Clear
            </button>
          )}
        </AddTagsFooter>
      }
    >
      <div class="dv-dialog">
        <form class="dv-browse-search" onSubmit={search}>
          <label for={searchId}>Search the server</label>
          <input id={searchId} type="search" value={query} placeholder="Name contains…" onInput={(e) => setQuery(e.currentTarget.value)} />
          <button type="submit" class="btn">
            Search
          </button>
          {results && (
            <button
              type="button"
              class="btn btn-ghost"
              onClick={() => {
                setResults(undefined);
                setQuery('');
              }}
            >
              Show the whole tree
            </button>
          )}
        </form>
        <p class="muted small">
          Variables become tags named after their display name, with the server's data type; writable ones get read/write access. They join group {group.name}.
        </p>
        <div class="dv-tree-wrap">{results ? tree(results.level, 'search:') : tree(levels.get(ROOT), '')}</div>
        {addErrors.length > 0 && (
          <ul class="field-error">
            {addErrors.map((e) => (
              <li key={`${e.row}:${e.column}:${e.message}`}>
                {chosen[e.row]?.displayName ?? `tag ${e.row + 1}`}
                {e.column ? ` (${e.column})` : ''}: {e.message}
              </li>
            ))}
          </ul>
        )}
        {error !== undefined && addErrors.length === 0 && <ErrorBanner error={error} title="The tags were not added" />}
      </div>
    </Modal>
  );
}
