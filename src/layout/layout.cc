#include "layout/layout.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace genesis::layout {
namespace {

constexpr int kMaxDepth = 40;  // below this, points are chained in one leaf
constexpr int32_t kInternal = -2;
constexpr int32_t kGroupSize = 16;  // points per shared tree walk

core::Error out_of_range(uint32_t i, uint32_t n) {
  return core::make_error(
      core::code::kInvalidArgument,
      "point " + std::to_string(i) + " out of range (" + std::to_string(n) + " points)");
}

// The force of one far cell (a body of `fa` = strength * alpha at (mx, my, mz))
// on each of m points. Branch-free with non-aliasing arrays, so it vectorizes.
void far_field(uint32_t m, const float* __restrict xs, const float* __restrict ys,
               const float* __restrict zs, float* __restrict vxs, float* __restrict vys,
               float* __restrict vzs, float mx, float my, float mz, float fa, float dmin2) {
  for (uint32_t j = 0; j < m; ++j) {
    const float dx = mx - xs[j], dy = my - ys[j], dz = mz - zs[j];
    const float l2 = dx * dx + dy * dy + dz * dz;
    const float near = std::sqrt(dmin2 * l2);  // used only below distance_min
    const float l = l2 < dmin2 ? near : l2;
    const float f = fa / l;
    vxs[j] += dx * f;
    vys[j] += dy * f;
    vzs[j] += dz * f;
  }
}

}  // namespace

ForceLayout::ForceLayout(Options options) : options_(options) {}

void ForceLayout::resize(uint32_t n) {
  const uint32_t old = size();
  pos_.resize(size_t{n} * 3);
  vel_.resize(size_t{n} * 3, 0.0f);
  pinned_.resize(n, 0);
  pin_pos_.resize(size_t{n} * 3, 0.0f);
  // d3-force-3d's initial placement: a 3D phyllotaxis spiral of radius ~ cbrt(i).
  const double roll = M_PI * (3.0 - std::sqrt(5.0));
  const double yaw = M_PI * 20.0 / (9.0 + std::sqrt(221.0));
  for (uint32_t i = old; i < n; ++i) {
    const double r = 10.0 * std::cbrt(0.5 + i);
    pos_[3 * i + 0] = static_cast<float>(r * std::sin(i * roll) * std::cos(i * yaw));
    pos_[3 * i + 1] = static_cast<float>(r * std::cos(i * roll));
    pos_[3 * i + 2] = static_cast<float>(r * std::sin(i * roll) * std::sin(i * yaw));
  }
  if (n < old) {
    // Links to removed points would dangle; keep only those still in range.
    size_t w = 0;
    for (size_t k = 0; k + 1 < links_.size(); k += 2) {
      if (links_[k] < n && links_[k + 1] < n) {
        links_[w++] = links_[k];
        links_[w++] = links_[k + 1];
      }
    }
    const std::vector<uint32_t> kept(links_.begin(), links_.begin() + w);
    (void)set_links(kept.data(), static_cast<uint32_t>(kept.size() / 2));
  }
}

core::Status ForceLayout::set_links(const uint32_t* pairs, uint32_t count) {
  const uint32_t n = size();
  for (uint32_t k = 0; k < 2 * count; ++k) {
    if (pairs[k] >= n) return out_of_range(pairs[k], n);
  }
  links_.assign(pairs, pairs + 2 * size_t{count});
  std::vector<uint32_t> degree(n, 0);
  for (uint32_t k = 0; k < 2 * count; ++k) ++degree[pairs[k]];
  link_bias_.resize(count);
  link_strength_.resize(count);
  for (uint32_t k = 0; k < count; ++k) {
    const float da = static_cast<float>(degree[pairs[2 * k]]);
    const float db = static_cast<float>(degree[pairs[2 * k + 1]]);
    link_bias_[k] = da / (da + db);
    link_strength_[k] = 1.0f / std::min(da, db);
  }
  return {};
}

