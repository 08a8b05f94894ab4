// Messages between the fleet view (main thread) and the layout worker.
import type { LayoutOp } from '../fleet';

export type ToWorker =
  | { type: 'init'; wasmUrl: string }
  | { type: 'ops'; version: number; ops: LayoutOp[]; links: Uint32Array | null; reheat: number }
  | { type: 'pin'; index: number; x: number; y: number; z: number }
  | { type: 'unpin'; index: number }
  | { type: 'place'; index: number; x: number; y: number; z: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  | { type: 'positions'; version: number; count: number; xyz: Float32Array; tickMs: number; ticks: number; alpha: number };
