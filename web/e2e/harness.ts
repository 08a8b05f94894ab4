// E2E harness: a real genesisd (ephemeral port, temp SQLite store, serving
// web/dist) and Debian's Chromium driven by playwright-core. No browser is
// downloaded; no request leaves 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const WEB_DIR = resolve(__dirname, '..');
export const REPO = resolve(WEB_DIR, '..');

export const CHROMIUM = process.env.GENESIS_CHROMIUM ?? '/usr/bin/chromium';
export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];
/** Flags that give headless Chromium a SwiftShader WebGPU adapter (see issue 5). */
export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-angle=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

export function genesisdPath(): string {
  const p = process.env.GENESISD ?? join(REPO, 'build/apps/genesisd/genesisd');
  if (!existsSync(p)) throw new Error(`genesisd not found at ${p} (build it, or set GENESISD)`);
  return p;
}

export interface Daemon {
  url: string;
  proc: ChildProcess;
  dir: string;
  stop(): Promise<void>;
}

export async function startDaemon(): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-e2e-'));
  const proc = spawn(genesisdPath(), ['--listen', '127.0.0.1:0', '--store', `sqlite:${join(dir, 'g.db')}`, '--web', join(WEB_DIR, 'dist')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const t = setTimeout(() => rej(new Error(`genesisd did not start: ${err}`)), 15000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        res(`http://${m[1]}`);
      }
    });
    proc.on('exit', (code) => rej(new Error(`genesisd exited ${code}: ${err}`)));
  });
  return {
    url,
    proc,
    dir,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launch(webgpu: boolean, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...BASE_FLAGS, ...(webgpu ? WEBGPU_FLAGS : []), ...extraArgs],
  });
}

/** JSON over HTTP against the daemon, as the CLI or another client would. */
export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: T }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, data: (text ? JSON.parse(text) : null) as T };
}

/**
 * What the browser refused under the shell's Content-Security-Policy, on every
 * page the tests open (Chromium reports each refusal on the console); the last
 * test expects none.
 */
export const cspViolations: string[] = [];

export function watchCsp(page: Page): void {
  page.on('console', (m) => {
    if (m.text().includes('Content Security Policy')) cspViolations.push(`${page.url()}: ${m.text()}`);
  });
}

export async function openShell(ctx: BrowserContext, url: string, query = ''): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e.message));
  watchCsp(page);
  await page.goto(url + '/' + query);
  await page.waitForFunction(() => window.__genesis?.view !== null && window.__genesis?.loaded === true, null, { timeout: 30000 });
  return page;
}

export async function waitForAgent(page: Page, id: string, timeout = 15000): Promise<void> {
  await page.waitForFunction(
    (aid) => {
      const g = window.__genesis;
      return !!g.view && g.view.screenOf(aid) !== null;
    },
    id,
    { timeout },
  );
}

/** Waits until the layout has come (nearly) to rest so positions stay put. */
export async function waitForRest(page: Page, timeout = 30000): Promise<void> {
  await page.waitForFunction(() => (window.__genesis.view?.layoutAlpha ?? 1) < 0.002, null, { timeout });
}

/** Waits until the view has drawn `n` more frames (so a camera change is on screen). */
export async function waitFrames(page: Page, n = 3): Promise<void> {
  const start = await page.evaluate(() => window.__genesis.view!.frames);
  await page.waitForFunction(([s, k]) => window.__genesis.view!.frames >= s! + k!, [start, n], { timeout: 30000 });
}

export async function screenOf(page: Page, id: string): Promise<{ x: number; y: number }> {
  const p = await page.evaluate((aid) => window.__genesis.view!.screenOf(aid), id);
  if (!p) throw new Error(`agent ${id} not on screen`);
  return p;
}

// --- minimal PNG decoder (8-bit RGB/RGBA, non-interlaced: what Chromium writes) ---
export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export function decodePng(buf: Buffer): Image {
  let off = 8;
  let width = 0, height = 0, colorType = 0, bitDepth = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      bitDepth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw new Error('interlaced PNG');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6)) throw new Error(`PNG type ${colorType}/${bitDepth}`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = new Uint8Array(width * height * 4);
  const prev = new Uint8Array(stride);
  const cur = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp]! : 0;
      const b = prev[i]!;
      const c = i >= bpp ? prev[i - bpp]! : 0;
      let v = line[i]!;
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      out[(y * width + x) * 4] = cur[x * bpp]!;
      out[(y * width + x) * 4 + 1] = cur[x * bpp + 1]!;
      out[(y * width + x) * 4 + 2] = cur[x * bpp + 2]!;
      out[(y * width + x) * 4 + 3] = bpp === 4 ? cur[x * bpp + 3]! : 255;
    }
    prev.set(cur);
  }
  return { width, height, rgba: out };
}

/** Mean colour of the (2r+1)^2 pixels around (x, y). */
export function meanColor(img: Image, x: number, y: number, r = 2): [number, number, number] {
  let s0 = 0, s1 = 0, s2 = 0, n = 0;
  for (let dy = -r; dy <= r; dy++)
    for (let dx = -r; dx <= r; dx++) {
      const px = Math.round(x) + dx, py = Math.round(y) + dy;
      if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
      const o = (py * img.width + px) * 4;
      s0 += img.rgba[o]!;
      s1 += img.rgba[o + 1]!;
      s2 += img.rgba[o + 2]!;
      n++;
    }
  return [s0 / n, s1 / n, s2 / n];
}

/** Pixels that differ from the background by more than `tol` on some channel. */
export function litPixels(img: Image, tol = 40): number {
  let n = 0;
  for (let i = 0; i < img.rgba.length; i += 4) {
    if (img.rgba[i]! > 5 + tol || img.rgba[i + 1]! > 8 + tol || img.rgba[i + 2]! > 18 + tol) n++;
  }
  return n;
}
