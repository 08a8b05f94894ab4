// How emotion is drawn (the seed's rule): colour hsl(pleasure·360, arousal·100%, 50%),
// glow from arousal, slower animation when fatigue > 0.7.

import type { Emotion } from './types';

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0.5);

/** HSL (h in degrees, s and l in 0..1) to linear RGB in 0..1 (CSS Color 4 algorithm). */
export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  h = ((h % 360) + 360) % 360;
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)];
}

export function emotionColor(e: Emotion): [number, number, number] {
  return hslToRgb(clamp01(e.pleasure) * 360, clamp01(e.arousal), 0.5);
}

export function emotionCss(e: Emotion): string {
  return `hsl(${Math.round(clamp01(e.pleasure) * 360)}, ${Math.round(clamp01(e.arousal) * 100)}%, 50%)`;
}

/** Halo strength 0..1: calm agents barely glow, aroused ones glow wide. */
export function emotionGlow(e: Emotion): number {
  return 0.15 + 0.85 * clamp01(e.arousal);
}

/** Breathing animation rate in Hz; fatigued agents (fatigue > 0.7) slow to a crawl. */
export function animationRate(e: Emotion): number {
  const base = 0.4 + 1.2 * clamp01(e.arousal);
  return e.fatigue > 0.7 ? base * 0.25 : base;
}
