// WebGL2 backend. One draw call for all nodes and one for all edges, by vertex
// pulling: drawArrays(TRIANGLES, 0, 6 * count) with no vertex buffers; each
// vertex finds its node (or edge) as gl_VertexID / 6 and reads positions,
// attributes and edges from data textures with texelFetch. (GL instancing
// draws the same, but CPU rasterizers such as SwiftShader pay per instance.)

import { BACKGROUND, EDGE_STRIDE, NODE_STRIDE, nextCapacity, type Frame, type Renderer } from './renderer';

const TEX_WIDTH = 1024;

const COMMON = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D uPos;
uniform mat4 uViewProj;
ivec2 texel(int i) { return ivec2(i % ${TEX_WIDTH}, i / ${TEX_WIDTH}); }
vec3 nodePos(int i) { return texelFetch(uPos, texel(i), 0).xyz; }
// Two triangles (0,1,2) (2,1,3) over the quad corners 0..3.
int quadCorner(int k) { return k < 3 ? k : (k == 3 ? 2 : (k == 4 ? 1 : 3)); }
`;

const NODE_VS = `${COMMON}
uniform highp sampler2D uAttr;  // 2 texels per node: colour, (size, glow, rate, flags)
uniform vec3 uRight;
uniform vec3 uUp;
uniform float uTime;
uniform float uProjScale;
uniform float uMinPixels;
out vec2 vUv;
out vec4 vColor;   // rgb after counter-agent / detection tint, alpha = node alpha
out vec4 vParams;  // halo strength, flags, extent, pulse
void main() {
  int node = gl_VertexID / 6;
  int qc = quadCorner(gl_VertexID - node * 6);
  vec2 corner = vec2(float(qc & 1), float((qc >> 1) & 1)) * 2.0 - 1.0;
  vec4 aColor = texelFetch(uAttr, texel(2 * node), 0);
  vec4 aParams = texelFetch(uAttr, texel(2 * node + 1), 0);
  int flags = int(aParams.w + 0.5);
  float phase = float(node) * 0.7;
  float breathe = 1.0 + 0.12 * sin(uTime * 6.2831853 * aParams.z + phase);
  float size = aParams.x * breathe;
  vec3 p = nodePos(node);
  vec4 c = uViewProj * vec4(p, 1.0);
  float px = size * uProjScale / max(c.w, 1e-3);
  if (px < uMinPixels) size *= uMinPixels / max(px, 1e-6);
  // The halo only where it can be seen: tiny far nodes are drawn as bare discs.
  float extent = px >= 2.0 ? 1.0 + 1.6 * aParams.y : 1.0;
  if ((flags & 9) != 0) extent = max(extent, 1.6);
  vec3 world = p + (uRight * corner.x + uUp * corner.y) * size * extent;
  gl_Position = uViewProj * vec4(world, 1.0);
  vUv = corner * extent;
  vec3 col = aColor.rgb;
  if ((flags & 2) != 0) col = vec3(0.2, 0.45, 1.0);
  float pulse = 0.5 + 0.5 * sin(uTime * 9.0);
  if ((flags & 1) != 0) col = mix(col, vec3(1.0, 0.08, 0.05), 0.55 + 0.45 * pulse);
  vColor = vec4(col, (flags & 16) != 0 ? aColor.a * 0.12 : aColor.a);
  vParams = vec4(aParams.y, float(flags), extent, pulse);
}
`;

const NODE_FS = `#version 300 es
precision highp float;
in vec2 vUv;
in vec4 vColor;
in vec4 vParams;
out vec4 outColor;
void main() {
  float d = length(vUv);
  if (d > vParams.z) discard;
  int flags = int(vParams.y + 0.5);
  float a;
  vec3 rgb;
  if (d <= 1.0) {
    rgb = vColor.rgb * (1.05 - 0.35 * d * d);
    a = 1.0;
  } else {
    float t = (d - 1.0) / max(vParams.z - 1.0, 1e-3);
    a = vParams.x * 0.55 * (1.0 - t) * (1.0 - t);
    if ((flags & 1) != 0) a = max(a, (1.0 - t) * (0.4 + 0.6 * vParams.w));
    rgb = vColor.rgb;
  }
  if ((flags & 8) != 0 && d > 1.08 && d < 1.35) { rgb = vec3(1.0); a = 1.0; }
  if ((flags & 4) != 0 && d > 0.78 && d < 0.92) { rgb = vec3(1.0); a = 1.0; }
  outColor = vec4(rgb * a, a) * vColor.a;
}
`;

// Edges as thin screen-space quads (4 vertices per edge): cheaper than GL_LINES
// where lines are emulated (ANGLE on Vulkan/SwiftShader).
const EDGE_VS = `${COMMON}
uniform highp usampler2D uEdge;  // 1 texel per edge: parent, child, flags
uniform vec2 uViewport;
uniform float uWidth;
out vec4 vColor;
void main() {
  int edge = gl_VertexID / 6;
  int qc = quadCorner(gl_VertexID - edge * 6);
  uvec4 aEdge = texelFetch(uEdge, texel(edge), 0);
  vec4 a = uViewProj * vec4(nodePos(int(aEdge.x)), 1.0);
  vec4 b = uViewProj * vec4(nodePos(int(aEdge.y)), 1.0);
  vec4 p = (qc & 1) == 0 ? a : b;
  vec2 sa = a.xy / max(a.w, 1e-4) * uViewport;
  vec2 sb = b.xy / max(b.w, 1e-4) * uViewport;
  vec2 dir = sb - sa;
  float len = length(dir);
  vec2 n = len > 1e-4 ? vec2(-dir.y, dir.x) / len : vec2(0.0, 1.0);
  float side = (qc & 2) == 0 ? -0.5 : 0.5;
  p.xy += n * side * uWidth / uViewport * p.w;
  gl_Position = (a.w <= 0.0 || b.w <= 0.0) ? vec4(2.0, 2.0, 2.0, 1.0) : p;
  vColor = aEdge.z == 1u ? vec4(0.3, 0.55, 1.0, 0.8) : vec4(0.55, 0.62, 0.85, 0.32);
}
`;

const EDGE_FS = `#version 300 es
precision highp float;
in vec4 vColor;
out vec4 outColor;
void main() { outColor = vec4(vColor.rgb * vColor.a, vColor.a); }
`;

function compile(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const prog = gl.createProgram()!;
  for (const [type, src] of [
    [gl.VERTEX_SHADER, vs],
    [gl.FRAGMENT_SHADER, fs],
  ] as const) {
    const sh = gl.createShader(type)!;
    gl.shaderSource(sh, src);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(sh)}`);
    gl.attachShader(prog, sh);
  }
  gl.linkProgram(prog);
  if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(`link: ${gl.getProgramInfoLog(prog)}`);
  return prog;
}

