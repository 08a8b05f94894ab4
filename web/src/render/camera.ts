// Orbit camera: looks at `target` from `distance` along (yaw, pitch). Column-major
// 4x4 matrices as WebGL and WGSL expect them.

export type Mat4 = Float32Array;

export function perspective(fovy: number, aspect: number, near: number, far: number): Mat4 {
  const f = 1 / Math.tan(fovy / 2);
  const m = new Float32Array(16);
  m[0] = f / aspect;
  m[5] = f;
  m[10] = (far + near) / (near - far);
  m[11] = -1;
  m[14] = (2 * far * near) / (near - far);
  return m;
}

export function lookAt(eye: number[], target: number[], up: number[]): Mat4 {
  const [ex, ey, ez] = eye as [number, number, number];
  let zx = ex - target[0]!, zy = ey - target[1]!, zz = ez - target[2]!;
  let l = Math.hypot(zx, zy, zz) || 1;
  zx /= l; zy /= l; zz /= l;
  let xx = up[1]! * zz - up[2]! * zy, xy = up[2]! * zx - up[0]! * zz, xz = up[0]! * zy - up[1]! * zx;
  l = Math.hypot(xx, xy, xz) || 1;
  xx /= l; xy /= l; xz /= l;
  const yx = zy * xz - zz * xy, yy = zz * xx - zx * xz, yz = zx * xy - zy * xx;
  const m = new Float32Array(16);
  m[0] = xx; m[1] = yx; m[2] = zx;
  m[4] = xy; m[5] = yy; m[6] = zy;
  m[8] = xz; m[9] = yz; m[10] = zz;
  m[12] = -(xx * ex + xy * ey + xz * ez);
  m[13] = -(yx * ex + yy * ey + yz * ez);
  m[14] = -(zx * ex + zy * ey + zz * ez);
  m[15] = 1;
  return m;
}

export function multiply(a: Mat4, b: Mat4): Mat4 {
  const m = new Float32Array(16);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r]! * b[c * 4 + k]!;
      m[c * 4 + r] = s;
    }
  return m;
}

export class OrbitCamera {
  yaw = 0.6;
  pitch = 0.35;
  distance = 400;
  target: [number, number, number] = [0, 0, 0];
  fovy = Math.PI / 4;
  width = 1;
  height = 1;
  /** True until the user moves the camera; the view then keeps fitting the fleet. */
  auto = true;

  eye(): [number, number, number] {
    const cp = Math.cos(this.pitch);
    return [
      this.target[0] + this.distance * cp * Math.sin(this.yaw),
      this.target[1] + this.distance * Math.sin(this.pitch),
      this.target[2] + this.distance * cp * Math.cos(this.yaw),
    ];
  }

  view(): Mat4 {
    return lookAt(this.eye(), this.target, [0, 1, 0]);
  }

  projection(): Mat4 {
    return perspective(this.fovy, this.width / this.height, Math.max(0.1, this.distance / 1000), this.distance * 20 + 1000);
  }

  viewProjection(): Mat4 {
    return multiply(this.projection(), this.view());
  }

  orbit(dyaw: number, dpitch: number): void {
    this.auto = false;
    this.yaw += dyaw;
    this.pitch = Math.max(-1.5, Math.min(1.5, this.pitch + dpitch));
  }

  zoom(factor: number): void {
    this.auto = false;
    this.distance = Math.max(5, Math.min(1e6, this.distance * factor));
  }

  /** Moves the target in the screen plane by (dx, dy) pixels. */
  pan(dx: number, dy: number): void {
    this.auto = false;
    const v = this.view();
    const scale = (2 * this.distance * Math.tan(this.fovy / 2)) / this.height;
    for (let i = 0; i < 3; i++) this.target[i] = this.target[i]! - v[i * 4]! * dx * scale + v[i * 4 + 1]! * dy * scale;
  }

  /** Frames a sphere of `radius` around `center`. */
  fit(center: [number, number, number], radius: number): void {
    this.target = [...center];
    this.distance = Math.max(20, (radius * 1.15) / Math.sin(this.fovy / 2));
  }

  /** Projects world point (x, y, z) through `vp` to CSS pixels; null if behind the camera. */
  static project(vp: Mat4, x: number, y: number, z: number, width: number, height: number): { sx: number; sy: number; depth: number } | null {
    const cx = vp[0]! * x + vp[4]! * y + vp[8]! * z + vp[12]!;
    const cy = vp[1]! * x + vp[5]! * y + vp[9]! * z + vp[13]!;
    const cw = vp[3]! * x + vp[7]! * y + vp[11]! * z + vp[15]!;
    if (cw <= 1e-6) return null;
    return { sx: ((cx / cw) * 0.5 + 0.5) * width, sy: (1 - ((cy / cw) * 0.5 + 0.5)) * height, depth: cw };
  }

  /** World position at screen point (sx, sy) on the plane through `p` facing the camera. */
  unprojectAtDepth(sx: number, sy: number, p: [number, number, number]): [number, number, number] {
    const v = this.view();
    const eye = this.eye();
    // Camera basis from the view matrix rows.
    const right = [v[0]!, v[4]!, v[8]!];
    const up = [v[1]!, v[5]!, v[9]!];
    const back = [v[2]!, v[6]!, v[10]!];
    const d = (p[0] - eye[0]) * -back[0]! + (p[1] - eye[1]) * -back[1]! + (p[2] - eye[2]) * -back[2]!;
    const h = 2 * d * Math.tan(this.fovy / 2);
    const w = h * (this.width / this.height);
    const nx = (sx / this.width - 0.5) * w;
    const ny = (0.5 - sy / this.height) * h;
    return [0, 1, 2].map((i) => eye[i]! - back[i]! * d + right[i]! * nx + up[i]! * ny) as [number, number, number];
  }
}

/** Pixel radius of a node sprite of world size `size` at clip w `depth`. */
export function spritePixels(size: number, depth: number, fovy: number, height: number): number {
  return (size / depth) * (height / (2 * Math.tan(fovy / 2)));
}
