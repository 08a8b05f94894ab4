// WebGPU backend: the same two draws as the WebGL2 backend (vertex pulling:
// draw(6 * count) with no vertex buffers, each vertex reading its node or edge
// from storage buffers by vertex_index / 6).

import { BACKGROUND, EDGE_STRIDE, NODE_STRIDE, nextCapacity, type Frame, type Renderer } from './renderer';

const SHADER = /* wgsl */ `
struct U {
  viewProj: mat4x4f,
  right: vec4f,
  up: vec4f,
  p: vec4f,  // time, projScale, minPixels, 0
  q: vec4f,  // viewport width / 2, height / 2, line width, 0
};
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read> pos: array<f32>;
@group(0) @binding(2) var<storage, read> attrs: array<vec4f>;
@group(0) @binding(3) var<storage, read> edges: array<u32>;

fn nodePos(i: u32) -> vec3f { return vec3f(pos[3u * i], pos[3u * i + 1u], pos[3u * i + 2u]); }
// Two triangles (0,1,2) (2,1,3) over the quad corners 0..3.
fn quadCorner(k: u32) -> u32 {
  if (k < 3u) { return k; }
  if (k == 3u) { return 2u; }
  if (k == 4u) { return 1u; }
  return 3u;
}

struct NodeOut {
  @builtin(position) position: vec4f,
  @location(0) uv: vec2f,
  @location(1) color: vec4f,
  @location(2) params: vec4f,  // halo strength, flags, extent, pulse
};

@vertex fn nodeVs(@builtin(vertex_index) v: u32) -> NodeOut {
  let ii = v / 6u;
  let vi = quadCorner(v - ii * 6u);
  let corner = vec2f(f32(vi & 1u), f32((vi >> 1u) & 1u)) * 2.0 - 1.0;
  let color = attrs[2u * ii];
  let prm = attrs[2u * ii + 1u];
  let flags = u32(prm.w + 0.5);
  let breathe = 1.0 + 0.12 * sin(u.p.x * 6.2831853 * prm.z + f32(ii) * 0.7);
  var size = prm.x * breathe;
  let p = nodePos(ii);
  let c = u.viewProj * vec4f(p, 1.0);
  let px = size * u.p.y / max(c.w, 1e-3);
  if (px < u.p.z) { size = size * u.p.z / max(px, 1e-6); }
  var extent = 1.0;
  if (px >= 2.0) { extent = 1.0 + 1.6 * prm.y; }
  if ((flags & 9u) != 0u) { extent = max(extent, 1.6); }
  let world = p + (u.right.xyz * corner.x + u.up.xyz * corner.y) * size * extent;
  var col = color.rgb;
  if ((flags & 2u) != 0u) { col = vec3f(0.2, 0.45, 1.0); }
  let pulse = 0.5 + 0.5 * sin(u.p.x * 9.0);
  if ((flags & 1u) != 0u) { col = mix(col, vec3f(1.0, 0.08, 0.05), 0.55 + 0.45 * pulse); }
  var alpha = color.a;
  if ((flags & 16u) != 0u) { alpha = alpha * 0.12; }
  var o: NodeOut;
  o.position = u.viewProj * vec4f(world, 1.0);
  o.uv = corner * extent;
  o.color = vec4f(col, alpha);
  o.params = vec4f(prm.y, f32(flags), extent, pulse);
  return o;
}

@fragment fn nodeFs(i: NodeOut) -> @location(0) vec4f {
  let d = length(i.uv);
  if (d > i.params.z) { discard; }
  let flags = u32(i.params.y + 0.5);
  var a: f32;
  var rgb: vec3f;
  if (d <= 1.0) {
    rgb = i.color.rgb * (1.05 - 0.35 * d * d);
    a = 1.0;
  } else {
    let t = (d - 1.0) / max(i.params.z - 1.0, 1e-3);
    a = i.params.x * 0.55 * (1.0 - t) * (1.0 - t);
    if ((flags & 1u) != 0u) { a = max(a, (1.0 - t) * (0.4 + 0.6 * i.params.w)); }
    rgb = i.color.rgb;
  }
  if ((flags & 8u) != 0u && d > 1.08 && d < 1.35) { rgb = vec3f(1.0); a = 1.0; }
  if ((flags & 4u) != 0u && d > 0.78 && d < 0.92) { rgb = vec3f(1.0); a = 1.0; }
  return vec4f(rgb * a, a) * i.color.a;
}

struct EdgeOut {
  @builtin(position) position: vec4f,
  @location(0) color: vec4f,
};

// Edges as thin screen-space quads, 4 vertices per edge.
@vertex fn edgeVs(@builtin(vertex_index) v: u32) -> EdgeOut {
  let ii = v / 6u;
  let vi = quadCorner(v - ii * 6u);
  let a = u.viewProj * vec4f(nodePos(edges[3u * ii]), 1.0);
  let b = u.viewProj * vec4f(nodePos(edges[3u * ii + 1u]), 1.0);
  var p = a;
  if ((vi & 1u) != 0u) { p = b; }
  let sa = a.xy / max(a.w, 1e-4) * u.q.xy;
  let sb = b.xy / max(b.w, 1e-4) * u.q.xy;
  let dir = sb - sa;
  let len = length(dir);
  var n = vec2f(0.0, 1.0);
  if (len > 1e-4) { n = vec2f(-dir.y, dir.x) / len; }
  var side = -0.5;
  if ((vi & 2u) != 0u) { side = 0.5; }
  p = vec4f(p.xy + n * side * u.q.z / u.q.xy * p.w, p.z, p.w);
  var o: EdgeOut;
  o.position = p;
  if (a.w <= 0.0 || b.w <= 0.0) { o.position = vec4f(2.0, 2.0, 2.0, 1.0); }
  if (edges[3u * ii + 2u] == 1u) { o.color = vec4f(0.3, 0.55, 1.0, 0.8); } else { o.color = vec4f(0.55, 0.62, 0.85, 0.32); }
  return o;
}

@fragment fn edgeFs(i: EdgeOut) -> @location(0) vec4f { return vec4f(i.color.rgb * i.color.a, i.color.a); }
`;

