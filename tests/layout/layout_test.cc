#include "layout/layout.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace genesis::layout {
namespace {

// A balanced spawn tree: node i's parent is (i - 1) / fanout.
std::vector<uint32_t> tree_links(uint32_t n, uint32_t fanout) {
  std::vector<uint32_t> pairs;
  for (uint32_t i = 1; i < n; ++i) {
    pairs.push_back((i - 1) / fanout);
    pairs.push_back(i);
  }
  return pairs;
}

float distance(const ForceLayout& l, uint32_t a, uint32_t b) {
  const float* p = l.positions();
  const float dx = p[3 * a] - p[3 * b], dy = p[3 * a + 1] - p[3 * b + 1],
              dz = p[3 * a + 2] - p[3 * b + 2];
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

TEST(ForceLayout, InitialPlacementIsDistinctAndDeterministic) {
  ForceLayout a, b;
  a.resize(500);
  b.resize(500);
  for (uint32_t i = 0; i < 500 * 3; ++i) EXPECT_EQ(a.positions()[i], b.positions()[i]);
  for (uint32_t i = 1; i < 500; ++i) EXPECT_GT(distance(a, 0, i), 0.0f);
}

TEST(ForceLayout, BarnesHutMatchesExactSumWithinTolerance) {
  for (float theta : {0.0f, 0.5f, 0.9f}) {
    Options o;
    o.theta = theta;
    ForceLayout approx(o), exact(o);
    approx.resize(2000);
    exact.resize(2000);
    approx.apply_many_body(1.0f);
    exact.apply_many_body_exact(1.0f);
    double err = 0, norm = 0;
    for (uint32_t i = 0; i < 2000 * 3; ++i) {
      const double d = approx.velocities()[i] - exact.velocities()[i];
      err += d * d;
      norm += double(exact.velocities()[i]) * exact.velocities()[i];
    }
    const double rel = std::sqrt(err / norm);
    SCOPED_TRACE(theta);
    // theta = 0 opens every cell: the octree sum is the exact sum (float rounding only).
    EXPECT_LT(rel, theta == 0.0f ? 1e-4 : 0.05);
    if (theta > 0) {
      EXPECT_GT(approx.last_stats().cell_interactions, 0u);
    }
  }
}

TEST(ForceLayout, OctreeVisitsFarFewerBodiesThanAllPairs) {
  ForceLayout l;
  l.resize(20000);
  l.apply_many_body(1.0f);
  const uint64_t all_pairs = uint64_t{20000} * 19999;
  const auto& s = l.last_stats();
  EXPECT_LT(s.body_interactions + s.cell_interactions, all_pairs / 20);
  EXPECT_GT(s.octree_cells, 20000u);
}

TEST(ForceLayout, RepulsionPushesTwoPointsApart) {
  ForceLayout l;
  l.resize(2);
  ASSERT_TRUE(l.set_position(0, -1, 0, 0).ok());
  ASSERT_TRUE(l.set_position(1, 1, 0, 0).ok());
  l.apply_many_body(1.0f);
  EXPECT_LT(l.velocities()[0], 0.0f);
  EXPECT_GT(l.velocities()[3], 0.0f);
  EXPECT_FLOAT_EQ(l.velocities()[0], -l.velocities()[3]);
}

TEST(ForceLayout, CoincidentPointsAreSeparated) {
  ForceLayout l;
  l.resize(50);
  for (uint32_t i = 0; i < 50; ++i) ASSERT_TRUE(l.set_position(i, 5, 5, 5).ok());
  for (int t = 0; t < 50; ++t) l.tick();
  for (uint32_t i = 1; i < 50; ++i) EXPECT_GT(distance(l, 0, i), 0.5f) << i;
}

TEST(ForceLayout, TreeSettlesWithLinksNearRestLength) {
  ForceLayout l;
  const uint32_t n = 400;
  l.resize(n);
  auto pairs = tree_links(n, 4);
  ASSERT_TRUE(l.set_links(pairs.data(), n - 1).ok());
  int ticks = 0;
  while (l.tick()) ++ticks;
  EXPECT_TRUE(l.at_rest());
  EXPECT_GT(ticks, 250);
  EXPECT_LT(ticks, 320);
  // No edge collapses; on average edges sit near their rest length (30). Like
  // d3-force-3d (max ~340 here), a few edges stay stretched where the start tangled.
  double sum = 0;
  for (uint32_t i = 1; i < n; ++i) {
    const float d = distance(l, (i - 1) / 4, i);
    EXPECT_GT(d, 5.0f);
    EXPECT_LT(d, 1000.0f);
    sum += d;
  }
  // Springs of strength 1/degree against repulsion settle a little longer than rest
  // (d3-force-3d gives ~61 here; its octree scales cell charge by sqrt(1/2) per level).
  EXPECT_GT(sum / (n - 1), 30.0);
  EXPECT_LT(sum / (n - 1), 100.0);
  // The centring force keeps the centre of mass at the origin.
  double cx = 0;
  for (uint32_t i = 0; i < n; ++i) cx += l.positions()[3 * i];
  EXPECT_NEAR(cx / n, 0.0, 1.0);
  // A parent is nearer its children than the tree's far leaves are.
  EXPECT_LT(distance(l, 0, 1), distance(l, 1, n - 1));
}

TEST(ForceLayout, PinnedPointStaysPut) {
  ForceLayout l;
  l.resize(100);
  auto pairs = tree_links(100, 3);
  ASSERT_TRUE(l.set_links(pairs.data(), 99).ok());
  ASSERT_TRUE(l.pin(7, 200, -50, 10).ok());
  for (int t = 0; t < 100; ++t) l.tick();
  EXPECT_FLOAT_EQ(l.positions()[21], 200);
  EXPECT_FLOAT_EQ(l.positions()[22], -50);
  EXPECT_FLOAT_EQ(l.positions()[23], 10);
  // Its children were pulled towards it.
  EXPECT_LT(distance(l, 7, 22), 150.0f);
  ASSERT_TRUE(l.unpin(7).ok());
  l.reheat(1);
  for (int t = 0; t < 20; ++t) l.tick();
  EXPECT_NE(l.positions()[21], 200);
}

TEST(ForceLayout, OutOfRangeIndicesAreErrorsAndChangeNothing) {
  ForceLayout l;
  l.resize(3);
  const uint32_t good[] = {0, 1};
  ASSERT_TRUE(l.set_links(good, 1).ok());
  const uint32_t bad[] = {0, 1, 2, 3};
  auto s = l.set_links(bad, 2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::code::kInvalidArgument);
  EXPECT_EQ(l.link_count(), 1u);
  EXPECT_FALSE(l.set_position(3, 0, 0, 0).ok());
  EXPECT_FALSE(l.pin(9, 0, 0, 0).ok());
  EXPECT_FALSE(l.unpin(3).ok());
  EXPECT_FALSE(l.copy_point(0, 3).ok());
}

TEST(ForceLayout, ShrinkingDropsDanglingLinksAndSwapRemoveKeepsPositions) {
  ForceLayout l;
  l.resize(5);
  auto pairs = tree_links(5, 2);
  ASSERT_TRUE(l.set_links(pairs.data(), 4).ok());
  const float x4 = l.positions()[12];
  ASSERT_TRUE(l.copy_point(4, 1).ok());
  l.resize(4);
  EXPECT_EQ(l.size(), 4u);
  EXPECT_EQ(l.link_count(), 3u);  // 1->4 is gone
  EXPECT_EQ(l.positions()[3], x4);
}

TEST(ForceLayout, EmptyAndSinglePointTicksAreSafe) {
  ForceLayout l;
  EXPECT_FALSE(l.tick());
  l.resize(1);
  EXPECT_TRUE(l.tick());
  EXPECT_TRUE(std::isfinite(l.positions()[0]));
}

}  // namespace
}  // namespace genesis::layout
