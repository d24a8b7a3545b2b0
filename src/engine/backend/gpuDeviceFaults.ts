import * as tf from '@tensorflow/tfjs-core';

/** The bits of a WebGPU device watched here (TypeScript's libs do not declare WebGPU). */
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  addEventListener(type: 'uncapturederror', listener: (event: { error?: { message?: string } }) => void): void;
  destroy(): void;
}

/** The WebGPU backend's device was lost: tfjs keeps computing on it (silently) until renewed. */
let lost = false;

/** The device of the current tfjs backend when it is WebGPU. */
function currentGpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  return device ?? null;
}

/**
 * Watches the WebGPU device tfjs computes on: a lost device (driver reset, the GPU reclaimed, a
 * tab in the background) and errors nobody captured (an out-of-memory buffer, a shader that fails
 * validation) are told to `onFault` once, in words. tfjs itself does neither: after such a fault
 * its results are silently wrong or never come. Returns false when the backend is not WebGPU.
 */
export function watchGpuDevice(onFault: (message: string) => void): boolean {
  const device = currentGpuDevice();
  if (!device) return false;
  let told = false;
  const tell = (message: string) => {
    if (told) return;
    told = true;
    onFault(message);
  };
  void device.lost.then((info) => {
    lost = true;
    tell(`the WebGPU device was lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`);
  });
  device.addEventListener('uncapturederror', (event) =>
    tell(`WebGPU reported an error nobody caught (${event.error?.message ?? 'no message'})`),
  );
  return true;
}

/** Test hook: destroys the current WebGPU device, as a driver reset would. False when not on WebGPU. */
export function destroyGpuDevice(): boolean {
  const device = currentGpuDevice();
  device?.destroy();
  return device !== null;
}

/**
 * After a lost device, the next start of WebGPU (the user picks it again) asks for a new device: tfjs would otherwise keep
 * the backend built on the dead one. Its registration (the factory that requests a device) is
 * kept and registered again.
 */
export function renewLostGpuBackend(): void {
  // Only once the work has moved off it: its tensors are released on the backend they live on.
  if (!lost || tf.getBackend() === 'webgpu') return;
  const registry = (tf.engine() as unknown as { registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }> }).registryFactory;
  const entry = registry['webgpu'];
  if (!entry) return;
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', entry.factory, entry.priority);
  lost = false;
}