export class WebGPURenderer implements Renderer {
  readonly kind = 'webgpu';
  drawCalls = 0;
  private readonly uniform: GPUBuffer;
  private posBuf!: GPUBuffer;
  private attrBuf!: GPUBuffer;
  private edgeBuf!: GPUBuffer;
  private posCap = 0;
  private attrCap = 0;
  private edgeCap = 0;
  private bindGroup: GPUBindGroup | null = null;
  private readonly layout: GPUBindGroupLayout;
  private readonly nodePipe: GPURenderPipeline;
  private readonly edgePipe: GPURenderPipeline;
  private nodeCount = 0;
  private posCount = 0;
  private edgeCount = 0;
  lost = false;

  static async create(canvas: HTMLCanvasElement): Promise<WebGPURenderer | null> {
    if (!('gpu' in navigator) || !navigator.gpu) return null;
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const device = await adapter.requestDevice();
    const ctx = canvas.getContext('webgpu');
    if (!ctx) return null;
    const format = navigator.gpu.getPreferredCanvasFormat();
    ctx.configure({ device, format, alphaMode: 'opaque' });
    return new WebGPURenderer(device, ctx, format);
  }

  private constructor(
    private readonly device: GPUDevice,
    private readonly ctx: GPUCanvasContext,
    format: GPUTextureFormat,
  ) {
    void device.lost.then(() => {
      this.lost = true;
    });
    const module = device.createShaderModule({ code: SHADER });
    this.uniform = device.createBuffer({ size: 64 + 64, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const vis = GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT;
    this.layout = device.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: vis, buffer: { type: 'uniform' } },
        { binding: 1, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage' } },
        { binding: 2, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage' } },
        { binding: 3, visibility: GPUShaderStage.VERTEX, buffer: { type: 'read-only-storage' } },
      ],
    });
    const pl = device.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    const blend: GPUBlendState = {
      color: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha', operation: 'add' },
      alpha: { srcFactor: 'one', dstFactor: 'one-minus-src-alpha', operation: 'add' },
    };
    const target: GPUColorTargetState = { format, blend };
    this.nodePipe = device.createRenderPipeline({
      layout: pl,
      vertex: { module, entryPoint: 'nodeVs' },
      fragment: { module, entryPoint: 'nodeFs', targets: [target] },
      primitive: { topology: 'triangle-list' },
    });
    this.edgePipe = device.createRenderPipeline({
      layout: pl,
      vertex: { module, entryPoint: 'edgeVs' },
      fragment: { module, entryPoint: 'edgeFs', targets: [target] },
      primitive: { topology: 'triangle-list' },
    });
    this.growPos(1);
    this.growAttrs(1);
    this.growEdges(1);
  }

