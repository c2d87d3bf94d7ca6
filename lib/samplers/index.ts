// SPDX-License-Identifier: MIT
import type { SamplerName } from '../options.js';
import { lmc } from './lmc.js';
import type { Sampler } from './types.js';

export const samplers: Record<SamplerName, Sampler> = { lmc };
