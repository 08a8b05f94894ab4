import { describe, expect, it } from 'vitest';
import { OrbitCamera } from './camera';

describe('OrbitCamera', () => {
  const cam = new OrbitCamera();
  cam.width = 800;
  cam.height = 600;
  cam.target = [10, -5, 3];
  cam.distance = 300;

  it('projects its target to the centre of the screen', () => {
    const p = OrbitCamera.project(cam.viewProjection(), 10, -5, 3, 800, 600)!;
    expect(p.sx).toBeCloseTo(400, 3);
    expect(p.sy).toBeCloseTo(300, 3);
    expect(p.depth).toBeCloseTo(300, 3);
  });

  it('unprojects a screen point back onto the plane through a point', () => {
    const world: [number, number, number] = [40, 12, -20];
    const vp = cam.viewProjection();
    const s = OrbitCamera.project(vp, ...world, 800, 600)!;
    const back = cam.unprojectAtDepth(s.sx, s.sy, world);
    back.forEach((v, i) => expect(v).toBeCloseTo(world[i]!, 2));
    // Another screen point on the same plane keeps the same depth.
    const q = cam.unprojectAtDepth(s.sx + 50, s.sy - 20, world);
    const s2 = OrbitCamera.project(vp, ...q, 800, 600)!;
    expect(s2.sx).toBeCloseTo(s.sx + 50, 2);
    expect(s2.sy).toBeCloseTo(s.sy - 20, 2);
    expect(s2.depth).toBeCloseTo(s.depth, 2);
  });

  it('returns null behind the camera', () => {
    const eye = cam.eye();
    const behind = [0, 1, 2].map((i) => eye[i]! + (eye[i]! - cam.target[i]!)) as [number, number, number];
    expect(OrbitCamera.project(cam.viewProjection(), ...behind, 800, 600)).toBeNull();
  });

  it('fits a sphere so it stays inside the view', () => {
    const c = new OrbitCamera();
    c.width = 800;
    c.height = 600;
    c.fit([0, 0, 0], 100);
    const p = OrbitCamera.project(c.viewProjection(), 0, 100, 0, 800, 600)!;
    expect(p.sy).toBeGreaterThan(0);
    expect(p.sy).toBeLessThan(300);
  });

  it('clamps pitch and zoom', () => {
    const c = new OrbitCamera();
    c.orbit(0, 10);
    expect(c.pitch).toBeLessThanOrEqual(1.5);
    c.zoom(1e-9);
    expect(c.distance).toBeGreaterThanOrEqual(5);
    expect(c.auto).toBe(false);
  });
});