core::Status ForceLayout::set_position(uint32_t i, float x, float y, float z) {
  if (i >= size()) return out_of_range(i, size());
  pos_[3 * i] = x;
  pos_[3 * i + 1] = y;
  pos_[3 * i + 2] = z;
  vel_[3 * i] = vel_[3 * i + 1] = vel_[3 * i + 2] = 0.0f;
  return {};
}

core::Status ForceLayout::pin(uint32_t i, float x, float y, float z) {
  if (auto s = set_position(i, x, y, z); !s) return s;
  pinned_[i] = 1;
  pin_pos_[3 * i] = x;
  pin_pos_[3 * i + 1] = y;
  pin_pos_[3 * i + 2] = z;
  return {};
}

core::Status ForceLayout::unpin(uint32_t i) {
  if (i >= size()) return out_of_range(i, size());
  pinned_[i] = 0;
  return {};
}

core::Status ForceLayout::copy_point(uint32_t from, uint32_t to) {
  if (from >= size()) return out_of_range(from, size());
  if (to >= size()) return out_of_range(to, size());
  for (int d = 0; d < 3; ++d) {
    pos_[3 * to + d] = pos_[3 * from + d];
    vel_[3 * to + d] = vel_[3 * from + d];
    pin_pos_[3 * to + d] = pin_pos_[3 * from + d];
  }
  pinned_[to] = pinned_[from];
  return {};
}

void ForceLayout::clear_velocities() { std::fill(vel_.begin(), vel_.end(), 0.0f); }

float ForceLayout::jiggle() {
  // Tiny deterministic nudge for coincident points (d3 uses Math.random()).
  rng_ = rng_ * 1664525u + 1013904223u;
  return (static_cast<float>(rng_ >> 8) / 16777216.0f - 0.5f) * 1e-6f;
}

int32_t ForceLayout::new_cell(float cx, float cy, float cz, float half) {
  Cell c{};
  c.cx = cx;
  c.cy = cy;
  c.cz = cz;
  c.half = half;
  std::fill(std::begin(c.child), std::end(c.child), -1);
  c.point = -1;
  cells_.push_back(c);
  return static_cast<int32_t>(cells_.size() - 1);
}

void ForceLayout::build_octree() {
  cells_.clear();
  const uint32_t n = size();
  next_in_leaf_.assign(n, -1);
  if (n == 0) return;
  float lo[3] = {pos_[0], pos_[1], pos_[2]};
  float hi[3] = {pos_[0], pos_[1], pos_[2]};
  for (uint32_t i = 1; i < n; ++i) {
    for (int d = 0; d < 3; ++d) {
      lo[d] = std::min(lo[d], pos_[3 * i + d]);
      hi[d] = std::max(hi[d], pos_[3 * i + d]);
    }
  }
  const float half =
      std::max({hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2], 1e-3f}) * 0.5f * 1.0001f;
  cells_.reserve(size_t{n} * 2 + 1);
  const int32_t root =
      new_cell((lo[0] + hi[0]) * 0.5f, (lo[1] + hi[1]) * 0.5f, (lo[2] + hi[2]) * 0.5f, half);
  cells_[root].point = 0;
  for (uint32_t p = 1; p < n; ++p) insert(root, p, 0);
  // Children always come after their parent, so one backward sweep accumulates.
  for (size_t k = cells_.size(); k-- > 0;) accumulate(static_cast<int32_t>(k));
  stats_.octree_cells = static_cast<uint32_t>(cells_.size());
}

