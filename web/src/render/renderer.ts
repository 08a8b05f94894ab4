// What the fleet view needs from a GPU backend (WebGL2 or WebGPU). Both draw
// all nodes with one draw call and all edges with one draw call, pulling each
// vertex's data by index (6 vertices per node or edge quad) instead of GL/GPU
// instancing, which CPU rasterizers (SwiftShader) execute instance by instance;
// positions live in a GPU texture/buffer indexed by node index, so a layout
// tick uploads one array and nothing else.

import type { Mat4 } from './camera';

/** Floats per node in the attribute array: r, g, b, a, size, glow, rate, flags. */
export const NODE_STRIDE = 8;
/** Unsigned ints per edge: parent index, child index, flags (1 = counter-agent link). */
export const EDGE_STRIDE = 3;

export interface Frame {
  viewProj: Mat4;
  view: Mat4;
  /** Seconds since start, drives breathing and pulses. */
  time: number;
  /** Pixels per world unit at distance 1 (height / (2 tan(fovy / 2))), in device pixels. */
  projScale: number;
  /** Smallest node radius in device pixels, so huge fleets stay visible. */
  minPixels: number;
  /** Edge width in device pixels. */
  lineWidth: number;
}

export interface Renderer {
  readonly kind: 'webgl2' | 'webgpu';
  resize(width: number, height: number): void;
  /** xyz per node, `count` nodes. */
  setPositions(xyz: Float32Array, count: number): void;
  setNodes(attrs: Float32Array, count: number): void;
  setEdges(edges: Uint32Array, count: number): void;
  render(frame: Frame): void;
  /** Draw calls issued by the last render (2 when there are nodes and edges). */
  readonly drawCalls: number;
  destroy(): void;
}

export const BACKGROUND = [0.02, 0.03, 0.07] as const;

export function nextCapacity(need: number, current: number): number {
  let c = Math.max(current, 1024);
  while (c < need) c *= 2;
  return c;
}
