/**
 * The tab a key moves to in a tab list (the WAI-ARIA tabs pattern): the
 * arrows go to the next or previous tab, wrapping around, Home and End to the
 * first and last; undefined for any other key.
 */
export function tabAfterKey(key: string, index: number, count: number): number | undefined {
  const next = key === 'ArrowRight' ? index + 1 : key === 'ArrowLeft' ? index - 1 : key === 'Home' ? 0 : key === 'End' ? count - 1 : undefined;
  return next === undefined ? undefined : (next + count) % count;
}
