/**
 * ISO-8601 arithmetic without reading the clock: the core receives `now` as an argument and computes
 * due times from it. Formatting is done by hand (days-to-civil-date) so that the core never
 * constructs a `Date`, which the purity test forbids outright.
 */
import { FirestepError } from '../errors.ts';

const DAY_MS = 86_400_000;

/**
 * `iso` plus `seconds` (fractions kept to the millisecond), as a UTC ISO string.
 *
 * @example addSeconds('2024-01-31T23:59:30.000Z', 45) === '2024-02-01T00:00:15.000Z'
 */
export function addSeconds(iso: string, seconds: number): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new FirestepError(
      'INTERNAL',
      `"${iso}" is not an ISO-8601 time; pass \`now\` as new Date().toISOString()`,
    );
  }
  return isoFromEpochMs(ms + Math.round(seconds * 1000));
}

/**
 * Format milliseconds since the epoch like `Date.prototype.toISOString` (years 0000–9999).
 *
 * @example isoFromEpochMs(0) === '1970-01-01T00:00:00.000Z'
 */
export function isoFromEpochMs(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const secs = Math.floor(rest / 1000);
  const millis = rest - secs * 1000;
  // Howard Hinnant's civil_from_days.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}.${pad(millis, 3)}Z`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
