/**
 * Asks the gateway to check a list of tags without saving it (`?dryRun=true`)
 * whenever the list settles, so that a preview shows the gateway's verdict on
 * every row (addresses in the protocol's syntax, names across the device)
 * before anything is saved.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ErrorDetail } from '../../api.ts';
import { rowDetails } from './error-paths.ts';
import type { GroupsOwner } from './groups-owner.ts';
import type { RowError, TagDraft } from './tag-checks.ts';

export interface DryRun {
  /** idle: nothing to check; checking; ok: the gateway accepts the list; refused: see rows/other; failed: no answer. */
  state: 'idle' | 'checking' | 'ok' | 'refused' | 'failed';
  rows: RowError[];
  other: ErrorDetail[];
  error?: unknown;
  /** The list the answer is about (compare before saving). */
  checked?: string;
}

/** Checks `tags` (appended with POST, or replacing the group's with PUT) after `delayMs` of quiet. */
export function useDryRun(owner: GroupsOwner, group: string, tags: TagDraft[] | undefined, mode: 'append' | 'replace', delayMs = 400): DryRun {
  const [result, setResult] = useState<DryRun>({ state: 'idle', rows: [], other: [] });
  const key = tags ? `${mode}:${JSON.stringify(tags)}` : undefined;
  useEffect(() => {
    if (!tags || tags.length === 0 || !key) {
      setResult({ state: 'idle', rows: [], other: [] });
      return;
    }
    let live = true;
    setResult((r) => ({ ...r, state: 'checking' }));
    const timer = setTimeout(async () => {
      try {
        await owner.putTags(group, tags, mode, true);
        if (live) setResult({ state: 'ok', rows: [], other: [], checked: key });
      } catch (error) {
        if (!live) return;
        if (error instanceof ApiError && error.status === 400 && error.details.length > 0) {
          const mapped = rowDetails(error.details, 'tags');
          setResult({ state: 'refused', rows: mapped.rows, other: mapped.other, checked: key });
        } else setResult({ state: 'failed', rows: [], other: [], error, checked: key });
      }
    }, delayMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // The owner object is made anew each render; its name stands for it.
  }, [key, owner.name, group]);
  return result;
}

/** The key useDryRun gives a list, to tell whether an answer is about what is on screen. */
export const dryRunKey = (tags: TagDraft[], mode: 'append' | 'replace') => `${mode}:${JSON.stringify(tags)}`;
