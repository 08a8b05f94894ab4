// The shell's fleet view on the benchmark scene (no daemon: the scene is loaded
// straight into the FleetModel), layout running in its worker.
import wasmUrl from '../build/layout.wasm?url';
import { FleetModel } from '../src/fleet';
import { LayoutKernel } from '../src/layout/kernel';
import { FleetView, type RendererChoice } from '../src/ui/view';
import { countFrames, sceneAgents, sceneSize } from './scene';

async function run(): Promise<void> {
  const n = sceneSize();
  const choice = (new URLSearchParams(location.search).get('renderer') ?? 'webgl2') as RendererChoice;
  const window_ms = Number(new URLSearchParams(location.search).get('ms') ?? '5000');
  const model = new FleetModel();
  model.load(sceneAgents(n));
  // The kernel's tick on this scene, timed alone on this thread exactly as the
  // baseline page times d3-force-3d (same ticks, nothing else running).
  const kernel = await LayoutKernel.fromUrl(wasmUrl);
  kernel.resize(n);
  kernel.setLinks(model.links().pairs);
  const ticks = n >= 50000 ? 3 : n >= 10000 ? 5 : 20;
  // Warm-up as for the baseline: at least 5 ticks and 1 s (lets the engine tier up).
  for (let i = 0, w0 = performance.now(); i < 5 || performance.now() - w0 < 1000; i++) {
    kernel.reheat(0.5);
    kernel.tick(1);
  }
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) {
    kernel.reheat(0.5);
    kernel.tick(1);
  }
  const layoutMsPerTick = (performance.now() - t0) / ticks;
  let first = 0;
  const view = await FleetView.create(document.getElementById('fleet') as HTMLCanvasElement, model, {
    renderer: choice,
    wasmUrl,
    onFirstFrame: (ms) => (first = ms),
  });
  view.start();
  (window as unknown as { __view: unknown }).__view = view;
  while (!first) await new Promise((r) => setTimeout(r, 20));
  const { frames, windowMs } = await countFrames(window_ms);
  const workerMsPerTick = view.layoutTickMs;
  // Then, once the layout has settled (or after a minute), the frame rate at rest.
  let fpsAtRest = NaN;
  const until = performance.now() + 60000;
  while (view.layoutAlpha >= 0.002 && performance.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (view.layoutAlpha < 0.002) {
    const rest = await countFrames(Math.min(window_ms, 3000));
    fpsAtRest = (rest.frames * 1000) / rest.windowMs;
  }
  window.__bench = {
    fpsAtRest,
    impl: 'genesis',
    n,
    renderer: view.renderer.kind,
    fps: (frames * 1000) / windowMs,
    frames,
    windowMs,
    layoutMsPerTick,
    workerMsPerTick,
    firstFrameMs: first,
  };
}

(window as unknown as { __view: unknown }).__view = null;
run().catch((e: unknown) => (window.__bench = { error: String(e) }));
