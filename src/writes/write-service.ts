/**
 * The one write path: DCMD, the REST API and the web UI all come through here.
 * resolve the tag → refuse what may not be written (read-only tag, read-only
 * mode, disabled device) → coerce and range-check the value → inverse of the
 * tag's transform → write through the driver (serialised with the device's
 * reads) → read the tags back (once per device for a batch) and publish them
 * at once → audit the outcome.
 */
import type { TagValue } from '../../drivers/contract.ts';
import { WriteError } from '../../drivers/contract.ts';
import type { Clock } from '../clock.ts';
import type { TagConfig } from '../config/schema.ts';
import type { TagUpdate } from '../events.ts';
import { NotInvertibleError, type TagPipeline } from '../pipeline/pipeline.ts';
import { coerce, ValueError } from '../pipeline/values.ts';
import type { AuditLog } from './audit-log.ts';

export type WriteSource = { kind: 'dcmd'; who: string } | { kind: 'api'; who: string } | { kind: 'ui'; who: string };

export interface WriteRequest {
  device: string;
  tag: string;
  value: unknown;
  dryRun?: boolean;
  /** Refused before it got here (a DCMD metric that could not be decoded): audited in its place in the batch. */
  refused?: { code: string; message: string };
}

export interface WriteResult {
  device: string;
  tag: string;
  ok: boolean;
  /** Stable code of a refusal or failure (PLX_WRITE_…). */
  code?: string;
  message?: string;
  /** The value that is (or would be) written to the device, after the inverse transform. */
  raw?: TagValue;
  readBack?: TagValue | null;
  dryRun?: boolean;
  latencyMs: number;
}

/** What the write service needs of the gateway. */
export interface WriteTarget {
  tag(device: string, tag: string): { config: TagConfig; pipeline: TagPipeline } | { code: string; message: string };
  /** Why the device may not be written now (read-only mode, disabled), or undefined. */
  refusal(device: string): { code: string; message: string } | undefined;
  /** Writes a raw value (serialised with the device's reads). */
  write(device: string, tag: string, raw: TagValue): Promise<void>;
  /** Reads these tags back (each group once), publishes what changed, returns their current values. */
  readBack(device: string, tags: readonly string[]): Promise<Map<string, TagUpdate | undefined>>;
}

class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class WriteService {
  constructor(
    private readonly target: WriteTarget,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly timeoutMs: number,
  ) {}

  /** Writes one tag; never throws: the result says what happened, and the audit log has it too. */
  async write(req: WriteRequest, source: WriteSource): Promise<WriteResult> {
    return (await this.writeAll([req], source))[0] as WriteResult;
  }

  /**
   * Writes several tags in order (one refusal does not stop the others), then
   * reads each device back once and publishes the new values.
   */
  async writeAll(requests: readonly WriteRequest[], source: WriteSource): Promise<WriteResult[]> {
    const started = performance.now();
    const outcomes: { req: WriteRequest; raw?: TagValue; result?: Omit<WriteResult, 'latencyMs'> }[] = [];
    for (const req of requests) {
      const outcome: (typeof outcomes)[number] = { req };
      outcomes.push(outcome);
      try {
        outcome.raw = this.prepare(req);
        if (req.dryRun) outcome.result = { device: req.device, tag: req.tag, ok: true, raw: outcome.raw, dryRun: true };
        else await this.withTimeout(this.target.write(req.device, req.tag, outcome.raw));
      } catch (err) {
        outcome.result = { device: req.device, tag: req.tag, ok: false, ...describe(err as Error), raw: outcome.raw };
      }
    }
    const written = outcomes.filter((o) => !o.result);
    for (const device of new Set(written.map((o) => o.req.device))) {
      const mine = written.filter((o) => o.req.device === device);
      try {
        const values = await this.withTimeout(
          this.target.readBack(
            device,
            mine.map((o) => o.req.tag),
          ),
        );
        for (const o of mine) o.result = { device, tag: o.req.tag, ok: true, raw: o.raw, readBack: values.get(o.req.tag)?.value ?? null };
      } catch (err) {
        const { message } = describe(err as Error);
        for (const o of mine)
          o.result = {
            device,
            tag: o.req.tag,
            ok: false,
            code: 'PLX_WRITE_NOT_CONFIRMED',
            message: `written, but reading it back failed: ${message}`,
            raw: o.raw,
          };
      }
    }
    const latencyMs = performance.now() - started;
    return outcomes.map(({ req, raw, result }) => {
      const r = result as Omit<WriteResult, 'latencyMs'>;
      this.audit.record({
        ts: this.clock.now(),
        source: source.kind,
        who: source.who,
        device: req.device,
        tag: req.tag,
        requested: req.value,
        raw,
        result: r.ok ? (r.dryRun ? 'dry-run' : 'ok') : (r.code ?? 'error'),
        message: r.message,
        readBack: r.readBack,
        latencyMs,
      });
      return { ...r, latencyMs };
    });
  }

  /** Every check, then the raw value for the device (or a Refusal). */
  private prepare(req: WriteRequest): TagValue {
    if (req.refused) throw new Refusal(req.refused.code, req.refused.message);
    const found = this.target.tag(req.device, req.tag);
    if ('code' in found) throw new Refusal(found.code, found.message);
    const { config, pipeline } = found;
    if (config.access !== 'readwrite') throw new Refusal('PLX_WRITE_READ_ONLY_TAG', `${req.device}/${req.tag} is read-only (access: read)`);
    const refusal = this.target.refusal(req.device);
    if (refusal) throw new Refusal(refusal.code, refusal.message);
    if (req.value === null || req.value === undefined || (typeof req.value === 'object' && typeof req.value !== 'bigint')) {
      throw new Refusal('PLX_WRITE_BAD_VALUE', `a ${pipeline.outputType} value is needed, not ${JSON.stringify(req.value) ?? 'nothing'}`);
    }
    const value = coerceOrRefuse(req.value as TagValue, pipeline.outputType);
    try {
      return pipeline.toRaw(value);
    } catch (err) {
      if (err instanceof NotInvertibleError) throw new Refusal('PLX_WRITE_NOT_INVERTIBLE', err.message);
      if (err instanceof ValueError || err instanceof RangeError) {
        throw new Refusal('PLX_WRITE_BAD_VALUE', `${String(req.value)} gives a device value that does not fit: ${err.message}`);
      }
      throw err;
    }
  }

  private withTimeout<T>(work: Promise<T>): Promise<T> {
    let timer: unknown;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.setTimeout(() => reject(new Refusal('PLX_WRITE_TIMEOUT', `the write was not confirmed within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => this.clock.clearTimeout(timer));
  }
}

function coerceOrRefuse(value: TagValue, type: TagPipeline['outputType']): TagValue {
  try {
    if (typeof value === 'string' && type !== 'string' && type !== 'bool' && value.trim() === '') throw new ValueError('an empty string is not a number');
    return coerce(value, type);
  } catch (err) {
    if (err instanceof ValueError || err instanceof RangeError || err instanceof SyntaxError) {
      throw new Refusal(
        'PLX_WRITE_BAD_VALUE',
        `${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)} is not a valid ${type}: ${err.message}`,
      );
    }
    throw err;
  }
}

function describe(err: Error): { code: string; message: string } {
  if (err instanceof Refusal) return { code: err.code, message: err.message };
  if (err instanceof WriteError) return { code: `PLX_WRITE_${err.code}`, message: err.message };
  return { code: 'PLX_WRITE_FAILED', message: err.message };
}
