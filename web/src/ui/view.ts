// The fleet view: draws the FleetModel with a Renderer, runs the layout in a
// Web Worker, and turns mouse/keyboard input into camera moves, selection and
// re-parenting (drag a node onto another).

import { animationRate, emotionColor, emotionGlow } from '../emotion';
import { FLAG_DETECTION, type FleetModel, type FleetNode } from '../fleet';
import type { FromWorker, ToWorker } from '../layout/protocol';
import { OrbitCamera, spritePixels } from '../render/camera';
import { EDGE_STRIDE, NODE_STRIDE, type Renderer } from '../render/renderer';

export type RendererChoice = 'auto' | 'webgpu' | 'webgl2';

export interface ViewOptions {
  renderer: RendererChoice;
  wasmUrl: string;
  /** Called when a node is dropped onto another; reject with a reason to refuse. */
  onMove?: (node: FleetNode, target: FleetNode) => Promise<void>;
  onSelect?: (node: FleetNode | null) => void;
  onFirstFrame?: (ms: number) => void;
  onToast?: (message: string, kind: 'error' | 'info') => void;
}

export const NODE_SIZE = 5;
const MIN_PIXELS = 2.5;

async function createRenderer(canvas: HTMLCanvasElement, choice: RendererChoice): Promise<{ r: Renderer; canvas: HTMLCanvasElement }> {
  if (choice !== 'webgl2') {
    try {
      const { WebGPURenderer } = await import('../render/webgpu');
      const r = await WebGPURenderer.create(canvas);
      if (r) {
        // A device lost right away (e.g. no Vulkan) would draw nothing: fall back.
        await new Promise((res) => setTimeout(res, 0));
        if (!r.lost) return { r, canvas };
      }
    } catch (e) {
      console.warn('genesis: WebGPU unavailable', e);
    }
    if (choice === 'webgpu') console.warn('genesis: WebGPU requested but unavailable; using WebGL2');
    // A canvas that had a webgpu context cannot give a webgl2 one: use a fresh canvas.
    const fresh = canvas.cloneNode(false) as HTMLCanvasElement;
    canvas.replaceWith(fresh);
    canvas = fresh;
  }
  const { WebGL2Renderer } = await import('../render/gl2');
  const r = WebGL2Renderer.create(canvas);
  if (!r) throw new Error('neither WebGPU nor WebGL2 is available');
  return { r, canvas };
}

export class FleetView {
  readonly camera = new OrbitCamera();
  renderer!: Renderer;
  canvas: HTMLCanvasElement;
  private worker!: Worker;
  positions: Float32Array = new Float32Array(0);
  posCount = 0;
  private sentVersion = -1;
  private seenAttrVersion = -1;
  private attrs = new Float32Array(0);
  private edges = new Uint32Array(0);
  private nextExpiry = Infinity;
  private readonly t0 = performance.now();
  private firstFrameDone = false;
  private frameTimes: number[] = [];
  frames = 0;
  layoutTickMs = 0;
  layoutTicks = 0;
  layoutAlpha = 1;
  private running = false;
  private dpr = 1;
  private drag:
    | { kind: 'node'; node: FleetNode; id: string; x: number; y: number; orig: [number, number, number]; moved: boolean }
    | { kind: 'orbit' | 'pan'; x: number; y: number; moved: boolean }
    | null = null;
  dropTarget: FleetNode | null = null;
  /** The last refused drag: which agent was put back, and where. */
  lastSnapBack: { id: string; to: [number, number, number] } | null = null;
  private ready!: Promise<void>;

  private constructor(
    canvas: HTMLCanvasElement,
    readonly model: FleetModel,
    private readonly opts: ViewOptions,
  ) {
    this.canvas = canvas;
  }

  static async create(canvas: HTMLCanvasElement, model: FleetModel, opts: ViewOptions): Promise<FleetView> {
    const v = new FleetView(canvas, model, opts);
    const { r, canvas: c } = await createRenderer(canvas, opts.renderer);
    v.renderer = r;
    v.canvas = c;
    v.startWorker();
    v.bindInput();
    v.resize();
    window.addEventListener('resize', () => v.resize());
    return v;
  }

