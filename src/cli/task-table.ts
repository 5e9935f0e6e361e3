// The data files of the task commands (fit, predict, eval): a CSV file with a header row, or JSON Lines (one
// JSON object per line), read into rows of named fields that remember their line, so that every later
// problem (a missing field, a non-numeric value, an unknown label) is one line naming the file, the line and
// the field. CSV is parsed by csv-parse (quoted cells, embedded newlines and commas, a BOM); cells stay text.

import { extname } from "node:path";
import { parse } from "csv-parse/sync";
import { fail } from "./errors.js";
import { readTextFile, textChecksum } from "./corpus.js";

export type TableFormat = "csv" | "jsonl";

export interface Row {
  /** The line of the file the row ends on (1 = the first line; a CSV header is line 1). */
  line: number;
  /** CSV: every cell a string. JSONL: the parsed JSON values. */
  fields: Record<string, unknown>;
}

export interface Table {
  path: string;
  format: TableFormat;
  rows: Row[];
  /** CSV: the header's names. JSONL: null (each line has its own fields). */
  columns: string[] | null;
  /** FNV-1a of the text: --resume checks that the data did not change. */
  checksum: string;
}

const EXTENSIONS: Record<string, TableFormat> = { ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl" };

/** The format a data file's extension names, or a one-line error. */
export function tableFormat(path: string): TableFormat {
  const ext = extname(path).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) fail(`${path}: unknown data file extension ${JSON.stringify(ext || "(none)")}; expected .csv (with a header row) or .jsonl (one JSON object per line)`);
  return format;
}

/** Reads a CSV or JSONL data file (a regular file of at most maxBytes); every problem is one line. */
export async function readTable(path: string, maxBytes: number): Promise<Table> {
  const format = tableFormat(path);
  const { text } = await readTextFile(path, "data", maxBytes);
  const checksum = textChecksum(text);
  const table = format === "csv" ? parseCsv(path, text) : parseJsonl(path, text);
  if (table.rows.length === 0) fail(`${path} has no data rows${format === "csv" ? " after its header" : ""}`);
  return { path, format, checksum, ...table };
}

function parseCsv(path: string, text: string): Pick<Table, "rows" | "columns"> {
  let columns: string[] = [];
  const header = (names: string[]) => {
    names.forEach((name, i) => {
      if (name.trim() === "") fail(`${path} line 1: column ${i + 1} of the header has no name`);
      if (names.indexOf(name) !== i) fail(`${path} line 1: the header names column ${JSON.stringify(name)} twice`);
    });
    columns = names;
    return names;
  };
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: header, info: true, skip_empty_lines: true, bom: true });
  } catch (e) {
    const err = e as { message: string; lines?: number; code?: string };
    if (!err.code?.startsWith("CSV_")) throw e; // fail() from the header check
    const message = err.message.replace(/^Invalid Record Length: columns length is (\d+), got (\d+) on line \d+$/, "$2 cells, but the header has $1");
    fail(`${path} line ${err.lines ?? "?"}: malformed CSV: ${message}`);
  }
  return { columns, rows: records.map(({ record, info }) => ({ line: info.lines, fields: record })) };
}

function parseJsonl(path: string, text: string): Pick<Table, "rows" | "columns"> {
  const rows: Row[] = [];
  text.split("\n").forEach((raw, i) => {
    if (raw.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      fail(`${path} line ${i + 1}: malformed JSON: ${(e as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      fail(`${path} line ${i + 1}: expected a JSON object { "field": value, … }, got ${Array.isArray(value) ? "an array" : JSON.stringify(value)}`);
    }
    rows.push({ line: i + 1, fields: value as Record<string, unknown> });
  });
  return { rows, columns: null };
}

/** Where a value is, for messages: "data.csv line 7, column "label"" or "data.jsonl line 3, field "tags"". */
export function at(table: Table, row: Row, field: string): string {
  return `${table.path} line ${row.line}, ${table.format === "csv" ? "column" : "field"} ${JSON.stringify(field)}`;
}

/**
 * The value of a field; a missing field is a one-line error naming the flag that chooses it. A CSV column
 * is checked once against the header (every row has every column).
 */
export function field(table: Table, row: Row, name: string, flag: string): unknown {
  if (Object.hasOwn(row.fields, name)) return row.fields[name];
  if (table.columns) fail(`${table.path} has no column ${JSON.stringify(name)} (its columns: ${table.columns.join(", ")}); name the column with ${flag} <column>`);
  const known = Object.keys(row.fields);
  fail(`${table.path} line ${row.line} has no field ${JSON.stringify(name)} (its fields: ${known.length > 0 ? known.join(", ") : "none"}); name the field with ${flag} <field>`);
}

/** Whether the table has the field (CSV: in the header; JSONL: on the first row), for optional fields. */
export function hasField(table: Table, name: string): boolean {
  return table.columns ? table.columns.includes(name) : Object.hasOwn(table.rows[0].fields, name);
}
