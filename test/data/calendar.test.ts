// Calendar features as (sin, cos) pairs, on dates whose weekday and day numbers are known, and date parsing.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkCalendar, parseDate, parseDates, writeCalendar, type CalendarFeature } from "../../src/data/calendar.js";
import { throwsWith } from "../helpers/errors.js";

/** The (sin, cos) pair of value/period, rounded to f32 as the features are stored. */
const pair = (value: number, period: number) => [Math.fround(Math.sin((2 * Math.PI * value) / period)), Math.fround(Math.cos((2 * Math.PI * value) / period))];

function features(date: string, kinds: CalendarFeature[]): number[] {
  const out = new Float32Array(1 + 2 * kinds.length).fill(NaN);
  writeCalendar(parseDate("date", date), kinds, out, 1);
  assert.ok(Number.isNaN(out[0]), "nothing written before the offset");
  return [...out.subarray(1)];
}

test("dayOfWeek: Sunday 0 … Saturday 6 over 7", () => {
  assert.equal(features("2014-01-05", ["dayOfWeek"]), [0, 1], "5 January 2014 was a Sunday");
  assert.equal(features("2014-01-08", ["dayOfWeek"]), pair(3, 7), "a Wednesday");
  assert.equal(features("2014-01-11", ["dayOfWeek"]), pair(6, 7), "a Saturday");
});

test("month, dayOfMonth (over the month's days) and dayOfYear (over the year's days), in the order asked", () => {
  assert.equal(features("2014-12-15", ["month", "dayOfMonth"]), [...pair(11, 12), ...pair(14, 31)]);
  assert.equal(features("2016-02-29", ["dayOfMonth"]), pair(28, 29), "leap February has 29 days");
  assert.equal(features("2015-02-28", ["dayOfMonth"]), pair(27, 28));
  assert.equal(features("2015-03-01", ["dayOfYear", "month"]), [...pair(59, 365), ...pair(2, 12)], "31 + 28 days before 1 March 2015");
  assert.equal(features("2016-12-31", ["dayOfYear"]), pair(365, 366), "a leap year has 366 days");
  assert.equal(features("2015-12-31T23:30:00Z", ["dayOfYear"]), pair(364, 365), "the time of day does not move the day");
  assert.equal(features("2015-01-01", ["dayOfYear"]), [0, 1]);
});

test("dates are read in UTC: an offset moves the day, a Date by its UTC fields", () => {
  // 2014-01-05T01:00+02:00 is 4 January, 23:00 UTC: a Saturday
  assert.equal(features("2014-01-05T01:00+02:00", ["dayOfWeek"]), pair(6, 7));
  const out = new Float32Array(2);
  writeCalendar(new Date(Date.UTC(2014, 0, 5)), ["dayOfWeek"], out, 0);
  assert.equal([...out], [0, 1]);
});

test("parseDates: ISO 8601 dates and Dates, strictly increasing, copies; anything else refused with the index", () => {
  const given = new Date(Date.UTC(2014, 0, 3));
  const dates = parseDates("dates", ["2014-01-01", "2014-01-02T12:00:00.5Z", given]);
  assert.equal(dates.map((d) => d.toISOString()), ["2014-01-01T00:00:00.000Z", "2014-01-02T12:00:00.500Z", "2014-01-03T00:00:00.000Z"]);
  assert.is.not(dates[2], given, "a copy: the caller's Date may change later");
  throwsWith(() => parseDates("dates", ["2014-01-01", "2014/01/02"]), RangeError, /dates\[1\] must be a date as "YYYY-MM-DD" .* got "2014\/01\/02"/);
  throwsWith(() => parseDates("dates", ["2014-01-05T10:00"]), RangeError, /dates\[0\] must be a date .* with "Z" or an offset/);
  throwsWith(() => parseDates("dates", ["Jan 5 2014"]), RangeError, /dates\[0\] must be a date/);
  throwsWith(() => parseDates("dates", ["2014-02-30"]), RangeError, /dates\[0\]: "2014-02-30" is not a calendar date \(2014-02 has 28 days\)/);
  throwsWith(() => parseDates("dates", ["2014-13-01"]), RangeError, /"2014-13-01" is not a calendar date \(month 13 is not 01–12\)/);
  throwsWith(() => parseDates("dates", ["2014-01-01T25:00Z"]), RangeError, /dates\[0\]: "2014-01-01T25:00Z" is not a valid time/);
  throwsWith(() => parseDates("dates", [new Date(NaN)]), RangeError, /dates\[0\] is an invalid Date/);
  throwsWith(() => parseDates("dates", [20140101]), TypeError, /dates\[0\] must be a Date or an ISO 8601 string, got 20140101/);
  throwsWith(() => parseDates("dates", ["2014-01-02", "2014-01-02"]), RangeError, /strictly increasing: \[1\] 2014-01-02T00:00:00\.000Z does not come after \[0\]/);
  throwsWith(() => parseDates("dates", "2014-01-01"), TypeError, /dates must be an array of Dates or ISO 8601 strings, got "2014-01-01"/);
});

test("checkCalendar: known names, each once", () => {
  assert.equal(checkCalendar("calendar", ["month", "dayOfWeek"]), ["month", "dayOfWeek"]);
  throwsWith(() => checkCalendar("calendar", ["weekday"]), TypeError, /calendar\[0\] must be one of dayOfWeek, month, dayOfMonth, dayOfYear, got "weekday"/);
  throwsWith(() => checkCalendar("calendar", ["month", "month"]), RangeError, /"month" appears twice/);
  throwsWith(() => checkCalendar("calendar", "month"), TypeError, /calendar must be an array/);
});

test.run();
