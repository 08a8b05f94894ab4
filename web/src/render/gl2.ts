// WebGL2 backend: instanced billboards for nodes, instanced lines for edges.
// Positions are an RGB32F texture (kTexWidth wide) read with texelFetch.

import { BACKGROUND, EDGE_STRIDE, NODE_STRIDE, nextCapacity, type Frame, type Renderer } from './renderer';

const TEX_WIDTH = 1024;

const COMMON = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D uPos;
uniform mat4 uViewProj;
vec3 nodePos(int i) { return texelFetch(uPos, ivec2(i % ${TEX_WIDTH}, i / ${TEX_WIDTH}), 0).xyz; }
`;

const NODE_VS = `${COMMON}
layout(location = 0) in vec4 aColor;
layout(location = 1) in vec4 aParams;  // size, glow, rate, flags
uniform vec3 uRight;
uniform vec3 uUp;
uniform float uTime;
uniform float uProjScale;
uniform float uMinPixels;
out vec2 vUv;
out vec4 vColor;
out vec3 vParams;  // glow, flags, extent
void main() {
  vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1)) * 2.0 - 1.0;
  int flags = int(aParams.w + 0.5);
  float phase = float(gl_InstanceID) * 0.7;
  float breathe = 1.0 + 0.12 * sin(uTime * 6.2831853 * aParams.z + phase);
  float size = aParams.x * breathe;
  vec3 p = nodePos(gl_InstanceID);
  vec4 c = uViewProj * vec4(p, 1.0);
  float px = size * uProjScale / max(c.w, 1e-3);
  if (px < uMinPixels) size *= uMinPixels / max(px, 1e-6);
  float extent = 1.0 + 1.6 * aParams.y;
  if ((flags & 9) != 0) extent = max(extent, 1.6);
  vec3 world = p + (uRight * corner.x + uUp * corner.y) * size * extent;
  gl_Position = uViewProj * vec4(world, 1.0);
  vUv = corner * extent;
  vColor = aColor;
  vParams = vec3(aParams.y, float(flags), extent);
}
`;

const NODE_FS = `#version 300 es
precision highp float;
uniform float uTime;
in vec2 vUv;
in vec4 vColor;
in vec3 vParams;
out vec4 outColor;
void main() {
  float d = length(vUv);
  if (d > vParams.z) discard;
  int flags = int(vParams.y + 0.5);
  vec3 col = vColor.rgb;
  if ((flags & 2) != 0) col = vec3(0.2, 0.45, 1.0);
  float pulse = 0.5 + 0.5 * sin(uTime * 9.0);
  if ((flags & 1) != 0) col = mix(col, vec3(1.0, 0.08, 0.05), 0.55 + 0.45 * pulse);
  float a;
  vec3 rgb;
  if (d <= 1.0) {
    rgb = col * (1.05 - 0.35 * d * d);
    a = 1.0;
  } else {
    float t = (d - 1.0) / max(vParams.z - 1.0, 1e-3);
    a = vParams.x * 0.55 * (1.0 - t) * (1.0 - t);
    if ((flags & 1) != 0) a = max(a, (1.0 - t) * (0.4 + 0.6 * pulse));
    rgb = col;
  }
  if ((flags & 8) != 0 && d > 1.08 && d < 1.35) { rgb = vec3(1.0); a = 1.0; }
  if ((flags & 4) != 0 && d > 0.78 && d < 0.92) { rgb = vec3(1.0); a = 1.0; }
  if ((flags & 16) != 0) a *= 0.12;
  outColor = vec4(rgb * a, a) * vColor.a;
}
`;

const EDGE_VS = `${COMMON}
layout(location = 2) in uvec3 aEdge;
out vec4 vColor;
void main() {
  int i = int(gl_VertexID == 0 ? aEdge.x : aEdge.y);
  gl_Position = uViewProj * vec4(nodePos(i), 1.0);
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

export class WebGL2Renderer implements Renderer {
  readonly kind = 'webgl2';
  drawCalls = 0;
  private readonly gl: WebGL2RenderingContext;
  private readonly nodeProg: WebGLProgram;
  private readonly edgeProg: WebGLProgram;
  private readonly nodeVao: WebGLVertexArrayObject;
  private readonly edgeVao: WebGLVertexArrayObject;
  private readonly nodeBuf: WebGLBuffer;
  private readonly edgeBuf: WebGLBuffer;
  private readonly posTex: WebGLTexture;
  private posCapacity = 0;
  private posStaging = new Float32Array(0);
  private nodeCount = 0;
  private edgeCount = 0;
  private posCount = 0;
  private readonly loc: Record<string, WebGLUniformLocation | null> = {};

  static create(canvas: HTMLCanvasElement): WebGL2Renderer | null {
    const gl = canvas.getContext('webgl2', { alpha: false, antialias: true, premultipliedAlpha: true, powerPreference: 'high-performance' });
    return gl ? new WebGL2Renderer(gl) : null;
  }

  private constructor(gl: WebGL2RenderingContext) {
    this.gl = gl;
    this.nodeProg = compile(gl, NODE_VS, NODE_FS);
    this.edgeProg = compile(gl, EDGE_VS, EDGE_FS);
    for (const [prog, names] of [
      [this.nodeProg, ['uPos', 'uViewProj', 'uRight', 'uUp', 'uTime', 'uProjScale', 'uMinPixels']],
      [this.edgeProg, ['uPos', 'uViewProj']],
    ] as const) {
      for (const n of names) this.loc[(prog === this.nodeProg ? 'n.' : 'e.') + n] = gl.getUniformLocation(prog, n);
    }
    this.nodeBuf = gl.createBuffer()!;
    this.edgeBuf = gl.createBuffer()!;
    this.nodeVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.nodeVao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.nodeBuf);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 4, gl.FLOAT, false, NODE_STRIDE * 4, 0);
    gl.vertexAttribDivisor(0, 1);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribPointer(1, 4, gl.FLOAT, false, NODE_STRIDE * 4, 16);
    gl.vertexAttribDivisor(1, 1);
    this.edgeVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.edgeVao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.edgeBuf);
    gl.enableVertexAttribArray(2);
    gl.vertexAttribIPointer(2, 3, gl.UNSIGNED_INT, EDGE_STRIDE * 4, 0);
    gl.vertexAttribDivisor(2, 1);
    gl.bindVertexArray(null);
    this.posTex = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.posTex);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    this.ensurePosCapacity(1);
  }

  private ensurePosCapacity(n: number): void {
    if (n <= this.posCapacity) return;
    const gl = this.gl;
    this.posCapacity = nextCapacity(n, this.posCapacity);
    const rows = Math.ceil(this.posCapacity / TEX_WIDTH);
    this.posStaging = new Float32Array(rows * TEX_WIDTH * 3);
    gl.bindTexture(gl.TEXTURE_2D, this.posTex);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGB32F, TEX_WIDTH, rows, 0, gl.RGB, gl.FLOAT, this.posStaging);
  }

  resize(width: number, height: number): void {
    this.gl.viewport(0, 0, width, height);
  }

  setPositions(xyz: Float32Array, count: number): void {
    const gl = this.gl;
    this.ensurePosCapacity(count);
    this.posCount = count;
    if (count === 0) return;
    const rows = Math.ceil(count / TEX_WIDTH);
    this.posStaging.set(xyz.subarray(0, count * 3));
    gl.bindTexture(gl.TEXTURE_2D, this.posTex);
    gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, TEX_WIDTH, rows, gl.RGB, gl.FLOAT, this.posStaging, 0);
  }

  setNodes(attrs: Float32Array, count: number): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.nodeBuf);
    gl.bufferData(gl.ARRAY_BUFFER, attrs.subarray(0, count * NODE_STRIDE), gl.DYNAMIC_DRAW);
    this.nodeCount = count;
  }

  setEdges(edges: Uint32Array, count: number): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.edgeBuf);
    gl.bufferData(gl.ARRAY_BUFFER, edges.subarray(0, count * EDGE_STRIDE), gl.DYNAMIC_DRAW);
    this.edgeCount = count;
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
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.posTex);
    if (this.edgeCount > 0) {
      gl.useProgram(this.edgeProg);
      gl.uniform1i(this.loc['e.uPos']!, 0);
      gl.uniformMatrix4fv(this.loc['e.uViewProj']!, false, f.viewProj);
      gl.bindVertexArray(this.edgeVao);
      gl.drawArraysInstanced(gl.LINES, 0, 2, this.edgeCount);
      this.drawCalls++;
    }
    gl.useProgram(this.nodeProg);
    gl.uniform1i(this.loc['n.uPos']!, 0);
    gl.uniformMatrix4fv(this.loc['n.uViewProj']!, false, f.viewProj);
    const v = f.view;
    gl.uniform3f(this.loc['n.uRight']!, v[0]!, v[4]!, v[8]!);
    gl.uniform3f(this.loc['n.uUp']!, v[1]!, v[5]!, v[9]!);
    gl.uniform1f(this.loc['n.uTime']!, f.time);
    gl.uniform1f(this.loc['n.uProjScale']!, f.projScale);
    gl.uniform1f(this.loc['n.uMinPixels']!, f.minPixels);
    gl.bindVertexArray(this.nodeVao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, n);
    this.drawCalls++;
    gl.bindVertexArray(null);
  }

  destroy(): void {
    const gl = this.gl;
    gl.deleteBuffer(this.nodeBuf);
    gl.deleteBuffer(this.edgeBuf);
    gl.deleteTexture(this.posTex);
    gl.deleteProgram(this.nodeProg);
    gl.deleteProgram(this.edgeProg);
  }
}
