// The benchmark scene, identical for the shell and the 3d-force-graph baseline:
// n agents in a spawn tree (agent i's parent is agent (i - 1) / 4) with
// deterministic pseudo-random emotions.
import { NEUTRAL_EMOTION, type Agent } from '../src/types';

export function sceneSize(): number {
  return Number(new URLSearchParams(location.search).get('n') ?? '1000');
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function sceneAgents(n: number): Agent[] {
  const r = rng(42);
  const out: Agent[] = [];
  for (let i = 0; i < n; i++) {
    const id = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    const parent = i === 0 ? null : out[Math.floor((i - 1) / 4)]!.id;
    out.push({
      id,
      tenant_id: 'default',
      parent_id: parent,
      label: `agent-${i}`,
      path: '',
      mem_state: {},
      goals: [],
      emotion: { ...NEUTRAL_EMOTION, pleasure: r(), arousal: 0.3 + 0.7 * r(), fatigue: r() },
      policy: '',
      created_at: '',
      deleted_at: null,
    });
  }
  return out;
}

export interface SceneResult {
  impl: string;
  n: number;
  renderer: string;
  /** Frames drawn per second over the measurement window, layout running. */
  fps: number;
  /** Frames per second once the layout has settled (NaN: not measured). */
  fpsAtRest?: number;
  frames: number;
  windowMs: number;
  /** Mean ms per layout tick timed alone on the page's thread (wasm kernel or d3-force-3d). */
  layoutMsPerTick: number;
  /** Ours: mean ms per tick in the layout worker while the view renders. */
  workerMsPerTick?: number;
  /** Navigation start to the first frame with every node drawn. */
  firstFrameMs: number;
}

declare global {
  interface Window {
    __bench?: SceneResult | { error: string };
  }
}

/** Counts animation frames over `ms` (what the user sees, whoever draws them). */
export function countFrames(ms: number): Promise<{ frames: number; windowMs: number }> {
  return new Promise((resolve) => {
    let frames = 0;
    let t0 = 0;
    const step = (t: number) => {
      if (t0 === 0) t0 = t;
      else frames++;
      if (t - t0 >= ms) resolve({ frames, windowMs: t - t0 });
      else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
}
