/**
 * Changes to the running configuration, one at a time: the whole document is
 * validated, stored as a new revision and applied, or nothing changes. Every
 * change is recorded with who made it.
 */
import type { EventLog } from '../api/event-log.ts';
import { ConfigError, type ErrorDetail } from '../errors.ts';
import { SerialQueue } from '../serial-queue.ts';
import type { ConfigRepository } from './repository.ts';
import type { Config } from './schema.ts';
import { keepSecrets } from './secrets.ts';
import { runningDevices } from './templates.ts';
import { validateConfig } from './validate.ts';

export interface ConfigTarget {
  readonly config: Readonly<Config>;
  applyConfig(next: Readonly<Config>): Promise<ConfigChanges>;
}

/** Maps error paths of the whole document to paths of the request body (`devices[2].connection.port` → `connection.port`). */
export type PathMap = (path: string) => string;

export function under(prefix: string): PathMap {
  return (path) => (path.startsWith(prefix) ? path.slice(prefix.length).replace(/^\./, '') || '(body)' : path);
}

/** For a list the body appends: `devices[0].groups[1].tags[12].type` → `tags[2].type` when the body's first item is the stored tags[10]. */
export function underList(listPath: string, offset: number): PathMap {
  const list = listPath.slice(listPath.lastIndexOf('.') + 1);
  return (path) => {
    const m = path.startsWith(`${listPath}[`) ? /^\[(\d+)\](.*)$/.exec(path.slice(listPath.length)) : null;
    return m ? `${list}[${Number(m[1]) - offset}]${m[2]}` : path;
  };
}

/** What changes to the running devices and sessions a new configuration makes (device names). */
export interface ConfigChanges {
  added: string[];
  removed: string[];
  changed: string[];
  /** The Sparkplug session restarts with the new northbound settings. */
  northbound: boolean;
  /** Sections saved but used only from the next start. */
  restartRequired: string[];
}

/** JSON with object keys sorted: the same settings in another order (a template's defaults merged in) are the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function diffConfig(prev: Readonly<Config>, next: Readonly<Config>): ConfigChanges {
  // Devices as they run: a template change restarts every device made from it; a detach (same tags) none.
  const enabled = (c: Readonly<Config>) => new Map(runningDevices(c).flatMap((d) => (d.enabled ? [[d.name, { ...d, template: undefined }] as const] : [])));
  const before = enabled(prev);
  const after = enabled(next);
  // Key order only matters when the plain comparison differs (the rare case): sorting every key of every device is slow.
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a) === canonicalJson(b);
  const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
  return {
    added: [...after.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !after.has(n)),
    changed: [...after.keys()].filter((n) => before.has(n) && !same(before.get(n), after.get(n))),
    northbound: differs(prev.northbound, next.northbound),
    restartRequired: [
      ...(['api', 'broker', 'simulators'] as const).filter((k) => differs(prev[k], next[k])),
      // Read-only mode applies at once; the write timeout and the audit size from the next start.
      ...(differs({ ...prev.writes, readOnly: 0 }, { ...next.writes, readOnly: 0 }) ? ['writes'] : []),
    ],
  };
}

export interface ChangeResult {
  applied: boolean;
  changes: ConfigChanges;
  config: Readonly<Config>;
}

export class ConfigService {
  private readonly queue = new SerialQueue();

  constructor(
    private readonly repo: ConfigRepository,
    private readonly target: ConfigTarget,
    private readonly events: EventLog,
  ) {}

  get current(): Readonly<Config> {
    return this.target.config;
  }

  /**
   * Builds the next document from a copy of the current one, validates it whole
   * and, unless a dry run, stores and applies it. Errors name paths of the
   * request body through `paths`.
   */
  change(
    who: string,
    what: string,
    edit: (draft: Config) => Record<string, unknown> | undefined,
    opts: { dryRun?: boolean; paths?: PathMap } = {},
  ): Promise<ChangeResult> {
    return this.queue.run(async () => {
      const current = this.target.config;
      const draft = structuredClone(current) as Config;
      const doc: unknown = edit(draft) ?? draft;
      if (!doc || typeof doc !== 'object' || Array.isArray(doc))
        throw new ConfigError(`${what}: the document must be a mapping of settings`, [
          { path: '(root)', message: 'must be a mapping (northbound, devices, …)' },
        ]);
      const next = keepSecrets(doc as Record<string, unknown>, current);
      let valid: Readonly<Config>;
      try {
        valid = validateConfig(next);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const map = opts.paths ?? ((p: string) => p);
        const details: ErrorDetail[] = err.details.map((d) => ({ path: map(d.path), message: d.message }));
        throw new ConfigError(`${what}: ${details.length} error(s): ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
      }
      if (opts.dryRun) return { applied: false, changes: diffConfig(current, valid), config: valid };
      this.repo.save(valid, `api:${who}`);
      const changes = await this.target.applyConfig(valid);
      this.events.record(who, 'config changed', what, describe(changes));
      return { applied: true, changes, config: valid };
    });
  }
}

function describe(c: ConfigChanges): string {
  const parts = [
    c.added.length > 0 && `devices started: ${c.added.join(', ')}`,
    c.changed.length > 0 && `devices restarted: ${c.changed.join(', ')}`,
    c.removed.length > 0 && `devices stopped: ${c.removed.join(', ')}`,
    c.northbound && 'new Sparkplug session',
    c.restartRequired.length > 0 && `saved for the next start: ${c.restartRequired.join(', ')}`,
  ].filter(Boolean);
  return parts.join('; ') || 'no running device affected';
}