  private startWorker(): void {
    this.worker = new Worker(new URL('../layout/worker.ts', import.meta.url), { type: 'module' });
    this.ready = new Promise((resolve) => {
      this.worker.onmessage = (ev: MessageEvent<FromWorker>) => {
        const m = ev.data;
        if (m.type === 'ready') resolve();
        else if (m.type === 'error') this.opts.onToast?.(`layout: ${m.message}`, 'error');
        else if (m.type === 'positions') {
          this.positions = m.xyz;
          this.posCount = m.count;
          this.renderer.setPositions(m.xyz, m.count);
          if (m.ticks) this.layoutTickMs = m.tickMs;
          this.layoutTicks += m.ticks;
          this.layoutAlpha = m.alpha;
          if (this.camera.auto) this.autoFit();
        }
      };
    });
    this.post({ type: 'init', wasmUrl: this.opts.wasmUrl });
  }

  whenLayoutReady(): Promise<void> {
    return this.ready;
  }

  private post(m: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  resize(): void {
    this.dpr = Math.min(devicePixelRatio || 1, 2);
    const w = Math.max(1, Math.floor(this.canvas.clientWidth * this.dpr));
    const h = Math.max(1, Math.floor(this.canvas.clientHeight * this.dpr));
    this.canvas.width = w;
    this.canvas.height = h;
    this.camera.width = w;
    this.camera.height = h;
    this.renderer.resize(w, h);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = (t: number) => {
      if (!this.running) return;
      this.frame(t);
      requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  }

  stop(): void {
    this.running = false;
  }

  /** Frames per second over the last second of frames. */
  get fps(): number {
    const ft = this.frameTimes;
    if (ft.length < 2) return 0;
    return ((ft.length - 1) * 1000) / (ft[ft.length - 1]! - ft[0]!);
  }

  private syncStructure(): void {
    const m = this.model;
    if (m.version === this.sentVersion) return;
    const ops = m.drainOps();
    const { pairs, counter } = m.links();
    const edgeCount = pairs.length / 2;
    if (this.edges.length < edgeCount * EDGE_STRIDE) this.edges = new Uint32Array(Math.max(1024, edgeCount * 2) * EDGE_STRIDE);
    for (let i = 0; i < edgeCount; i++) {
      this.edges[i * 3] = pairs[i * 2]!;
      this.edges[i * 3 + 1] = pairs[i * 2 + 1]!;
      this.edges[i * 3 + 2] = counter[i]!;
    }
    this.renderer.setEdges(this.edges, edgeCount);
    const adds = ops.filter((o) => o.op === 'add').length;
    const reheat = this.sentVersion < 0 || adds > 20 ? 1 : 0.3;
    this.post({ type: 'ops', version: m.version, ops, links: pairs, reheat }, [pairs.buffer]);
    this.sentVersion = m.version;
  }

  private syncAttrs(now: number): void {
    const m = this.model;
    if (m.attrVersion === this.seenAttrVersion && now < this.nextExpiry) return;
    const n = m.size;
    if (this.attrs.length < n * NODE_STRIDE) this.attrs = new Float32Array(Math.max(1024, n * 2) * NODE_STRIDE);
    const a = this.attrs;
    let expiry = Infinity;
    for (let i = 0; i < n; i++) {
      const node = m.order[i]!;
      const e = node.agent.emotion;
      const [r, g, b] = emotionColor(e);
      const o = i * NODE_STRIDE;
      a[o] = r;
      a[o + 1] = g;
      a[o + 2] = b;
      a[o + 3] = 1;
      a[o + 4] = node.agent.parent_id ? NODE_SIZE : NODE_SIZE * 1.5;
      a[o + 5] = emotionGlow(e);
      a[o + 6] = animationRate(e);
      const f = m.flags(node, now);
      a[o + 7] = f;
      if (f & FLAG_DETECTION) expiry = Math.min(expiry, node.detectionUntil);
    }
    this.nextExpiry = expiry;
    this.renderer.setNodes(a, n);
    this.seenAttrVersion = m.attrVersion;
  }

  /** Draws one frame now (the animation loop calls this; benchmarks may too). */
  frame(t = performance.now()): void {
    this.syncStructure();
    this.syncAttrs(t);
    const cam = this.camera;
    const view = cam.view();
    const viewProj = cam.viewProjection();
    const projScale = cam.height / (2 * Math.tan(cam.fovy / 2));
    this.renderer.render({ view, viewProj, time: (t - this.t0) / 1000, projScale, minPixels: MIN_PIXELS * this.dpr, lineWidth: this.dpr });
    this.frames++;
    this.frameTimes.push(t);
    while (this.frameTimes.length > 2 && t - this.frameTimes[0]! > 1000) this.frameTimes.shift();
    if (!this.firstFrameDone && this.posCount > 0 && this.model.size > 0) {
      this.firstFrameDone = true;
      this.opts.onFirstFrame?.(performance.now());
    }
  }

  private autoFit(): void {
    const n = this.posCount;
    if (n === 0) return;
    const p = this.positions;
    let cx = 0, cy = 0, cz = 0;
    for (let i = 0; i < n; i++) {
      cx += p[3 * i]!;
      cy += p[3 * i + 1]!;
      cz += p[3 * i + 2]!;
    }
    cx /= n;
    cy /= n;
    cz /= n;
    const d2: number[] = [];
    const step = Math.max(1, Math.floor(n / 2000));
    for (let i = 0; i < n; i += step) d2.push((p[3 * i]! - cx) ** 2 + (p[3 * i + 1]! - cy) ** 2 + (p[3 * i + 2]! - cz) ** 2);
    d2.sort((a, b) => a - b);
    const r = Math.sqrt(d2[Math.floor((d2.length - 1) * 0.98)] ?? 0) + NODE_SIZE * 3;
    this.camera.fit([cx, cy, cz], Math.max(r, 40));
    this.camera.auto = true;
  }

  position(i: number): [number, number, number] | null {
    if (i >= this.posCount) return null;
    const p = this.positions;
    return [p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!];
  }

  /** CSS-pixel position of agent `id` on the canvas, or null if not drawn. */
  screenOf(id: string): { x: number; y: number } | null {
    const node = this.model.nodes.get(id);
    if (!node) return null;
    const p = this.position(node.index);
    if (!p) return null;
    const s = OrbitCamera.project(this.camera.viewProjection(), p[0], p[1], p[2], this.canvas.width, this.canvas.height);
    if (!s) return null;
    const rect = this.canvas.getBoundingClientRect();
    return { x: rect.left + s.sx / this.dpr, y: rect.top + s.sy / this.dpr };
  }

  /** The node under CSS point (x, y) relative to the canvas, nearest the camera on ties. */
  pick(x: number, y: number, exclude?: FleetNode): FleetNode | null {
    const vp = this.camera.viewProjection();
    const w = this.canvas.width, h = this.canvas.height;
    const sx = x * this.dpr, sy = y * this.dpr;
    let best: FleetNode | null = null;
    let bestScore = Infinity;
    const n = Math.min(this.posCount, this.model.size);
    const p = this.positions;
    for (let i = 0; i < n; i++) {
      const node = this.model.order[i]!;
      if (node === exclude) continue;
      const s = OrbitCamera.project(vp, p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!, w, h);
      if (!s) continue;
      const size = node.agent.parent_id ? NODE_SIZE : NODE_SIZE * 1.5;
      const rad = Math.max(spritePixels(size, s.depth, this.camera.fovy, h), MIN_PIXELS * this.dpr) * 1.25 + 3 * this.dpr;
      const d = Math.hypot(s.sx - sx, s.sy - sy);
      if (d > rad) continue;
      const score = d / rad + s.depth * 1e-9;
      if (score < bestScore) {
        bestScore = score;
        best = node;
      }
    }
    return best;
  }

  focus(node: FleetNode): void {
    const p = this.position(node.index);
    if (!p) return;
    this.camera.auto = false;
    this.camera.target = [...p];
    this.camera.distance = Math.min(this.camera.distance, 250);
  }

  fitAll(): void {
    this.camera.auto = true;
    this.autoFit();
  }

  private local(e: MouseEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private bindInput(): void {
    const c = this.canvas;
    c.tabIndex = 0;
    c.addEventListener('contextmenu', (e) => e.preventDefault());
    c.addEventListener('pointerdown', (e) => {
      const { x, y } = this.local(e);
      c.setPointerCapture(e.pointerId);
      c.focus();
      const hit = e.button === 0 && !e.shiftKey ? this.pick(x, y) : null;
      if (hit) {
        const p = this.position(hit.index) ?? [0, 0, 0];
        this.drag = { kind: 'node', node: hit, id: hit.agent.id, x, y, orig: p, moved: false };
      } else {
        this.drag = { kind: e.button === 2 || e.shiftKey ? 'pan' : 'orbit', x, y, moved: false };
      }
    });
    c.addEventListener('pointermove', (e) => {
      const d = this.drag;
      if (!d) return;
      const { x, y } = this.local(e);
      if (!d.moved && Math.hypot(x - d.x, y - d.y) < 4) return;
      d.moved = true;
      if (d.kind === 'node') {
        const node = this.model.nodes.get(d.id);
        if (!node) return;
        const wp = this.camera.unprojectAtDepth(x * this.dpr, y * this.dpr, d.orig);
        this.post({ type: 'pin', index: node.index, x: wp[0], y: wp[1], z: wp[2] });
        // Show the dragged node where the pointer is right away.
        if (node.index < this.posCount) this.positions.set(wp, node.index * 3);
        this.renderer.setPositions(this.positions, this.posCount);
        this.dropTarget = this.pick(x, y, node);
        c.style.cursor = this.dropTarget ? 'copy' : 'grabbing';
      } else if (d.kind === 'orbit') {
        this.camera.orbit(-(x - d.x) * 0.008, (y - d.y) * 0.008);
        d.x = x;
        d.y = y;
      } else {
        this.camera.pan(x - d.x, y - d.y);
        d.x = x;
        d.y = y;
      }
    });
    const end = (e: PointerEvent) => {
      const d = this.drag;
      this.drag = null;
      c.style.cursor = '';
      if (!d) return;
      if (!d.moved) {
        if (d.kind === 'node') this.select(d.node);
        else if (d.kind === 'orbit') this.select(null);
        return;
      }
      if (d.kind !== 'node') return;
      const node = this.model.nodes.get(d.id);
      const { x, y } = this.local(e);
      // The node under the pointer, else the one last hovered (targets move a little while the
      // layout runs).
      const hovered = this.dropTarget && this.model.nodes.has(this.dropTarget.agent.id) ? this.dropTarget : null;
      const target = node ? (this.pick(x, y, node) ?? hovered) : null;
      this.dropTarget = null;
      if (!node) return;
      if (!target || !this.opts.onMove) {
        this.post({ type: 'unpin', index: node.index });
        return;
      }
      this.opts.onMove(node, target).then(
        () => {
          const n2 = this.model.nodes.get(d.id);
          if (n2) this.post({ type: 'unpin', index: n2.index });
        },
        (err: unknown) => {
          const n2 = this.model.nodes.get(d.id);
          if (n2) {
            // Snap back to where the drag started.
            this.post({ type: 'place', index: n2.index, x: d.orig[0], y: d.orig[1], z: d.orig[2] });
            this.post({ type: 'unpin', index: n2.index });
            if (n2.index < this.posCount) this.positions.set(d.orig, n2.index * 3);
            this.renderer.setPositions(this.positions, this.posCount);
            this.lastSnapBack = { id: d.id, to: d.orig };
          }
          const msg = err instanceof Error ? err.message : String(err);
          this.opts.onToast?.(`move refused: ${msg}`, 'error');
        },
      );
    };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        this.camera.zoom(Math.exp(e.deltaY * 0.0015));
      },
      { passive: false },
    );
    c.addEventListener('keydown', (e) => this.key(e));
  }

  key(e: KeyboardEvent): boolean {
    const cam = this.camera;
    const step = 0.08;
    switch (e.key) {
      case 'ArrowLeft':
        cam.orbit(step, 0);
        break;
      case 'ArrowRight':
        cam.orbit(-step, 0);
        break;
      case 'ArrowUp':
        cam.orbit(0, step);
        break;
      case 'ArrowDown':
        cam.orbit(0, -step);
        break;
      case '+':
      case '=':
        cam.zoom(0.85);
        break;
      case '-':
      case '_':
        cam.zoom(1 / 0.85);
        break;
      case 'w':
        cam.pan(0, 30);
        break;
      case 's':
        cam.pan(0, -30);
        break;
      case 'a':
        cam.pan(30, 0);
        break;
      case 'd':
        cam.pan(-30, 0);
        break;
      case 'f':
        this.fitAll();
        break;
      case 'Escape':
        this.select(null);
        break;
      default:
        return false;
    }
    e.preventDefault();
    return true;
  }

  select(node: FleetNode | null): void {
    this.model.selectedId = node ? node.agent.id : null;
    this.model.attrVersion++;
    this.opts.onSelect?.(node);
  }
}