void ForceLayout::insert(int32_t c, uint32_t p, int depth) {
  const float px = pos_[3 * p], py = pos_[3 * p + 1], pz = pos_[3 * p + 2];
  for (;;) {
    Cell& cell = cells_[c];
    if (cell.point >= 0) {
      const uint32_t q = static_cast<uint32_t>(cell.point);
      const bool same = pos_[3 * q] == px && pos_[3 * q + 1] == py && pos_[3 * q + 2] == pz;
      if (same || depth >= kMaxDepth) {
        next_in_leaf_[p] = cell.point;
        cell.point = static_cast<int32_t>(p);
        return;
      }
      // Split the leaf: its chain moves down one level, then p is inserted again here.
      cell.point = kInternal;
      const int oq = (pos_[3 * q] >= cell.cx) | ((pos_[3 * q + 1] >= cell.cy) << 1) |
                     ((pos_[3 * q + 2] >= cell.cz) << 2);
      const float h = cell.half * 0.5f;
      const float cx = cell.cx + ((oq & 1) ? h : -h);
      const float cy = cell.cy + ((oq & 2) ? h : -h);
      const float cz = cell.cz + ((oq & 4) ? h : -h);
      const int32_t child = new_cell(cx, cy, cz, h);  // invalidates `cell`
      cells_[child].point = static_cast<int32_t>(q);
      cells_[c].child[oq] = child;
      continue;
    }
    const int o = (px >= cell.cx) | ((py >= cell.cy) << 1) | ((pz >= cell.cz) << 2);
    if (cell.child[o] < 0) {
      const float h = cell.half * 0.5f;
      const int32_t child = new_cell(cell.cx + ((o & 1) ? h : -h), cell.cy + ((o & 2) ? h : -h),
                                     cell.cz + ((o & 4) ? h : -h), h);
      cells_[child].point = static_cast<int32_t>(p);
      cells_[c].child[o] = child;
      return;
    }
    c = cell.child[o];
    ++depth;
  }
}

void ForceLayout::accumulate(int32_t c) {
  Cell& cell = cells_[c];
  const float s = options_.charge;
  float mx = 0, my = 0, mz = 0, total = 0;
  if (cell.point >= 0) {
    int count = 0;
    for (int32_t q = cell.point; q >= 0; q = next_in_leaf_[q]) {
      mx += pos_[3 * q];
      my += pos_[3 * q + 1];
      mz += pos_[3 * q + 2];
      ++count;
    }
    cell.mx = mx / count;
    cell.my = my / count;
    cell.mz = mz / count;
    cell.strength = s * count;
    cell.count = count;
    return;
  }
  float weight = 0;
  int32_t count = 0;
  for (int32_t ch : cell.child) {
    if (ch < 0) continue;
    const Cell& k = cells_[ch];
    count += k.count;
    const float w = std::fabs(k.strength);
    mx += k.mx * w;
    my += k.my * w;
    mz += k.mz * w;
    weight += w;
    total += k.strength;
  }
  if (weight > 0) {
    cell.mx = mx / weight;
    cell.my = my / weight;
    cell.mz = mz / weight;
  } else {
    cell.mx = cell.cx;
    cell.my = cell.cy;
    cell.mz = cell.cz;
  }
  cell.strength = total;
  cell.count = count;
}

