// What a training run (train, fit) prints, and where: results on stdout, always (they are what the run
// reports, so --quiet keeps them); the run's narrative on stdout unless --quiet; one line per epoch on stderr
// unless --quiet, so that stdout stays the run's report when stderr is not looked at.

export interface RunOutput {
  /** A result line: stdout, even with --quiet. */
  say(line: string): void;
  /** A line about the run (its data, model, settings, samples): stdout, muted by --quiet. */
  log(line: string): void;
  /** A line of progress (an epoch's numbers): stderr, muted by --quiet. */
  progress(line: string): void;
}

export function runOutput(quiet: boolean): RunOutput {
  const say = (line: string) => void process.stdout.write(line + "\n");
  const log = quiet ? () => {} : say;
  const progress = quiet ? () => {} : (line: string) => void process.stderr.write(line + "\n");
  return { say, log, progress };
}
