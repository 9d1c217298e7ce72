/**
 * Local dates and times of day in an IANA time zone, from the platform's Intl
 * data (no library): which local day an instant falls on, and the instant of
 * a local date and time of day, summer time included.
 */

export interface LocalDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const systemTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';

/** Adds days to a calendar date. */
export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(d: LocalDate): number {
  return (new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay() + 6) % 7;
}

export class ZonedTime {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The local wall-clock time of an instant, as if it were UTC (ms). */
  private wall(ms: number): number {
    const p: Record<string, number> = {};
    for (const part of this.format.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    return Date.UTC(p.year as number, (p.month as number) - 1, p.day, p.hour, p.minute, p.second) + (((ms % 1000) + 1000) % 1000);
  }

  /** Local time minus UTC at an instant (ms). */
  offset(ms: number): number {
    return this.wall(ms) - ms;
  }

  /** The local calendar date of an instant. */
  dateOf(ms: number): LocalDate {
    const t = new Date(this.wall(ms));
    return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
  }

  /**
   * The instant of a local date and minute of the day. A time skipped by the
   * change to summer time maps to the instant the clock jumps past it; a time
   * that occurs twice maps to the first.
   */
  instant(d: LocalDate, minuteOfDay: number): number {
    const local = Date.UTC(d.year, d.month - 1, d.day) + minuteOfDay * 60_000;
    // The offsets a day before and a day after cover any one change of offset around this time.
    const before = local - this.offset(local - DAY_MS);
    const after = local - this.offset(local + DAY_MS);
    if (before === after) return before;
    const fits = (t: number) => this.wall(t) === local;
    if (fits(before) && fits(after)) return Math.min(before, after);
    if (fits(before)) return before;
    if (fits(after)) return after;
    return Math.max(before, after);
  }

  /** The instant of local midnight at the start of the day `ms` falls on. */
  startOfDay(ms: number): number {
    return this.instant(this.dateOf(ms), 0);
  }
}
