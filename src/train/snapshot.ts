// A copy of some buffers taken before an update, so that an update that makes them non-finite can be undone:
// the Trainer keeps the weights (and the optimizer's state) from before the step that diverged.

import { F32Buffer, matOf, type Mat, type Runtime } from "../../bindings/index.js";

const whole = (b: F32Buffer): Mat => matOf(b, 1, b.length);

export class Snapshot {
  private readonly copies: F32Buffer[];
  private taken = false;
  private versions: number[] | null = null;

  constructor(private readonly rt: Runtime, private readonly buffers: readonly F32Buffer[]) {
    this.copies = rt.heap.scope(() => buffers.map((b) => F32Buffer.alloc(rt.heap, b.length)));
  }

  /** Copies every buffer (one memcpy each, in wasm). */
  take(): void {
    this.buffers.forEach((b, i) => this.rt.ops.copy({ src: whole(b), dst: whole(this.copies[i]) }));
    this.taken = true;
    this.versions = null;
  }

  /** Records the buffers' versions after the update that followed take(): restore() is for that update only. */
  commit(): void {
    this.versions = this.buffers.map((b) => b.version);
  }

  /**
   * Whether there is a copy from before the last update and nothing changed the buffers since (weights
   * loaded from elsewhere are not the update's doing, so they are never rolled back).
   */
  get canRestore(): boolean {
    return this.taken && this.versions !== null && this.buffers.every((b, i) => b.version === this.versions![i]);
  }

  /** Puts the copies back; the buffers count it as a change (packed weights are rebuilt). */
  restore(): void {
    if (!this.canRestore) throw new Error("Snapshot.restore: no copy of the current update to go back to");
    this.buffers.forEach((b, i) => {
      this.rt.ops.copy({ src: whole(this.copies[i]), dst: whole(b) });
      b.markChanged();
    });
  }

  /** Puts back the copy take() made, whatever changed the buffers since (early stopping's best weights). */
  restoreTaken(): void {
    if (!this.taken) throw new Error("Snapshot.restoreTaken: nothing was taken");
    this.buffers.forEach((b, i) => {
      this.rt.ops.copy({ src: whole(this.copies[i]), dst: whole(b) });
      b.markChanged();
    });
  }

  /** The copies as arrays, in the order of the buffers (for checkpoints). */
  read(): Float32Array[] {
    return this.copies.map((c) => c.copyOut());
  }

  /** Fills the copies from arrays read() returned, as if take() had made them. */
  write(values: readonly Float32Array[]): void {
    values.forEach((v, i) => this.copies[i].write(v));
    this.taken = true;
    this.versions = null;
  }

  /** Forgets the copy (after the buffers were replaced from elsewhere, e.g. a restored checkpoint). */
  drop(): void {
    this.taken = false;
    this.versions = null;
  }

  dispose(): void {
    for (const c of this.copies) c.free();
  }
}
