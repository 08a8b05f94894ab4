// Just what the benchmark uses of d3-force-3d (it ships no types).
declare module 'd3-force-3d' {
  interface Simulation {
    force(name: string, f: unknown): Simulation;
    stop(): Simulation;
    tick(n?: number): Simulation;
    alpha(a: number): Simulation;
  }
  interface LinkForce {
    id(f: (d: { id: string }) => string): LinkForce;
  }
  export function forceSimulation(nodes: unknown[], dims: number): Simulation;
  export function forceLink(links: unknown[]): LinkForce;
  export function forceManyBody(): unknown;
  export function forceCenter(): unknown;
}