/** A 2D texture used as an array of texels (TEX_WIDTH wide), grown by doubling. */
class DataTexture {
  readonly tex: WebGLTexture;
  private capacity = 0;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly internalFormat: number,
    private readonly format: number,
    private readonly type: number,
    private readonly comps: number,
  ) {
    this.tex = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    this.grow(1);
  }

  private grow(texels: number): void {
    if (texels <= this.capacity) return;
    const gl = this.gl;
    this.capacity = nextCapacity(texels, this.capacity);
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    gl.texImage2D(gl.TEXTURE_2D, 0, this.internalFormat, TEX_WIDTH, Math.ceil(this.capacity / TEX_WIDTH), 0, this.format, this.type, null);
  }

  /** Uploads the first `texels` texels of `data` (comps values per texel). */
  upload(data: Float32Array | Uint32Array, texels: number): void {
    const gl = this.gl;
    this.grow(texels);
    gl.bindTexture(gl.TEXTURE_2D, this.tex);
    const rows = Math.floor(texels / TEX_WIDTH);
    const rest = texels - rows * TEX_WIDTH;
    if (rows > 0) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, TEX_WIDTH, rows, this.format, this.type, data, 0);
    if (rest > 0) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, rows, rest, 1, this.format, this.type, data, rows * TEX_WIDTH * this.comps);
  }

  destroy(): void {
    this.gl.deleteTexture(this.tex);
  }
}

export class WebGL2Renderer implements Renderer {
  readonly kind = 'webgl2';
  drawCalls = 0;
  private readonly gl: WebGL2RenderingContext;
  private readonly nodeProg: WebGLProgram;
  private readonly edgeProg: WebGLProgram;
  private readonly vao: WebGLVertexArrayObject;
  private readonly pos: DataTexture;
  private readonly attrs: DataTexture;
  private readonly edges: DataTexture;
  private nodeCount = 0;
  private edgeCount = 0;
  private posCount = 0;
  private width = 1;
  private height = 1;
  private readonly loc: Record<string, WebGLUniformLocation | null> = {};

