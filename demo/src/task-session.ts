// The training life of a task worker's model, shared by the Classify and Forecast workers so that Train, Stop,
// Resume and New model behave alike in both tabs: one model at a time (a session); Train builds it, or resumes it
// with new training settings (swapping the TaskTrainer when it must); training runs one update per
// epochSteps().next() in slices of ~60 ms, with a yield between slices so that stop (and classify) are answered.
// What a worker builds, reports after an epoch and sends as progress stays in that worker (the hooks below).

import type { TaskEpochResult, TaskStepInfo, TaskTrainer } from "wasm-rnn/tasks";
import { errorText, yieldToEvents } from "./worker-util";

const SLICE_MS = 60;

/** How to train: may change between stop and resume. */
export interface TaskTrainSettings {
  lr: number;
  batch: number;
  /** Epochs per Train click (a resume trains as many more). */
  epochs: number;
}

export interface TaskSession<Settings, Train extends TaskTrainSettings> {
  id: number;
  trainer: TaskTrainer;
  settings: Settings;
  train: Train;
  /** The epoch in progress, one update per next(). */
  steps: Generator<TaskStepInfo, TaskEpochResult, void> | null;
  last: TaskStepInfo | null;
}

/** The messages both task workers send about their session (their protocols share these shapes). */
export type TaskSessionMessage<Info> =
  | { type: "model"; info: Info | null; note?: string }
  | { type: "status"; training: boolean; note?: string }
  | { type: "error"; message: string };

export interface TaskSessionHooks<Settings, Train extends TaskTrainSettings, S extends TaskSession<Settings, Train>, Info> {
  post(message: TaskSessionMessage<Info>): void;
  /** Why the session cannot go on with these model settings (the note shown), or null to resume it. */
  rebuildReason(s: S, settings: Settings): string | null;
  /** A trainer for the session's model and data with new settings (the old one's state is carried over). */
  makeTrainer(s: S, train: Train): TaskTrainer;
  /** Frees the session's model (its trainer is disposed here). */
  disposeModel(s: S): void;
  info(s: S): Info;
  /** The updates of one slice, sent as the worker's progress message. */
  progress(points: { step: number; loss: number }[], last: TaskStepInfo, examples: number, seconds: number): void;
  /**
   * Called as an epoch ends, inside the slice; returns what to do once the slice's progress is sent: report the
   * epoch, and say why the run ended for good (a note), if it did. Either part may throw to stop with an error.
   */
  epochEnded(s: S, result: TaskEpochResult): () => string | undefined;
}

export class TaskSessions<Settings, Train extends TaskTrainSettings, S extends TaskSession<Settings, Train>, Info> {
  session: S | null = null;
  private count = 0;
  private training = false;
  /** A start() between its checks and the loop's start (it awaits the previous loop). */
  private starting = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly hooks: TaskSessionHooks<Settings, Train, S, Info>) {}

  /** Train / Resume: a new model when there is none or its settings changed, else the same one, retuned. */
  async start(settings: Settings, train: Train, create: (id: number) => S): Promise<void> {
    if (this.training || this.starting) return;
    this.starting = true;
    try {
      await this.loopDone;
      const notes: string[] = [];
      const why = this.session && this.hooks.rebuildReason(this.session, settings);
      if (why) {
        notes.push(why);
        this.drop();
      }
      let created = false;
      if (!this.session) {
        this.session = create(++this.count);
        created = true;
      } else {
        this.applyTrainSettings(this.session, train, notes);
      }
      const s = this.session;
      if (created || notes.length > 0) this.hooks.post({ type: "model", info: this.hooks.info(s), ...(notes.length ? { note: notes.join("; ") } : {}) });
      this.training = true;
      this.hooks.post({ type: "status", training: true, note: created ? "training a new model" : `resuming at step ${s.trainer.step}` });
      this.loopDone = this.loop(s);
    } finally {
      this.starting = false;
    }
  }

  /** Stop: the loop ends after its current update. */
  stop(): void {
    this.training = false;
  }

  /** New model: waits for the loop, then frees the model. */
  async reset(): Promise<void> {
    this.training = false;
    await this.loopDone;
    this.drop();
    this.hooks.post({ type: "model", info: null });
  }

  private drop(): void {
    if (!this.session) return;
    this.session.trainer.dispose();
    this.hooks.disposeModel(this.session);
    this.session = null;
  }

  /**
   * A new learning rate keeps Adam's state; a new batch size, or a run that stopped on a divergence (the weights
   * are the last good ones), needs a new trainer, which carries the old one's state.
   */
  private applyTrainSettings(s: S, t: Train, notes: string[]): void {
    if (t.batch !== s.train.batch || s.trainer.stopped) {
      const state = s.trainer.saveState();
      const trainer = this.hooks.makeTrainer(s, t);
      trainer.restoreState({ ...state, lr: t.lr });
      s.trainer.dispose();
      s.trainer = trainer;
      if (s.steps && t.batch !== s.train.batch) notes.push(`the batch size changed to ${t.batch}: the unfinished epoch starts over`);
      s.steps = null;
    } else if (t.lr !== s.train.lr) {
      s.trainer.configure({ optimizer: { name: "adam", lr: t.lr } });
    }
    s.train = { ...t };
  }

  private async loop(s: S): Promise<void> {
    const { post } = this.hooks;
    let note: string | undefined;
    let epochs = 0;
    try {
      while (this.training) {
        const started = performance.now();
        const points: { step: number; loss: number }[] = [];
        let examples = 0;
        let report: (() => string | undefined) | null = null;
        do {
          s.steps ??= s.trainer.epochSteps();
          const r = s.steps.next();
          if (!r.done) {
            s.last = r.value;
            points.push({ step: r.value.step, loss: r.value.loss });
            examples += r.value.examples;
            continue;
          }
          s.steps = null;
          report = this.hooks.epochEnded(s, r.value);
          break; // report the epoch now
        } while (this.training && performance.now() - started < SLICE_MS);
        if (points.length > 0 && s.last) this.hooks.progress(points, s.last, examples, (performance.now() - started) / 1000);
        if (report) {
          const finished = report();
          epochs++;
          if (finished) {
            this.training = false;
            note = finished;
          } else if (epochs >= s.train.epochs) {
            this.training = false;
            note = `trained ${epochs} epoch${epochs > 1 ? "s" : ""}; Resume trains ${s.train.epochs} more`;
          }
        }
        await yieldToEvents();
      }
    } catch (e) {
      note = "stopped by an error";
      post({ type: "error", message: errorText(e) });
    } finally {
      this.training = false;
    }
    post({ type: "status", training: false, note: note ?? `stopped at step ${s.trainer.step}` });
    if (this.session === s) post({ type: "model", info: this.hooks.info(s) });
  }
}
