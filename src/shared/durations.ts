/**
 * Durations and points in time as people type them: `90d`, `12h`, `30m`, `45s`, `2w`
 * (a whole number and one unit; `0` alone for none), or an ISO 8601 date (`2027-01-31`,
 * midnight UTC) or date-time with a zone (`2027-01-31T12:00:00Z`, `…+02:00`). Callers
 * turn a failure into their own error (a usage error, a 400) naming the option or field.
 */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
// Ten years: a longer duration is a typo, and stays far inside what a Date can hold.
const MAX_MS = 3650 * UNIT_MS.d;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** A duration in milliseconds, or why the text is not one. */
export function parseDuration(raw: string): Parsed<number> {
  const text = raw.trim();
  if (text === '0') return { ok: true, value: 0 };
  const m = /^(\d{1,7})([smhdw])$/.exec(text);
  if (!m) return { ok: false, message: `"${raw}" is not a duration such as 90d, 12h, 30m, 45s, 2w or 0` };
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms > MAX_MS) return { ok: false, message: `"${raw}" is longer than ten years` };
  return { ok: true, value: ms };
}

/** An ISO 8601 date or date-time with a zone, as milliseconds since the epoch, or why not. */
export function parseInstant(raw: string): Parsed<number> {
  const text = raw.trim();
  if (!ISO_DATE.test(text) && !ISO_DATE_TIME.test(text)) {
    return { ok: false, message: `"${raw}" is not an ISO 8601 date (2027-01-31) or date-time with a zone` };
  }
  const t = Date.parse(text);
  // Date.parse rolls 2027-02-30 over to March 2; the calendar date must exist as written.
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (Number.isNaN(t) || day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) {
    return { ok: false, message: `"${raw}" is not a real date and time` };
  }
  return { ok: true, value: t };
}

/**
 * When something ends: a duration from `now` (which must be more than 0) or an ISO 8601
 * date/time, which must be in the future; as an ISO string.
 */
export function parseWhen(raw: string, now: number): Parsed<string> {
  const text = raw.trim();
  const asDuration = /^\d+[a-z]$/i.test(text) ? parseDuration(text) : null;
  if (asDuration && !asDuration.ok) return asDuration;
  if (asDuration && asDuration.ok) {
    if (asDuration.value === 0) return { ok: false, message: `"${raw}" is no time at all` };
    return { ok: true, value: new Date(now + asDuration.value).toISOString() };
  }
  const at = parseInstant(text);
  if (!at.ok) {
    return {
      ok: false,
      message: `"${raw}" is neither a duration such as 90d or 12h nor an ISO 8601 date/time`,
    };
  }
  if (at.value <= now) return { ok: false, message: `"${raw}" is in the past` };
  return { ok: true, value: new Date(at.value).toISOString() };
}
