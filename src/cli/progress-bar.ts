// The progress bars of the command line (train's and fit's epochs, eval's and predict's chunks): one look, on
// stderr, and only on a terminal, so that piped or captured output never holds a bar's redraws.

import cliProgress from "cli-progress";

/** A bar in `format` (cli-progress tokens) on stderr; null when stderr is not a terminal, or with `quiet`. */
export function stderrBar(format: string, quiet = false): cliProgress.SingleBar | null {
  if (quiet || !process.stderr.isTTY) return null;
  return new cliProgress.SingleBar({
    format, barsize: 24, hideCursor: false, gracefulExit: false, clearOnComplete: true, stream: process.stderr, fps: 8,
  }, cliProgress.Presets.shades_classic);
}
