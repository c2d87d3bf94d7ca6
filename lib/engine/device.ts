// SPDX-License-Identifier: MIT
import { invalid, LangevinError } from '../errors.js';
import { native } from './native.js';
import type { CudaInfo } from './nativeTypes.js';

export type DeviceRequest = 'auto' | 'cpu' | 'cuda';
export type Device = 'cpu' | 'cuda';

/** Backends usable in this process: cuda only if compiled in and a GPU answers. */
export function backends(): Device[] {
  const n = native();
  return n.buildInfo().cuda && n.cudaInfo().count > 0 ? ['cpu', 'cuda'] : ['cpu'];
}

/** 'auto' picks CUDA when built with it and a GPU is present, else the CPU; an explicit 'cuda' must be available. */
export function resolveDevice(request: DeviceRequest | undefined, field = 'device'): Device {
  const req = request ?? 'auto';
  if (req !== 'auto' && req !== 'cpu' && req !== 'cuda') throw invalid('E_OPTION', field, "'auto', 'cpu' or 'cuda'", req);
  if (req === 'cpu') return 'cpu';
  const available = backends().includes('cuda');
  if (req === 'cuda' && !available) {
    const info = native().buildInfo();
    throw new LangevinError(
      'E_DEVICE',
      info.cuda
        ? "device 'cuda' is unavailable: no CUDA GPU or driver was found"
        : "device 'cuda' is unsupported: this build has no CUDA backend (rebuild with nvcc on PATH)",
      field,
    );
  }
  return available ? 'cuda' : 'cpu';
}

/** A one-line description of the device, for summaries. */
export function describeDevice(device: Device): string {
  if (device === 'cpu') return `cpu (${native().buildInfo().cpuThreads} threads)`;
  const info: CudaInfo = native().cudaInfo();
  return `cuda: ${info.name ?? 'GPU'} (sm_${(info.capability ?? '').replace('.', '')})`;
}
