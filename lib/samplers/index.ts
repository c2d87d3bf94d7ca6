// SPDX-License-Identifier: MIT
import type { SamplerName } from '../options.js';
import { almc } from './almc.js';
import { dalmc } from './dalmc.js';
import { lmc } from './lmc.js';
import type { Sampler } from './types.js';
import { xgp } from './xgp.js';

export const samplers: Record<SamplerName, Sampler> = { lmc, almc, xgp, dalmc };
