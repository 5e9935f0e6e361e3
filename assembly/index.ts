// The wasm module's exports. Every kernel takes byte addresses into the one linear memory and sizes; none
// allocates, so the host owns all memory above heapBase().

export { gemm, gemmPanels, setGemmScratch, GEMM_SCRATCH_FLOATS } from "./gemm";
export { packedSize, packTransposed, packRows } from "./pack";
export { gemv, packDot, dotPackedSize } from "./gemv";
export { gemmI8, gemmI8Groups, packDotI8, i8PackedBytes, quantizeRow, setQuantScratch, QUANT_SCRATCH_BYTES, QUANT_MAX_K } from "./quant";
export {
  tanhArray, sigmoidArray, reluArray, tanhBackward, sigmoidBackward, reluBackward,
} from "./activations";
export { rnnForward, rnnBackward } from "./cells/rnn";
export { lstmForward, lstmBackward, lstmForwardHard, lstmBackwardHard } from "./cells/lstm";
export {
  gruForward, gruBackward, gruRbGates, gruRbForward, gruRbBackwardN, gruRbBackwardR,
  gruForwardHard, gruBackwardHard, gruRbGatesHard, gruRbBackwardNHard, gruRbBackwardRHard,
} from "./cells/gru";
export { columnSums, fillRowsWithBias } from "./bptt";
export { swapAxes01, copyBlock, addInPlace, zeroPadded, mulInPlace } from "./rows";
export { rngNext, rngSeed, rngFloat, rngUniform, rngNormal, dropoutMask } from "./rng";
export { softmaxCrossEntropy, softmaxRow, crossEntropyRows, squaredError, huberLoss } from "./loss";
export { poolLast, poolLastBackward, poolMean, poolMeanBackward, poolMax, poolMaxBackward } from "./pool";
export { gatherRows, oneHotRows, scatterAddRows, findBadId } from "./embedding";
export { gatherPackedRows, oneHotWeightGrad } from "./onehot";
export { sumSquares, scaleInPlace, sgdStep, adamStep, allFinite } from "./optim";

/** First byte the host may use: everything below belongs to the module's static data. */
export function heapBase(): usize {
  return (__heap_base + 63) & ~63;
}
