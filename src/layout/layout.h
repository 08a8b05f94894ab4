// Force-directed 3D layout of the spawn tree for the shell's fleet view.
//
// ForceLayout keeps N points in 3D and moves them one tick at a time under four
// forces, with the semantics of d3-force-3d so the picture matches what users
// know from 3d-force-graph:
//   - many-body repulsion (charge), computed with a Barnes-Hut octree in
//     O(N log N) per tick instead of O(N^2);
//   - springs along the links (parent -> child edges), rest length
//     `link_distance`, strength 1 / min(degree(a), degree(b));
//   - a centring force that moves the centre of mass to the origin;
//   - velocity decay (friction) and an "alpha" temperature that cools each tick
//     and is reheated when the graph changes.
//
// Ownership and threads: a ForceLayout owns its arrays; it is not thread-safe
// (the shell runs one per Web Worker). positions() points into owned storage
// that stays valid until the next call that changes the node count.
//
// Errors: calls that take indices from the caller return core::Status with
// code "invalid_argument" and change nothing when an index is out of range.
#pragma once

#include <cstdint>
#include <vector>

#include "core/result.h"

namespace genesis::layout {

struct Options {
  float link_distance = 30.0f;  // spring rest length
  float charge = -30.0f;        // many-body strength (negative repels)
  float theta = 0.9f;           // Barnes-Hut opening criterion (d3's default)
  float distance_min = 1.0f;    // many-body: distances below this are clamped
  float velocity_decay = 0.4f;  // fraction of velocity lost per tick
  float alpha_min = 0.001f;     // below this the layout is at rest
  float alpha_decay = 0.0228f;  // 1 - alpha_min^(1/300): 300 ticks from 1 to rest
  float alpha_target = 0.0f;    // alpha cools towards this
  int link_iterations = 1;      // spring passes per tick
};

// Counters of the last tick, for benchmarks and tests.
struct TickStats {
  uint32_t octree_cells = 0;       // cells built in the octree
  uint64_t body_interactions = 0;  // point-point interactions evaluated
  uint64_t cell_interactions = 0;  // point-cell (approximated) interactions
};

class ForceLayout {
 public:
  explicit ForceLayout(Options options = {});

  // Resizes to n points. New points are placed on a 3D phyllotaxis spiral
  // (deterministic, as d3 does); existing points keep position and velocity.
  void resize(uint32_t n);
  uint32_t size() const { return static_cast<uint32_t>(pos_.size() / 3); }

  // Replaces all links. `pairs` holds 2*count point indices (a, b).
  core::Status set_links(const uint32_t* pairs, uint32_t count);
  uint32_t link_count() const { return static_cast<uint32_t>(links_.size() / 2); }

  // Places point i at (x, y, z) with zero velocity.
  core::Status set_position(uint32_t i, float x, float y, float z);
  // Pins point i at (x, y, z) (e.g. while the user drags it); unpin releases it.
  core::Status pin(uint32_t i, float x, float y, float z);
  core::Status unpin(uint32_t i);
  // Copies point `from` (position, velocity, pin) over point `to`; used with
  // resize(size()-1) to remove a point by swapping the last one into its slot.
  core::Status copy_point(uint32_t from, uint32_t to);

  // Advances one tick (no-op when at rest). Returns true if points moved.
  bool tick();
  // Raises the temperature, e.g. to 1 after the graph changed.
  void reheat(float alpha) { alpha_ = alpha > alpha_ ? alpha : alpha_; }
  float alpha() const { return alpha_; }
  bool at_rest() const {
    return alpha_ < options_.alpha_min && options_.alpha_target < options_.alpha_min;
  }
  void set_alpha_target(float t) { options_.alpha_target = t; }

  // x, y, z of every point, 3 floats per point.
  const float* positions() const { return pos_.data(); }
  float* mutable_positions() { return pos_.data(); }
  const TickStats& last_stats() const { return stats_; }
  const Options& options() const { return options_; }

  // One many-body pass only (no links, no centring, no integration): adds the
  // Barnes-Hut force scaled by `alpha` to velocities. Exposed for tests that
  // compare it against the exact O(N^2) sum (force_exact).
  void apply_many_body(float alpha);
  void apply_many_body_exact(float alpha);
  const float* velocities() const { return vel_.data(); }
  void clear_velocities();

 private:
  struct Cell {
    float cx, cy, cz, half;  // cube centre and half edge
    float mx, my, mz;        // strength-weighted centre of mass
    float strength;          // sum of point strengths below
    int32_t child[8];        // -1: none
    int32_t point;           // leaf: first point index, -1 for internal
    int32_t count;           // points below
  };
  struct Group {
    uint32_t begin, end;  // range of order_
  };

  void build_octree();
  int32_t new_cell(float cx, float cy, float cz, float half);
  void insert(int32_t cell, uint32_t p, int depth);
  void accumulate(int32_t cell);
  void apply_links(float alpha);
  void apply_center();
  float jiggle();

  Options options_;
  float alpha_ = 1.0f;
  std::vector<float> pos_, vel_;
  std::vector<uint8_t> pinned_;
  std::vector<float> pin_pos_;    // 3 per point, valid where pinned_
  std::vector<uint32_t> links_;   // 2 per link
  std::vector<float> link_bias_;  // per link: share of the correction moved to b
  std::vector<float> link_strength_;
  std::vector<Cell> cells_;
  std::vector<int32_t> next_in_leaf_;  // coincident points chained in one leaf
  std::vector<int32_t> stack_;
  std::vector<uint32_t> order_;  // points in octree leaf order, group by group
  std::vector<Group> groups_;
  std::vector<int32_t> sub_stack_;
  std::vector<float> gx_, gy_, gz_, gvx_, gvy_, gvz_;  // one group's points and forces
  uint32_t rng_ = 1;
  TickStats stats_;
};

}  // namespace genesis::layout
