// SPDX-License-Identifier: MIT
// Public API of langevin.
export { sample } from './sample.js';
export type { SampleResult, SampleSummary } from './sample.js';
export type { SampleOptions, SamplerName } from './options.js';
export { SAMPLER_NAMES } from './options.js';
export { loadProblem, parseProblem, parseGmmProblem, requireGmmProblem } from './problem/index.js';
export { exactPosterior, exactPosteriorOf, noisedPrior, gmmLogDensity, gmmScore } from './math/posterior.js';
export type { ExactPosterior } from './math/posterior.js';
export { LangevinError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { readNpy, writeNpy, readNpyFile, writeNpyFile } from './io/npy.js';
export { backends, resolveDevice } from './engine/device.js';
export type { Device, DeviceRequest } from './engine/device.js';
export type { Problem, GmmProblem, Prior, GmmPrior, PatchGmmPrior, ScorePrior, ScoreModel, PriorScale, OnnxModelSpec, Operator, Likelihood } from './types.js';
export { isGmm, isGmmProblem } from './types.js';
// Learned priors through the optional peer dependency onnxruntime-node.
export { OnnxScoreModel, onnxAvailable } from './models/onnx/onnxScoreModel.js';
export type { Diagnostics } from './diagnostics/summary.js';
export type { Progress } from './engine/phase.js';
// Operators and imaging building blocks.
export { applyOperator, applyAdjoint } from './math/applyOperator.js';
export { opNormSquared } from './math/curvature.js';
export { gaussianKernel, motionKernel, uniformKernel, blurOperator } from './imaging/kernels.js';
export { boxMask, randomPixelMask, maskOperator, variableDensitySamples, cartesianLineSamples, fourierOperator } from './imaging/masks.js';
export { fitPatchGmm, toGmmPrior, toGmmJson } from './imaging/patchGmm.js';
export { fitPatchPrior } from './imaging/fitPrior.js';
export type { PatchPriorJson, TrainingImage } from './imaging/fitPrior.js';
export { extractPatches, randomPatches } from './imaging/patches.js';
export { sheppLogan, randomEllipses, piecewiseSmooth, trainingSet } from './imaging/phantom.js';
export { psnr, ssim, coverage, pixelStats } from './imaging/metrics.js';
export { encodePng, decodePngGray } from './imaging/png.js';
export { imagingReport } from './imaging/report.js';
export type { ImageShape, ProblemSpec, GmmPriorSpec, PatchGmmPriorSpec, OnnxPriorSpec, OperatorSpec, LikelihoodSpec, CovarianceSpec } from './types.js';
// Samples → images: per-pixel posterior mean/std (Float32Array) and their PNG/NIfTI files.
export { posteriorImages, posteriorPngs, writePosteriorImages } from './imaging/posteriorImages.js';
export type { PosteriorImages, ImageSize } from './imaging/posteriorImages.js';
// Medical image formats: NIfTI read/write (.nii, .nii.gz), DICOM read (uncompressed), volumes slice by slice.
export { readNifti, writeNifti, readDicom, readDicomSeries, readVolume, volumeSlice, downsampleImage } from './imaging/formats/index.js';
export type { Volume, Image2D } from './imaging/formats/index.js';
// Classical baselines for undersampled k-space: zero filling and a per-frequency Wiener filter.
export { zeroFilled, wienerReconstruction, fitSpectralPrior } from './imaging/wiener.js';
export type { SpectralPrior } from './imaging/wiener.js';
// Low-level phase API (what the samplers and the imaging demo are built on).
export { runPhase } from './engine/phase.js';
export type { RunContext, PhaseSpec } from './engine/phase.js';
export { priorTables, operatorTables, patchPriorTables } from './engine/nativeTables.js';
export { constantSchedule, fromFunction } from './samplers/schedule.js';
