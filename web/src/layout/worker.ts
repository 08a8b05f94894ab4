// The layout Web Worker: owns the WebAssembly layout kernel, applies the fleet's
// structural changes in order, ticks while the layout is warm and posts
// positions back (transferred, never shared) at most once per frame.
/// <reference lib="webworker" />
import { LayoutKernel } from './kernel';
import type { FromWorker, ToWorker } from './protocol';

declare const self: DedicatedWorkerGlobalScope;

let kernel: LayoutKernel | null = null;
const pending: ToWorker[] = [];
let version = 0;
let running = false;
let lastPost = 0;
let ticks = 0;
let tickMsSum = 0;
let forcePost = false;

function post(m: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(m, transfer);
}

function apply(m: ToWorker): void {
  const k = kernel!;
  switch (m.type) {
    case 'ops': {
      for (const op of m.ops) {
        if (op.op === 'add') {
          k.resize(op.index + 1 > k.size ? op.index + 1 : k.size);
          if (op.near !== null && op.near < k.size) {
            const p = k.positions();
            const r = () => (Math.random() - 0.5) * 20;
            k.setPosition(op.index, p[op.near * 3]! + r(), p[op.near * 3 + 1]! + r(), p[op.near * 3 + 2]! + r());
          }
        } else {
          if (op.index !== op.last) k.copyPoint(op.last, op.index);
          k.resize(op.last);
        }
      }
      if (m.links) k.setLinks(m.links);
      version = m.version;
      k.reheat(m.reheat);
      forcePost = true;
      break;
    }
    case 'pin':
      // No reheat while a node is dragged: the rest of the layout holds still, so the node
      // the user aims at is not pushed away by the dragged one. Dropping reheats.
      k.pin(m.index, m.x, m.y, m.z);
      forcePost = true;
      break;
    case 'unpin':
      k.unpin(m.index);
      k.reheat(0.3);
      break;
    case 'place':
      k.setPosition(m.index, m.x, m.y, m.z);
      k.reheat(0.3);
      forcePost = true;
      break;
    case 'init':
      break;
  }
  schedule();
}

function schedule(): void {
  if (running) return;
  running = true;
  setTimeout(loop, 0);
}

function loop(): void {
  running = false;
  const k = kernel;
  if (!k) return;
  const t0 = performance.now();
  const moved = k.tick(1);
  const t1 = performance.now();
  if (moved) {
    ticks++;
    tickMsSum += t1 - t0;
  }
  if (forcePost || (moved && t1 - lastPost >= 15) || (!moved && ticks > 0)) {
    const xyz = k.positions().slice();
    post({ type: 'positions', version, count: k.size, xyz, tickMs: ticks ? tickMsSum / ticks : 0, ticks, alpha: k.alpha }, [xyz.buffer]);
    lastPost = t1;
    forcePost = false;
    ticks = 0;
    tickMsSum = 0;
  }
  if (moved) schedule();
}

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'init') {
    try {
      kernel = await LayoutKernel.fromUrl(m.wasmUrl);
      for (const p of pending.splice(0)) apply(p);
      post({ type: 'ready' });
    } catch (e) {
      post({ type: 'error', message: String(e) });
    }
    return;
  }
  if (!kernel) pending.push(m);
  else apply(m);
};
