// Calendar features of a date as (sin, cos) pairs of its position in a cycle: angle = 2π · value / period.
// A pair, not the raw number, so that the end of a cycle sits next to its start (Saturday beside Sunday,
// December beside January) and a step forward is a rotation, which a linear layer can represent.
//   dayOfWeek   value = UTC weekday, Sunday 0 … Saturday 6           period 7
//   month       value = UTC month, January 0 … December 11           period 12
//   dayOfMonth  value = UTC day of the month − 1 (0 …)               period = days in that month
//   dayOfYear   value = days since 1 January (UTC) (0 …)             period = days in that year (365 or 366)
// Dates are read in UTC, so the features do not depend on the machine's time zone: a "YYYY-MM-DD" string is
// that day (UTC midnight); a Date made with local fields (new Date(2014, 0, 5)) is read by its UTC fields.

import { describe } from "../errors.js";

export type CalendarFeature = "dayOfWeek" | "month" | "dayOfMonth" | "dayOfYear";

export const CALENDAR_FEATURES: readonly CalendarFeature[] = ["dayOfWeek", "month", "dayOfMonth", "dayOfYear"];

const DAY_MS = 86_400_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

function cycle(date: Date, feature: CalendarFeature): [value: number, period: number] {
  const year = date.getUTCFullYear(), month = date.getUTCMonth();
  switch (feature) {
    case "dayOfWeek": return [date.getUTCDay(), 7];
    case "month": return [month, 12];
    case "dayOfMonth": return [date.getUTCDate() - 1, daysInMonth(year, month)];
    case "dayOfYear": {
      const start = Date.UTC(year, 0, 1);
      return [Math.floor((date.getTime() - start) / DAY_MS), (Date.UTC(year + 1, 0, 1) - start) / DAY_MS];
    }
  }
}

/** Writes the 2·features.length values (sin, cos per feature, in order) of `date` into out[offset…]. */
export function writeCalendar(date: Date, features: readonly CalendarFeature[], out: Float32Array, offset: number): void {
  features.forEach((f, k) => {
    const [value, period] = cycle(date, f);
    const angle = (2 * Math.PI * value) / period;
    out[offset + 2 * k] = Math.sin(angle);
    out[offset + 2 * k + 1] = Math.cos(angle);
  });
}

export function checkCalendar(what: string, features: unknown): readonly CalendarFeature[] {
  if (!Array.isArray(features)) throw new TypeError(`${what} must be an array of ${CALENDAR_FEATURES.join(", ")}, got ${describe(features)}`);
  features.forEach((f, i) => {
    if (!CALENDAR_FEATURES.includes(f)) throw new TypeError(`${what}[${i}] must be one of ${CALENDAR_FEATURES.join(", ")}, got ${describe(f)}`);
    if (features.indexOf(f) !== i) throw new RangeError(`${what}: ${JSON.stringify(f)} appears twice`);
  });
  return features;
}

// ISO 8601 only: other formats parse differently between runtimes, and a date-time without an offset is local time
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Dates from Date objects or ISO 8601 strings ("2014-01-05", or with a time and an offset), strictly increasing. */
export function parseDates(what: string, dates: unknown): Date[] {
  if (!Array.isArray(dates)) throw new TypeError(`${what} must be an array of Dates or ISO 8601 strings, got ${describe(dates)}`);
  const out = dates.map((d, i) => parseDate(`${what}[${i}]`, d));
  for (let i = 1; i < out.length; i++) {
    if (out[i].getTime() <= out[i - 1].getTime()) {
      throw new RangeError(`${what} must be strictly increasing: [${i}] ${out[i].toISOString()} does not come after [${i - 1}] ${out[i - 1].toISOString()}`);
    }
  }
  return out;
}

export function parseDate(what: string, d: unknown): Date {
  if (d instanceof Date) {
    if (Number.isNaN(d.getTime())) throw new RangeError(`${what} is an invalid Date`);
    return new Date(d.getTime());
  }
  if (typeof d !== "string") throw new TypeError(`${what} must be a Date or an ISO 8601 string, got ${describe(d)}`);
  const m = DATE_ONLY.exec(d) ?? DATE_TIME.exec(d);
  if (!m) throw new RangeError(`${what} must be a date as "YYYY-MM-DD" or "YYYY-MM-DDTHH:mm[:ss]" with "Z" or an offset, got ${JSON.stringify(d)}`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) throw new RangeError(`${what}: ${JSON.stringify(d)} is not a calendar date (month ${m[2]} is not 01–12)`);
  if (day < 1 || day > daysInMonth(year, month - 1)) {
    throw new RangeError(`${what}: ${JSON.stringify(d)} is not a calendar date (${year}-${m[2]} has ${daysInMonth(year, month - 1)} days)`);
  }
  const date = new Date(d);
  if (Number.isNaN(date.getTime())) throw new RangeError(`${what}: ${JSON.stringify(d)} is not a valid time`);
  return date;
}
