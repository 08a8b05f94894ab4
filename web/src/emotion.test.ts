import { describe, expect, it } from 'vitest';
import { animationRate, emotionColor, emotionCss, emotionGlow, hslToRgb } from './emotion';
import { NEUTRAL_EMOTION, type Emotion } from './types';

const e = (p: number, a: number, fatigue = 0): Emotion => ({ ...NEUTRAL_EMOTION, pleasure: p, arousal: a, fatigue });
const close = (got: number[], want: number[]) => got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));

describe('emotion colour: hsl(pleasure*360, arousal*100%, 50%)', () => {
  it('matches CSS hsl()', () => {
    close(hslToRgb(0, 1, 0.5), [1, 0, 0]);
    close(hslToRgb(120, 1, 0.5), [0, 1, 0]);
    close(hslToRgb(240, 1, 0.5), [0, 0, 1]);
    close(hslToRgb(60, 0.5, 0.5), [0.75, 0.75, 0.25]);
  });
  it('maps pleasure to hue and arousal to saturation', () => {
    close(emotionColor(e(0, 1)), [1, 0, 0]);
    close(emotionColor(e(1 / 3, 1)), [0, 1, 0]);
    close(emotionColor(e(0.5, 0)), [0.5, 0.5, 0.5]);
    expect(emotionCss(e(0.5, 0.25))).toBe('hsl(180, 25%, 50%)');
  });
  it('clamps out-of-range values', () => {
    close(emotionColor(e(-3, 7)), [1, 0, 0]);
  });
  it('glows more when aroused', () => {
    expect(emotionGlow(e(0.5, 1))).toBeGreaterThan(emotionGlow(e(0.5, 0.1)));
  });
  it('slows the animation when fatigue > 0.7', () => {
    expect(animationRate(e(0.5, 0.5, 0.8))).toBeLessThan(animationRate(e(0.5, 0.5, 0.7)) / 2);
    expect(animationRate(e(0.5, 0.5, 0.7))).toBe(animationRate(e(0.5, 0.5, 0)));
  });
});
