/** Small formatting helpers shared by the pages. */

/**
 * A duration as people read it: `850 ms`, `2.4 s`, `3 min 05 s`.
 *
 * @example formatDuration(2400) === '2.4 s'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

/** Time between two ISO times (or until `now`). */
export function between(from: string | undefined, to: string | undefined, now: number): string {
  if (!from) return '';
  const end = to ? Date.parse(to) : now;
  return formatDuration(end - Date.parse(from));
}

/** `2026-12-05 10:22:03` from an ISO time (UTC, as stored). */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.slice(0, 19).replace('T', ' ') : '';
}

/** JSON for a `<pre>`: pretty, and cut at `max` characters. */
export function jsonText(value: unknown, max = 4000): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value, null, 2) ?? '';
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}
