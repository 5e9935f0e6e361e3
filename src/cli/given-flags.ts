// Which flags the user typed, as opposed to commander's defaults (both fill the options object alike): a
// resumed run keeps its stored settings unless a flag is given, and a task model refuses the language-model
// flags only when they are given.

import type { Command } from "commander";

/** Whether the option `key` (camelCase, as commander stores it) was given on the command line. */
export function givenFlags(command: Command): (key: string) => boolean {
  return (key) => command.getOptionValueSource(key) === "cli";
}