  static create(canvas: HTMLCanvasElement): WebGL2Renderer | null {
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: false, premultipliedAlpha: true, powerPreference: 'high-performance' });
    return gl ? new WebGL2Renderer(gl) : null;
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.gl = gl;
    this.nodeProg = compile(gl, NODE_VS, NODE_FS);
    this.edgeProg = compile(gl, EDGE_VS, EDGE_FS);
    for (const [prefix, prog, names] of [
      ['n.', this.nodeProg, ['uPos', 'uAttr', 'uViewProj', 'uRight', 'uUp', 'uTime', 'uProjScale', 'uMinPixels']],
      ['e.', this.edgeProg, ['uPos', 'uEdge', 'uViewProj', 'uViewport', 'uWidth']],
    ] as const) {
      for (const n of names) this.loc[prefix + n] = gl.getUniformLocation(prog, n);
    }
    // No vertex attributes at all: everything is pulled from textures.
    this.vao = gl.createVertexArray()!;
    this.pos = new DataTexture(gl, gl.RGB32F, gl.RGB, gl.FLOAT, 3);
    this.attrs = new DataTexture(gl, gl.RGBA32F, gl.RGBA, gl.FLOAT, 4);
    this.edges = new DataTexture(gl, gl.RGB32UI, gl.RGB_INTEGER, gl.UNSIGNED_INT, 3);
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.gl.viewport(0, 0, width, height);
  }

  setPositions(xyz: Float32Array, count: number): void {
    this.posCount = count;
    if (count > 0) this.pos.upload(xyz, count);
  }

  setNodes(attrs: Float32Array, count: number): void {
    this.nodeCount = count;
    if (count > 0) this.attrs.upload(attrs, count * (NODE_STRIDE / 4));
  }

  setEdges(edges: Uint32Array, count: number): void {
    this.edgeCount = count;
    if (count > 0) this.edges.upload(edges, count * (EDGE_STRIDE / 3));
  }

  render(f: Frame): void {
    const gl = this.gl;
    this.drawCalls = 0;
    gl.clearColor(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const n = Math.min(this.nodeCount, this.posCount);
    if (n === 0) return;
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.bindVertexArray(this.vao);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.pos.tex);
    if (this.edgeCount > 0) {
      gl.useProgram(this.edgeProg);
      gl.activeTexture(gl.TEXTURE1);
      gl.bindTexture(gl.TEXTURE_2D, this.edges.tex);
      gl.uniform1i(this.loc['e.uPos']!, 0);
      gl.uniform1i(this.loc['e.uEdge']!, 1);
      gl.uniformMatrix4fv(this.loc['e.uViewProj']!, false, f.viewProj);
      gl.uniform2f(this.loc['e.uViewport']!, this.width / 2, this.height / 2);
      gl.uniform1f(this.loc['e.uWidth']!, f.lineWidth);
      gl.drawArrays(gl.TRIANGLES, 0, 6 * this.edgeCount);
      this.drawCalls++;
    }
    gl.useProgram(this.nodeProg);
    gl.activeTexture(gl.TEXTURE2);
    gl.bindTexture(gl.TEXTURE_2D, this.attrs.tex);
    gl.uniform1i(this.loc['n.uPos']!, 0);
    gl.uniform1i(this.loc['n.uAttr']!, 2);
    gl.uniformMatrix4fv(this.loc['n.uViewProj']!, false, f.viewProj);
    const v = f.view;
    gl.uniform3f(this.loc['n.uRight']!, v[0]!, v[4]!, v[8]!);
    gl.uniform3f(this.loc['n.uUp']!, v[1]!, v[5]!, v[9]!);
    gl.uniform1f(this.loc['n.uTime']!, f.time);
    gl.uniform1f(this.loc['n.uProjScale']!, f.projScale);
    gl.uniform1f(this.loc['n.uMinPixels']!, f.minPixels);
    gl.drawArrays(gl.TRIANGLES, 0, 6 * n);
    this.drawCalls++;
    gl.bindVertexArray(null);
  }

  destroy(): void {
    const gl = this.gl;
    this.pos.destroy();
    this.attrs.destroy();
    this.edges.destroy();
    gl.deleteVertexArray(this.vao);
    gl.deleteProgram(this.nodeProg);
    gl.deleteProgram(this.edgeProg);
  }
}
