// Model files assembled by hand, byte by byte from the format's description (src/io/format.ts), so tests and
// the fuzzer can write what our encoder never would: any header, any tensor table, any data, with a correct
// checksum (or not).

import { createHash } from "node:crypto";

const MAGIC = Buffer.from("WASMRNN\0", "latin1");

export interface Parsed {
  version: number;
  header: Record<string, unknown>;
  /** The data section (tensor bytes), without the checksum. */
  data: Uint8Array;
}

/** Splits a well-formed .wrnn file into its header and data section. */
export function parseModelBytes(bytes: Uint8Array): Parsed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true), n = view.getUint32(12, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(16, 16 + n)).toString("utf8"));
  const start = Math.ceil((16 + n) / 16) * 16;
  return { version, header, data: bytes.slice(start, bytes.length - 32) };
}

/**
 * A .wrnn file of `header` (a JSON value, or raw header text) and `data`, with the checksum computed
 * over the result unless `checksum` is false.
 */
export function craftModelBytes(header: unknown, data: Uint8Array, options: { version?: number; checksum?: boolean } = {}): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const start = Math.ceil((16 + json.length) / 16) * 16;
  const out = new Uint8Array(start + data.length + 32);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, options.version ?? 1, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(data, start);
  if (options.checksum !== false) out.set(createHash("sha256").update(out.subarray(0, out.length - 32)).digest(), out.length - 32);
  return out;
}

/** A safetensors file from a header object (or text) and a data buffer. */
export function craftSafetensors(header: unknown, data: Uint8Array): Uint8Array {
  const json = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8");
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Splits a safetensors file into header object and data. */
export function parseSafetensors(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(0, true);
  return { header: JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8")), data: bytes.slice(8 + n) };
}
