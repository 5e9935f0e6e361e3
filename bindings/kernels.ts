// The typed surface of the wasm module: one signature per export of assembly/index.ts. Pointers are byte
// addresses in the module's linear memory; sizes and strides count f32 elements.

type Ptr = number;

export interface Kernels {
  heapBase(): Ptr;

  // gemm.ts / pack.ts — C[M,N] (+)= A·B with B pre-packed into 8-column panels
  gemm(M: number, N: number, K: number, A: Ptr, rsA: number, csA: number, Bp: Ptr, C: Ptr, ldc: number, accumulate: boolean): void;
  gemmPanels(M: number, N: number, K: number, A: Ptr, rsA: number, csA: number, Bp: Ptr, C: Ptr, ldc: number, accumulate: boolean, j0: number, j1: number): void;
  packedSize(K: number, N: number): number;
  /** Scratch for packing blocks of a strided A: set once per instance, GEMM_SCRATCH_FLOATS floats. */
  setGemmScratch(ptr: Ptr): void;
  GEMM_SCRATCH_FLOATS: WebAssembly.Global;
  packTransposed(W: Ptr, ldw: number, N: number, K: number, Bp: Ptr): void;
  packRows(S: Ptr, lds: number, K: number, N: number, Bp: Ptr): void;

  // gemv.ts — batch-1 y (+)= x·B with B dot-packed (columns of B contiguous, 4 interleaved)
  gemv(N: number, K: number, x: Ptr, Bd: Ptr, y: Ptr, accumulate: boolean): void;
  packDot(src: Ptr, ldn: number, ldk: number, N: number, K: number, dst: Ptr): void;
  dotPackedSize(K: number, N: number): number;

  // activations.ts
  tanhArray(x: Ptr, y: Ptr, n: number): void;
  sigmoidArray(x: Ptr, y: Ptr, n: number): void;
  reluArray(x: Ptr, y: Ptr, n: number): void;
  tanhBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  sigmoidBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;
  reluBackward(y: Ptr, dy: Ptr, dx: Ptr, n: number): void;

  // cells/*.ts — fused pointwise work of one time step (lens = 0: no padding)
  rnnForward(gates: Ptr, hPrev: Ptr, hNext: Ptr, out: Ptr, ldo: number, B: number, H: number, relu: boolean, lens: Ptr, t: number): void;
  rnnBackward(gates: Ptr, dh: Ptr, dOut: Ptr, ldo: number, B: number, H: number, relu: boolean, lens: Ptr, t: number): void;
  lstmForward(gates: Ptr, hPrev: Ptr, cPrev: Ptr, hNext: Ptr, cNext: Ptr, out: Ptr, ldo: number, B: number, H: number, lens: Ptr, t: number): void;
  lstmBackward(gates: Ptr, cPrev: Ptr, cNext: Ptr, dh: Ptr, dc: Ptr, dOut: Ptr, ldo: number, B: number, H: number, lens: Ptr, t: number): void;
  gruForward(gates: Ptr, hh: Ptr, bhh: Ptr, hnSave: Ptr, hPrev: Ptr, hNext: Ptr, out: Ptr, ldo: number, B: number, H: number, lens: Ptr, t: number): void;
  gruBackward(gates: Ptr, dGhh: Ptr, hnSave: Ptr, hPrev: Ptr, dh: Ptr, dOut: Ptr, ldo: number, B: number, H: number, lens: Ptr, t: number): void;
  gruRbGates(gates: Ptr, hPrev: Ptr, rh: Ptr, B: number, H: number): void;
  gruRbForward(gates: Ptr, hPrev: Ptr, hNext: Ptr, out: Ptr, ldo: number, B: number, H: number, lens: Ptr, t: number): void;
  gruRbBackwardN(gates: Ptr, hPrev: Ptr, dh: Ptr, dOut: Ptr, ldo: number, B: number, H: number, lens: Ptr, t: number): void;
  gruRbBackwardR(gates: Ptr, q: Ptr, hPrev: Ptr, dh: Ptr, B: number, H: number): void;

  // bptt.ts, rows.ts
  columnSums(A: Ptr, rows: number, cols: number, lda: number, out: Ptr, accumulate: boolean): void;
  fillRowsWithBias(P: Ptr, rows: number, cols: number, ldp: number, b1: Ptr, b2: Ptr): void;
  swapAxes01(src: Ptr, dst: Ptr, n0: number, n1: number, width: number): void;
  copyBlock(src: Ptr, lds: number, dst: Ptr, ldd: number, rows: number, cols: number): void;
  addInPlace(dst: Ptr, src: Ptr, n: number): void;
  zeroPadded(x: Ptr, T: number, B: number, width: number, ld: number, lens: Ptr): void;
  mulInPlace(x: Ptr, m: Ptr, n: number): void;

  // loss.ts — returns Σ cross-entropy (f64); dlogits = (softmax − onehot)·scale when dlogits ≠ 0
  softmaxCrossEntropy(logits: Ptr, targets: Ptr, rows: number, V: number, ld: number, dlogits: Ptr, scale: number): number;
  softmaxRow(logits: Ptr, probs: Ptr, V: number, invTemp: number): void;

  // embedding.ts
  gatherRows(table: Ptr, ids: Ptr, n: number, dim: number, out: Ptr): void;
  oneHotRows(ids: Ptr, n: number, V: number, out: Ptr): void;
  scatterAddRows(d: Ptr, ids: Ptr, n: number, dim: number, grad: Ptr): void;
  findBadId(ids: Ptr, n: number, V: number): number;

  // optim.ts
  sumSquares(x: Ptr, n: number): number;
  scaleInPlace(x: Ptr, n: number, s: number): void;
  sgdStep(p: Ptr, g: Ptr, buf: Ptr, n: number, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, first: boolean): void;
  adamStep(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, stepSize: number, bc2Sqrt: number): void;
  allFinite(x: Ptr, n: number): number; // 1 or 0

  // rng.ts — xoshiro128** with its state (4 × u32) in linear memory
  rngNext(state: Ptr): number;
  rngSeed(state: Ptr, lo: number, hi: number): void;
  rngFloat(state: Ptr): number;
  rngUniform(state: Ptr, out: Ptr, n: number, lo: number, hi: number): void;
  rngNormal(state: Ptr, out: Ptr, n: number, mean: number, std: number): void;
  dropoutMask(state: Ptr, mask: Ptr, n: number, p: number): void;

  memory: WebAssembly.Memory;
}

export const KERNEL_NAMES: readonly (keyof Kernels)[] = [
  "heapBase", "gemm", "gemmPanels", "setGemmScratch", "GEMM_SCRATCH_FLOATS", "packedSize", "packTransposed", "packRows", "gemv", "packDot", "dotPackedSize",
  "tanhArray", "sigmoidArray", "reluArray", "tanhBackward", "sigmoidBackward", "reluBackward",
  "rnnForward", "rnnBackward", "lstmForward", "lstmBackward", "gruForward", "gruBackward",
  "gruRbGates", "gruRbForward", "gruRbBackwardN", "gruRbBackwardR",
  "columnSums", "fillRowsWithBias", "swapAxes01", "copyBlock", "addInPlace", "zeroPadded",
  "mulInPlace", "softmaxCrossEntropy", "softmaxRow", "gatherRows", "oneHotRows", "scatterAddRows", "findBadId",
  "sumSquares", "scaleInPlace", "sgdStep", "adamStep", "allFinite",
  "rngNext", "rngSeed", "rngFloat", "rngUniform", "rngNormal", "dropoutMask", "memory",
];
