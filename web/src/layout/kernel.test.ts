// The C++ layout kernel as WebAssembly (web/build/layout.wasm, built by
// scripts/build-web.sh): the same module the layout worker runs.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayoutKernel } from './kernel';

const WASM = resolve(__dirname, '../../build/layout.wasm');

async function kernel(): Promise<LayoutKernel> {
  if (!existsSync(WASM)) throw new Error(`${WASM} missing: run scripts/build-web.sh`);
  return LayoutKernel.fromBytes(readFileSync(WASM));
}

function tree(n: number, fanout: number): Uint32Array {
  const p = new Uint32Array((n - 1) * 2);
  for (let i = 1; i < n; i++) {
    p[(i - 1) * 2] = Math.floor((i - 1) / fanout);
    p[(i - 1) * 2 + 1] = i;
  }
  return p;
}

const dist = (p: Float32Array, a: number, b: number) => Math.hypot(p[3 * a]! - p[3 * b]!, p[3 * a + 1]! - p[3 * b + 1]!, p[3 * a + 2]! - p[3 * b + 2]!);

describe('layout.wasm', () => {
  let k: LayoutKernel;
  beforeAll(async () => {
    k = await kernel();
  });

  it('lays out a tree and comes to rest', () => {
    k.resize(300);
    expect(k.setLinks(tree(300, 3))).toBe(true);
    let ticks = 0;
    while (k.tick(1)) ticks++;
    expect(ticks).toBeGreaterThan(250);
    expect(ticks).toBeLessThan(320);
    const p = k.positions();
    expect(p.length).toBe(900);
    expect(p.every(Number.isFinite)).toBe(true);
    let sum = 0;
    for (let i = 1; i < 300; i++) sum += dist(p, Math.floor((i - 1) / 3), i);
    expect(sum / 299).toBeGreaterThan(20);
    expect(sum / 299).toBeLessThan(100);
    expect(k.cells).toBeGreaterThan(300);
  });

  it('pins a dragged point and reports bad indices', async () => {
    const j = await kernel();
    j.resize(50);
    j.setLinks(tree(50, 2));
    expect(j.pin(4, 100, 50, -25)).toBe(true);
    j.tick(40);
    const p = j.positions();
    expect([p[12], p[13], p[14]]).toEqual([100, 50, -25]);
    expect(j.pin(50, 0, 0, 0)).toBe(false);
    expect(j.copyPoint(0, 99)).toBe(false);
    expect(j.setLinks(new Uint32Array([0, 50]))).toBe(false);
  });

  it('grows and shrinks with the fleet (swap-remove)', async () => {
    const j = await kernel();
    j.resize(10);
    const before = j.positions().slice(27, 30);
    expect(j.copyPoint(9, 2)).toBe(true);
    j.resize(9);
    expect(j.size).toBe(9);
    expect([...j.positions().slice(6, 9)]).toEqual([...before]);
    j.resize(20000);
    expect(j.positions().length).toBe(60000);
  });
});