void ForceLayout::apply_many_body(float alpha) {
  build_octree();
  const uint32_t n = size();
  if (n < 2) return;
  const float theta2 = options_.theta * options_.theta;
  const float dmin2 = options_.distance_min * options_.distance_min;
  const float s = options_.charge;
  uint64_t bodies = 0, approx = 0;

  // Group the points: the highest cells holding at most kGroupSize points (or
  // one leaf). Each group walks the tree once, opening a cell unless it is far
  // from the group's whole bounding box — never less accurate than d3's
  // per-point test, and the walk is shared by the group's points, which are also
  // neighbours in space (cache-friendly).
  order_.clear();
  groups_.clear();
  stack_.assign(1, 0);
  while (!stack_.empty()) {
    const int32_t c = stack_.back();
    stack_.pop_back();
    const Cell& k = cells_[c];
    if (k.point < 0 && k.count > kGroupSize) {
      for (int32_t ch : k.child) {
        if (ch >= 0) stack_.push_back(ch);
      }
      continue;
    }
    const uint32_t begin = static_cast<uint32_t>(order_.size());
    sub_stack_.assign(1, c);
    while (!sub_stack_.empty()) {
      const Cell& g = cells_[sub_stack_.back()];
      sub_stack_.pop_back();
      if (g.point >= 0) {
        for (int32_t q = g.point; q >= 0; q = next_in_leaf_[q]) {
          order_.push_back(static_cast<uint32_t>(q));
        }
        continue;
      }
      for (int32_t ch : g.child) {
        if (ch >= 0) sub_stack_.push_back(ch);
      }
    }
    groups_.push_back({begin, static_cast<uint32_t>(order_.size())});
  }

  // Depth <= kMaxDepth and at most 7 siblings pending per level bound the stack.
  int32_t stack[8 * (kMaxDepth + 2)];
  for (const auto& [begin, end] : groups_) {
    const uint32_t m = end - begin;
    gx_.resize(m);
    gy_.resize(m);
    gz_.resize(m);
    gvx_.assign(m, 0.0f);
    gvy_.assign(m, 0.0f);
    gvz_.assign(m, 0.0f);
    float lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (uint32_t j = 0; j < m; ++j) {
      const uint32_t i = order_[begin + j];
      gx_[j] = pos_[3 * i];
      gy_[j] = pos_[3 * i + 1];
      gz_[j] = pos_[3 * i + 2];
      lo[0] = std::min(lo[0], gx_[j]);
      hi[0] = std::max(hi[0], gx_[j]);
      lo[1] = std::min(lo[1], gy_[j]);
      hi[1] = std::max(hi[1], gy_[j]);
      lo[2] = std::min(lo[2], gz_[j]);
      hi[2] = std::max(hi[2], gz_[j]);
    }
    const float* const xs = gx_.data();
    const float* const ys = gy_.data();
    const float* const zs = gz_.data();
    float* const vxs = gvx_.data();
    float* const vys = gvy_.data();
    float* const vzs = gvz_.data();
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Cell& k = cells_[stack[--top]];
      // Distance from the cell's centre of mass to the group's box.
      const float ex = std::max({lo[0] - k.mx, 0.0f, k.mx - hi[0]});
      const float ey = std::max({lo[1] - k.my, 0.0f, k.my - hi[1]});
      const float ez = std::max({lo[2] - k.mz, 0.0f, k.mz - hi[2]});
      const float w = 2.0f * k.half;
      if (w * w < theta2 * (ex * ex + ey * ey + ez * ez)) {
        // Far from every point of the group: the cell acts as one body on each.
        far_field(m, xs, ys, zs, vxs, vys, vzs, k.mx, k.my, k.mz, k.strength * alpha, dmin2);
        approx += m;
        continue;
      }
      if (k.point < 0) {
        for (int32_t ch : k.child) {
          if (ch >= 0) stack[top++] = ch;
        }
        continue;
      }
      for (int32_t q = k.point; q >= 0; q = next_in_leaf_[q]) {
        const float qx = pos_[3 * q], qy = pos_[3 * q + 1], qz = pos_[3 * q + 2];
        for (uint32_t j = 0; j < m; ++j) {
          if (order_[begin + j] == static_cast<uint32_t>(q)) continue;
          float dx = qx - xs[j], dy = qy - ys[j], dz = qz - zs[j];
          if (dx == 0) dx = jiggle();
          if (dy == 0) dy = jiggle();
          if (dz == 0) dz = jiggle();
          float l = dx * dx + dy * dy + dz * dz;
          if (l < dmin2) l = std::sqrt(dmin2 * l);
          const float f = s * alpha / l;
          vxs[j] += dx * f;
          vys[j] += dy * f;
          vzs[j] += dz * f;
        }
        bodies += m;
      }
    }
    for (uint32_t j = 0; j < m; ++j) {
      const uint32_t i = order_[begin + j];
      vel_[3 * i] += vxs[j];
      vel_[3 * i + 1] += vys[j];
      vel_[3 * i + 2] += vzs[j];
    }
  }
  stats_.body_interactions = bodies;
  stats_.cell_interactions = approx;
}

