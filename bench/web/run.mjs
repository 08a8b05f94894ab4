#!/usr/bin/env node
// Browser benchmark of the shell (make bench): warm and cold boot, and frames
// per second and layout time per tick at 1,000 / 10,000 / 50,000 agents, beside
// the same scene drawn by the 3d-force-graph package in the same run.
// Headless Debian Chromium via playwright-core; genesisd serves the pages.
//
//   node bench/web/run.mjs [build-dir]
//   env: GENESIS_BENCH_SIZES=1000,10000,50000 (empty: boot only)  GENESIS_BENCH_MS=5000 (FPS window)
//        GENESIS_BENCH_RUNS=cold,warm (boot samples)  GENESIS_BENCH_JSON=path
//        GENESIS_BENCH_BOOT_BASELINE=DIR (another build's web/dist: warm boots of both,
//        interleaved, 30 each, to compare a change against its baseline in one run)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const web = join(repo, 'web');
const build = resolve(repo, process.argv[2] ?? 'build');
const require = createRequire(join(web, 'package.json'));
const { chromium } = require('playwright-core');

const sizes = (process.env.GENESIS_BENCH_SIZES ?? '1000,10000,50000').split(',').filter(Boolean).map(Number);
const windowMs = Number(process.env.GENESIS_BENCH_MS ?? 5000);
const [coldRuns, warmRuns] = (process.env.GENESIS_BENCH_RUNS ?? '5,15').split(',').map(Number);
const viewport = { width: 1280, height: 800 };
const FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];
const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader',
  '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

async function daemon(webDir) {
  const dir = mkdtempSync(join(tmpdir(), 'genesis-bench-'));
  const bin = process.env.GENESISD ?? join(build, 'apps/genesisd/genesisd');
  const proc = spawn(bin, ['--listen', '127.0.0.1:0', '--store', `sqlite:${join(dir, 'g.db')}`, '--web', webDir],
                     { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((res, rej) => {
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) res(`http://${m[1]}`);
    });
    proc.on('exit', (c) => rej(new Error(`genesisd exited ${c}`)));
  });
  return { url, stop: () => { proc.kill('SIGTERM'); rmSync(dir, { recursive: true, force: true }); } };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

async function bootOf(page, url) {
  // Wait passively, on the network, for the boot report the shell posts
  // (POST /v1/agents/{id}/events with boot_ms): polling from the page would
  // inject Playwright's script into the main thread the boot is racing for.
  const reported = page.waitForRequest((r) => r.method() === 'POST' && /\/v1\/agents\/[^/]+\/events$/.test(r.url()), { timeout: 30000 });
  await page.goto(url + '/', { waitUntil: 'commit' });
  await reported.catch(() => undefined);
  await page.waitForFunction(() => window.__genesis && (window.__genesis.bootMs !== null || window.__genesis.error), null, { timeout: 30000 });
  await page.waitForFunction(() => window.__genesis.firstFrameMs !== null, null, { timeout: 30000 }).catch(() => {});
  return page.evaluate(() => ({ boot: window.__genesis.bootMs, warm: window.__genesis.warm, first: window.__genesis.firstFrameMs }));
}

async function bootBench(browser, url) {
  const cold = [], warm = [];
  for (let i = 0; i < coldRuns; i++) {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    cold.push(await bootOf(page, url));
    await ctx.close();
  }
  const ctx = await browser.newContext({ viewport });
  let page = await ctx.newPage();
  await bootOf(page, url);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.close();
  for (let i = 0; i < warmRuns; i++) {
    page = await ctx.newPage();
    const r = await bootOf(page, url);
    if (!r.warm) throw new Error('second visit was not served by the Service Worker');
    warm.push(r);
    await page.close();
  }
  await ctx.close();
  return {
    cold_boot_ms: median(cold.map((r) => r.boot)), cold_first_frame_ms: median(cold.map((r) => r.first)),
    warm_boot_ms: median(warm.map((r) => r.boot)), warm_first_frame_ms: median(warm.map((r) => r.first)),
    warm_boot_min_ms: Math.min(...warm.map((r) => r.boot)), warm_boot_max_ms: Math.max(...warm.map((r) => r.boot)),
    cold_samples: cold.length, warm_samples: warm.length,
  };
}

// Warm boots of two builds, interleaved so drift in the machine's load hits both.
async function bootAB(browser, sides, n = 30) {
  for (const side of sides) {
    side.ctx = await browser.newContext({ viewport });
    const page = await side.ctx.newPage();
    await bootOf(page, side.url);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.close();
    side.boots = [];
  }
  for (let i = 0; i < n; i++) {
    for (const side of sides) {
      const page = await side.ctx.newPage();
      const r = await bootOf(page, side.url);
      if (!r.warm) throw new Error('second visit was not served by the Service Worker');
      side.boots.push(r.boot);
      await page.close();
    }
  }
  for (const side of sides) await side.ctx.close();
  const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(0.9 * (xs.length - 1))];
  return sides.map((s) => ({ name: s.name, warm_boot_ms: median(s.boots), warm_boot_min_ms: Math.min(...s.boots), warm_boot_p90_ms: p90(s.boots), samples: s.boots.length }));
}

