// The command line's error policy: whatever goes wrong (a bad flag, a missing file, a library TypeError /
// RangeError) ends with ONE line "wasm-rnn: error: …" on stderr and a non-zero exit code (1; 2 when training
// stopped on a NaN). WASM_RNN_DEBUG=1 adds the stack.

import { CommanderError } from "commander";

/** An error meant for the user: its message is printed as is, and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = "CliError";
  }
}

export function fail(message: string, exitCode = 1): never {
  throw new CliError(message, exitCode);
}

/** Longest message printed: a hostile flag value quoted in a message must not flood the terminal. */
const MAX_MESSAGE = 1000;

/** Collapses a message onto one line (of at most MAX_MESSAGE characters). */
export function oneLine(message: string): string {
  const line = message.replace(/\s*[\n\r\u2028\u2029]\s*/g, " ").trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line;
}

const MISSING_COMMAND = "expected a command: train, generate, eval, convert, fit or predict (wasm-rnn --help describes them)";

/** Commander's own exits that are not errors (help, version). */
const QUIET_CODES = new Set(["commander.help", "commander.helpDisplayed", "commander.version"]);

/** Prints `error` as one line on stderr (the stack too with WASM_RNN_DEBUG=1) and returns the exit code. */
export function reportError(error: unknown, stderr: (text: string) => void = (t) => void process.stderr.write(t)): number {
  if (error instanceof CommanderError) {
    // help shown for a usage error (no command, `help <unknown>`): its text is not printed, this line is
    if (error.code === "commander.help" && error.exitCode !== 0) {
      stderr(`wasm-rnn: error: ${MISSING_COMMAND}\n`);
      return error.exitCode;
    }
    if (QUIET_CODES.has(error.code)) return error.exitCode;
    stderr(`wasm-rnn: error: ${oneLine(error.message.replace(/^error:\s*/, ""))}\n`);
    return error.exitCode || 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr(`wasm-rnn: error: ${oneLine(message) || "unknown error"}\n`);
  if (process.env.WASM_RNN_DEBUG === "1" && error instanceof Error && error.stack) stderr(`${error.stack}\n`);
  return error instanceof CliError ? error.exitCode : 1;
}