void ForceLayout::apply_many_body_exact(float alpha) {
  const uint32_t n = size();
  const float dmin2 = options_.distance_min * options_.distance_min;
  const float s = options_.charge;
  for (uint32_t i = 0; i < n; ++i) {
    double vx = 0, vy = 0, vz = 0;
    for (uint32_t q = 0; q < n; ++q) {
      if (q == i) continue;
      const float dx = pos_[3 * q] - pos_[3 * i];
      const float dy = pos_[3 * q + 1] - pos_[3 * i + 1];
      const float dz = pos_[3 * q + 2] - pos_[3 * i + 2];
      float l = dx * dx + dy * dy + dz * dz;
      if (l == 0) continue;
      if (l < dmin2) l = std::sqrt(dmin2 * l);
      const float f = s * alpha / l;
      vx += dx * f;
      vy += dy * f;
      vz += dz * f;
    }
    vel_[3 * i] += static_cast<float>(vx);
    vel_[3 * i + 1] += static_cast<float>(vy);
    vel_[3 * i + 2] += static_cast<float>(vz);
  }
}

void ForceLayout::apply_links(float alpha) {
  const size_t m = links_.size() / 2;
  for (int it = 0; it < options_.link_iterations; ++it) {
    for (size_t k = 0; k < m; ++k) {
      const uint32_t a = links_[2 * k], b = links_[2 * k + 1];
      float dx = pos_[3 * b] + vel_[3 * b] - pos_[3 * a] - vel_[3 * a];
      float dy = pos_[3 * b + 1] + vel_[3 * b + 1] - pos_[3 * a + 1] - vel_[3 * a + 1];
      float dz = pos_[3 * b + 2] + vel_[3 * b + 2] - pos_[3 * a + 2] - vel_[3 * a + 2];
      if (dx == 0) dx = jiggle();
      if (dy == 0) dy = jiggle();
      if (dz == 0) dz = jiggle();
      float l = std::sqrt(dx * dx + dy * dy + dz * dz);
      l = (l - options_.link_distance) / l * alpha * link_strength_[k];
      dx *= l;
      dy *= l;
      dz *= l;
      const float bb = link_bias_[k], ba = 1.0f - bb;
      vel_[3 * b] -= dx * bb;
      vel_[3 * b + 1] -= dy * bb;
      vel_[3 * b + 2] -= dz * bb;
      vel_[3 * a] += dx * ba;
      vel_[3 * a + 1] += dy * ba;
      vel_[3 * a + 2] += dz * ba;
    }
  }
}

void ForceLayout::apply_center() {
  const uint32_t n = size();
  if (n == 0) return;
  double sx = 0, sy = 0, sz = 0;
  for (uint32_t i = 0; i < n; ++i) {
    sx += pos_[3 * i];
    sy += pos_[3 * i + 1];
    sz += pos_[3 * i + 2];
  }
  const float mx = static_cast<float>(sx / n), my = static_cast<float>(sy / n),
              mz = static_cast<float>(sz / n);
  for (uint32_t i = 0; i < n; ++i) {
    pos_[3 * i] -= mx;
    pos_[3 * i + 1] -= my;
    pos_[3 * i + 2] -= mz;
  }
}

bool ForceLayout::tick() {
  if (at_rest() || size() == 0) return false;
  alpha_ += (options_.alpha_target - alpha_) * options_.alpha_decay;
  // Same order as d3-force-3d with 3d-force-graph's forces: link, charge, centre.
  apply_links(alpha_);
  apply_many_body(alpha_);
  apply_center();
  const float keep = 1.0f - options_.velocity_decay;
  const uint32_t n = size();
  for (uint32_t i = 0; i < n; ++i) {
    if (pinned_[i]) {
      for (int d = 0; d < 3; ++d) {
        pos_[3 * i + d] = pin_pos_[3 * i + d];
        vel_[3 * i + d] = 0.0f;
      }
      continue;
    }
    for (int d = 0; d < 3; ++d) {
      vel_[3 * i + d] *= keep;
      pos_[3 * i + d] += vel_[3 * i + d];
    }
  }
  return true;
}

}  // namespace genesis::layout