async function scene(browser, url, page, n, renderer) {
  const ctx = await browser.newContext({ viewport });
  const p = await ctx.newPage();
  const timeout = 150000 + n * 4;
  try {
    await p.goto(`${url}/${page}.html?n=${n}&renderer=${renderer}&ms=${windowMs}`);
    await p.waitForFunction(() => window.__bench !== undefined, null, { timeout, polling: 500 });
    return await p.evaluate(() => window.__bench);
  } catch (e) {
    return { error: String(e).split('\n')[0] };
  } finally {
    await ctx.close();
  }
}

async function main() {
  if (!existsSync(join(web, 'dist/index.html'))) throw new Error('web/dist missing: run make web');
  execFileSync('npx', ['vite', 'build', '-c', 'vite.bench.config.ts', '--logLevel', 'error'], { cwd: web, stdio: 'inherit' });
  const results = { machine: `${(await import('node:os')).cpus()[0]?.model} x${(await import('node:os')).cpus().length}`, scenes: [] };
  const chromeVersion = execFileSync('/usr/bin/chromium', ['--version']).toString().trim();
  results.chromium = chromeVersion;

  const d1 = await daemon(join(web, 'dist'));
  const gl = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  try {
    results.boot = await bootBench(gl, d1.url);
  } finally {
    d1.stop();
  }
  console.log(`== shell boot (headless Chromium, genesisd on 127.0.0.1, medians of ${results.boot.cold_samples} cold / ${results.boot.warm_samples} warm)`);
  console.log(`cold boot ${fmt(results.boot.cold_boot_ms)} ms  first frame ${fmt(results.boot.cold_first_frame_ms)} ms`);
  console.log(`warm boot ${fmt(results.boot.warm_boot_ms)} ms (min ${fmt(results.boot.warm_boot_min_ms)}, max ${fmt(results.boot.warm_boot_max_ms)})  first frame ${fmt(results.boot.warm_first_frame_ms)} ms`);
  if (process.env.GENESIS_BENCH_BOOT_BASELINE) {
    const base = await daemon(resolve(process.env.GENESIS_BENCH_BOOT_BASELINE));
    const cur = await daemon(join(web, 'dist'));
    const b = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
    try {
      results.boot_ab = await bootAB(b, [{ name: 'baseline', url: base.url }, { name: 'this build', url: cur.url }]);
    } finally {
      await b.close();
      base.stop();
      cur.stop();
    }
    for (const r of results.boot_ab) {
      console.log(`warm boot, ${r.name.padEnd(10)} ${fmt(r.warm_boot_ms)} ms median (min ${fmt(r.warm_boot_min_ms)}, p90 ${fmt(r.warm_boot_p90_ms)}) over ${r.samples} interleaved`);
    }
  }

  const d2 = await daemon(join(web, 'build/bench-dist'));
  const gpu = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...FLAGS, ...WEBGPU] });
  console.log(`== fleet view (${viewport.width}x${viewport.height}; fps over ${windowMs} ms with the layout running; layout ms/tick timed alone on the page thread; worker ms/tick while rendering)`);
  console.log('agents  implementation     renderer            fps    layout ms/tick  first frame ms  fps at rest  worker ms/tick');
  try {
    for (const n of sizes) {
      for (const [b, page, renderer] of [[gl, 'ours', 'webgl2'], [gpu, 'ours', 'webgpu'], [gl, 'baseline', 'webgl2']]) {
        const r = await scene(b, d2.url, page, n, renderer);
        results.scenes.push({ n, page, requested: renderer, ...r });
        if (r.error) console.log(`${String(n).padEnd(7)} ${page.padEnd(18)} ${renderer.padEnd(19)} error: ${r.error}`);
        else console.log(`${String(n).padEnd(7)} ${r.impl.padEnd(18)} ${r.renderer.padEnd(19)} ${fmt(r.fps).padStart(5)}  ${fmt(r.layoutMsPerTick, 2).padStart(14)}  ${fmt(r.firstFrameMs, 0).padStart(14)}  ${fmt(r.fpsAtRest ?? NaN).padStart(11)}  ${fmt(r.workerMsPerTick ?? NaN, 2).padStart(14)}`);
      }
    }
  } finally {
    d2.stop();
    await gl.close();
    await gpu.close();
  }
  const out = process.env.GENESIS_BENCH_JSON ?? join(build, 'web-bench.json');
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(`(results in ${out})`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
