// The baseline: the same scene drawn by the 3d-force-graph package (one three.js
// mesh per node, d3-force-3d ticking on the main thread), with its defaults.
import ForceGraph3D from '3d-force-graph';
import * as d3 from 'd3-force-3d';
import { emotionCss } from '../src/emotion';
import { countFrames, sceneAgents, sceneSize } from './scene';

interface N {
  id: string;
  color: string;
  x?: number;
}

async function run(): Promise<void> {
  const n = sceneSize();
  const window_ms = Number(new URLSearchParams(location.search).get('ms') ?? '5000');
  const agents = sceneAgents(n);
  const graph = () => ({
    nodes: agents.map((a) => ({ id: a.id, color: emotionCss(a.emotion) })) as N[],
    links: agents.filter((a) => a.parent_id).map((a) => ({ source: a.parent_id!, target: a.id })),
  });
  // d3-force-3d's tick on this scene, timed alone (3d-force-graph's forces: link, charge, centre).
  const g = graph();
  const sim = d3
    .forceSimulation(g.nodes, 3)
    .force('link', d3.forceLink(g.links).id((d: { id: string }) => d.id))
    .force('charge', d3.forceManyBody())
    .force('center', d3.forceCenter())
    .stop();
  const ticks = n >= 50000 ? 3 : n >= 10000 ? 5 : 20;
  // Warm-up: at least 5 ticks and 1 s (lets the JIT tier up), as for ours.
  for (let i = 0, w0 = performance.now(); i < 5 || performance.now() - w0 < 1000; i++) sim.alpha(0.5).tick(1);
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) sim.alpha(0.5).tick(1);
  const layoutMsPerTick = (performance.now() - t0) / ticks;

  const el = document.getElementById('graph')!;
  let first = 0;
  const fg = new ForceGraph3D(el).nodeColor('color').graphData(graph());
  await new Promise<void>((resolve) => {
    const check = () => {
      if (fg.renderer().info.render.frame > 0) {
        first = performance.now();
        resolve();
      } else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  const { frames, windowMs } = await countFrames(window_ms);
  window.__bench = {
    impl: '3d-force-graph',
    n,
    renderer: 'webgl2 (three.js)',
    fps: (frames * 1000) / windowMs,
    frames,
    windowMs,
    layoutMsPerTick,
    firstFrameMs: first,
  };
}

run().catch((e: unknown) => (window.__bench = { error: String(e) }));
