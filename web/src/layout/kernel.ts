// Typed wrapper of the C++ layout kernel compiled to WebAssembly
// (src/layout/layout_wasm.cc). Used by the layout worker and by unit tests.

interface Exports {
  memory: WebAssembly.Memory;
  _initialize?: () => void;
  layout_resize(n: number): void;
  layout_size(): number;
  layout_link_buffer(count: number): number;
  layout_set_links(count: number): number;
  layout_set_position(i: number, x: number, y: number, z: number): number;
  layout_pin(i: number, x: number, y: number, z: number): number;
  layout_unpin(i: number): number;
  layout_copy_point(from: number, to: number): number;
  layout_tick(ticks: number): number;
  layout_reheat(alpha: number): void;
  layout_alpha(): number;
  layout_set_alpha_target(t: number): void;
  layout_positions(): number;
  layout_cells(): number;
}

export class LayoutKernel {
  private constructor(private readonly x: Exports) {}

  static async fromBytes(bytes: BufferSource): Promise<LayoutKernel> {
    const { instance } = await WebAssembly.instantiate(bytes, {});
    return LayoutKernel.fromInstance(instance);
  }

  static async fromUrl(url: string): Promise<LayoutKernel> {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`layout.wasm: HTTP ${res.status}`);
    return LayoutKernel.fromBytes(await res.arrayBuffer());
  }

  static fromInstance(instance: WebAssembly.Instance): LayoutKernel {
    const x = instance.exports as unknown as Exports;
    x._initialize?.();
    return new LayoutKernel(x);
  }

  get size(): number {
    return this.x.layout_size();
  }

  resize(n: number): void {
    this.x.layout_resize(n);
  }

  setLinks(pairs: Uint32Array): boolean {
    const count = pairs.length >>> 1;
    const ptr = this.x.layout_link_buffer(count);
    new Uint32Array(this.x.memory.buffer, ptr, count * 2).set(pairs.subarray(0, count * 2));
    return this.x.layout_set_links(count) === 0;
  }

  setPosition(i: number, x: number, y: number, z: number): boolean {
    return this.x.layout_set_position(i, x, y, z) === 0;
  }

  pin(i: number, x: number, y: number, z: number): boolean {
    return this.x.layout_pin(i, x, y, z) === 0;
  }

  unpin(i: number): boolean {
    return this.x.layout_unpin(i) === 0;
  }

  copyPoint(from: number, to: number): boolean {
    return this.x.layout_copy_point(from, to) === 0;
  }

  /** Runs up to `n` ticks; returns how many moved the points. */
  tick(n = 1): number {
    return this.x.layout_tick(n);
  }

  reheat(alpha: number): void {
    this.x.layout_reheat(alpha);
  }

  get alpha(): number {
    return this.x.layout_alpha();
  }

  setAlphaTarget(t: number): void {
    this.x.layout_set_alpha_target(t);
  }

  get cells(): number {
    return this.x.layout_cells();
  }

  /** A view of the positions (3 floats per point); invalid after the next resize. */
  positions(): Float32Array {
    return new Float32Array(this.x.memory.buffer, this.x.layout_positions(), this.size * 3);
  }
}
