/**
 * Where groups and their tags are kept: a device's, saved on the gateway a
 * group or a tag list at a time (the device then restarts with them), or a
 * template's being edited, kept in the page's draft and saved with the whole
 * template. The group and tag editors (groups.tsx, tag-table.tsx, the range
 * and CSV dialogs) work on either through this.
 */
import { ApiError, api, type ErrorDetail } from '../../api.ts';
import { type DeviceConfig, type GroupConfig, paths, type TagConfig, type TemplateConfig } from './config-api.ts';
import { parsePath } from './error-paths.ts';
import type { TagDraft } from './tag-checks.ts';

export interface GroupsOwner {
  /** The device's or template's name (messages, file names). */
  name: string;
  protocol: string;
  groups: readonly GroupConfig[];
  /** The device, for live values, the OPC UA browser and its template link; none for a template. */
  device?: DeviceConfig;
  /** True when edits go straight into the owner (a template's draft): the tag table has no save bar of its own. */
  inMemory: boolean;
  /** What a saved change does, for the notices ("The device restarted with them."). */
  afterSave: string;
  /** Adds a group (`old` undefined) or replaces group `old`, its tags included; resolves to the group as kept. */
  putGroup(old: string | undefined, group: GroupConfig): Promise<GroupConfig>;
  deleteGroup(name: string): Promise<void>;
  /**
   * Appends tags to a group, or replaces its tags. With dryRun the gateway only checks them: a refusal's details
   * name rows of the list sent (`tags[i].address`).
   */
  putTags(group: string, tags: TagDraft[], mode: 'append' | 'replace', dryRun: boolean): Promise<void>;
}

/** A device's groups, saved through the group and tag routes. */
export function deviceOwner(device: DeviceConfig): GroupsOwner {
  return {
    name: device.name,
    protocol: device.protocol,
    groups: device.groups,
    device,
    inMemory: false,
    afterSave: device.enabled ? ' The device restarted with them.' : '',
    putGroup: (old, group) =>
      old === undefined ? api<GroupConfig>('POST', paths.groups(device.name), group) : api<GroupConfig>('PUT', paths.group(device.name, old), group),
    deleteGroup: async (name) => {
      await api('DELETE', paths.group(device.name, name));
    },
    putTags: async (group, tags, mode, dryRun) => {
      await api(mode === 'append' ? 'POST' : 'PUT', paths.tags(device.name, group, dryRun), { tags });
    },
  };
}

export interface TemplateDraftAccess {
  draft: TemplateConfig;
  /** Changes the draft (a function of the latest one: several edits may come before a render). */
  update: (change: (t: TemplateConfig) => TemplateConfig) => void;
  /** The template's stored name; undefined while it is new. */
  stored?: string;
}

/**
 * A template's groups in the page's draft. Dry runs send the whole draft with the change (PUT or POST
 * ?dryRun=true), so the gateway checks the tags as its devices would run them; only its verdict on those tags counts.
 */
export function templateOwner({ draft, update, stored }: TemplateDraftAccess): GroupsOwner {
  const withTags = (t: TemplateConfig, group: string, tags: TagDraft[], mode: 'append' | 'replace'): TemplateConfig => ({
    ...t,
    groups: t.groups.map((g) => (g.name === group ? { ...g, tags: (mode === 'append' ? [...g.tags, ...tags] : tags) as TagConfig[] } : g)),
  });
  return {
    name: draft.name || 'the new template',
    protocol: draft.protocol,
    groups: draft.groups,
    inMemory: true,
    afterSave: ' Save the template to apply them.',
    putGroup: async (old, group) => {
      update((t) => ({ ...t, groups: old === undefined ? [...t.groups, group] : t.groups.map((g) => (g.name === old ? group : g)) }));
      return group;
    },
    deleteGroup: async (name) => update((t) => ({ ...t, groups: t.groups.filter((g) => g.name !== name) })),
    putTags: async (group, tags, mode, dryRun) => {
      if (!dryRun) {
        update((t) => withTags(t, group, tags, mode));
        return;
      }
      const g = draft.groups.findIndex((x) => x.name === group);
      const offset = mode === 'append' ? (draft.groups[g]?.tags.length ?? 0) : 0;
      // A new template still being named is checked under a stand-in name: the check is about the tags.
      const body = { ...withTags(draft, group, tags, mode), name: draft.name.trim() || 'new-template-check' };
      try {
        if (stored === undefined) await api('POST', `${paths.templates}?dryRun=true`, body);
        else await api('PUT', paths.template(stored, true), body);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 400) throw err;
        const mine = tagDetails(err.details, g, offset);
        // The rest of the draft's problems are the form's, shown when the template is saved.
        if (mine.length > 0) throw new ApiError(err.status, err.code, err.message, mine);
      }
    },
  };
}

/** Details about the tags of group `group` (`groups[g].tags[i]…`), as rows of the list sent (`tags[i - offset]…`). */
export function tagDetails(details: readonly ErrorDetail[], group: number, offset = 0): ErrorDetail[] {
  return details.flatMap((d) => {
    const [list, g, tags, i] = parsePath(d.path);
    if (list !== 'groups' || g !== group || tags !== 'tags' || typeof i !== 'number' || i < offset) return [];
    const rest = d.path.replace(/^groups\[\d+\]\.tags\[\d+\]/, '');
    return [{ ...d, path: `tags[${i - offset}]${rest}` }];
  });
}