  private buffer(bytes: number): GPUBuffer {
    return this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  }

  private growPos(n: number): void {
    if (n <= this.posCap) return;
    this.posBuf?.destroy();
    this.posCap = nextCapacity(n, this.posCap);
    this.posBuf = this.buffer(this.posCap * 12);
    this.bindGroup = null;
  }

  private growAttrs(n: number): void {
    if (n <= this.attrCap) return;
    this.attrBuf?.destroy();
    this.attrCap = nextCapacity(n, this.attrCap);
    this.attrBuf = this.buffer(this.attrCap * NODE_STRIDE * 4);
    this.bindGroup = null;
  }

  private growEdges(n: number): void {
    if (n <= this.edgeCap) return;
    this.edgeBuf?.destroy();
    this.edgeCap = nextCapacity(n, this.edgeCap);
    this.edgeBuf = this.buffer(this.edgeCap * EDGE_STRIDE * 4);
    this.bindGroup = null;
  }

  private width = 1;
  private height = 1;

  resize(width: number, height: number): void {
    // The canvas size drives the swap chain; the viewport size is for edge widths.
    this.width = width;
    this.height = height;
  }

  setPositions(xyz: Float32Array, count: number): void {
    this.growPos(count);
    this.posCount = count;
    if (count) this.device.queue.writeBuffer(this.posBuf, 0, xyz.buffer, xyz.byteOffset, count * 12);
  }

  setNodes(attrs: Float32Array, count: number): void {
    this.growAttrs(count);
    this.nodeCount = count;
    if (count) this.device.queue.writeBuffer(this.attrBuf, 0, attrs.buffer, attrs.byteOffset, count * NODE_STRIDE * 4);
  }

  setEdges(edges: Uint32Array, count: number): void {
    this.growEdges(count);
    this.edgeCount = count;
    if (count) this.device.queue.writeBuffer(this.edgeBuf, 0, edges.buffer, edges.byteOffset, count * EDGE_STRIDE * 4);
  }

  render(f: Frame): void {
    this.drawCalls = 0;
    const u = new Float32Array(32);
    u.set(f.viewProj, 0);
    const v = f.view;
    u.set([v[0]!, v[4]!, v[8]!, 0, v[1]!, v[5]!, v[9]!, 0, f.time, f.projScale, f.minPixels, 0, this.width / 2, this.height / 2, f.lineWidth, 0], 16);
    this.device.queue.writeBuffer(this.uniform, 0, u);
    if (!this.bindGroup) {
      this.bindGroup = this.device.createBindGroup({
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: this.uniform } },
          { binding: 1, resource: { buffer: this.posBuf } },
          { binding: 2, resource: { buffer: this.attrBuf } },
          { binding: 3, resource: { buffer: this.edgeBuf } },
        ],
      });
    }
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginRenderPass({
      colorAttachments: [
        {
          view: this.ctx.getCurrentTexture().createView(),
          clearValue: { r: BACKGROUND[0], g: BACKGROUND[1], b: BACKGROUND[2], a: 1 },
          loadOp: 'clear',
          storeOp: 'store',
        },
      ],
    });
    const n = Math.min(this.nodeCount, this.posCount);
    if (n > 0) {
      pass.setBindGroup(0, this.bindGroup);
      if (this.edgeCount > 0) {
        pass.setPipeline(this.edgePipe);
        pass.draw(6 * this.edgeCount);
        this.drawCalls++;
      }
      pass.setPipeline(this.nodePipe);
      pass.draw(6 * n);
      this.drawCalls++;
    }
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  destroy(): void {
    this.posBuf.destroy();
    this.attrBuf.destroy();
    this.edgeBuf.destroy();
    this.device.destroy();
  }
}
