// The WebAssembly face of ForceLayout: a flat C ABI for the shell's layout
// Web Worker (web/src/layout/worker.ts). Built only for wasm32 by
// scripts/build-web.sh; the native build and tests use layout.h directly.
//
// One layout per module instance (one per worker). Index arguments come from
// JavaScript, so every call that takes one returns 0 on success and -1 when
// the index is out of range (the layout is then unchanged).
#include <cstdint>
#include <vector>

#include "layout/layout.h"

#define GENESIS_EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {

genesis::layout::ForceLayout& layout() {
  static genesis::layout::ForceLayout instance;
  return instance;
}

std::vector<uint32_t>& link_scratch() {
  static std::vector<uint32_t> scratch;
  return scratch;
}

int status(const genesis::core::Status& s) { return s.ok() ? 0 : -1; }

}  // namespace

GENESIS_EXPORT(layout_resize) void layout_resize(uint32_t n) { layout().resize(n); }
GENESIS_EXPORT(layout_size) uint32_t layout_size() { return layout().size(); }

// Returns a buffer of 2*count uint32 for the caller to fill, then layout_set_links.
GENESIS_EXPORT(layout_link_buffer) uint32_t* layout_link_buffer(uint32_t count) {
  link_scratch().resize(size_t{count} * 2);
  return link_scratch().data();
}
GENESIS_EXPORT(layout_set_links) int layout_set_links(uint32_t count) {
  if (size_t{count} * 2 > link_scratch().size()) return -1;
  return status(layout().set_links(link_scratch().data(), count));
}

GENESIS_EXPORT(layout_set_position) int layout_set_position(uint32_t i, float x, float y, float z) {
  return status(layout().set_position(i, x, y, z));
}
GENESIS_EXPORT(layout_pin) int layout_pin(uint32_t i, float x, float y, float z) {
  return status(layout().pin(i, x, y, z));
}
GENESIS_EXPORT(layout_unpin) int layout_unpin(uint32_t i) { return status(layout().unpin(i)); }
GENESIS_EXPORT(layout_copy_point) int layout_copy_point(uint32_t from, uint32_t to) {
  return status(layout().copy_point(from, to));
}

// Runs up to `ticks` ticks; returns how many moved points (0 once at rest).
GENESIS_EXPORT(layout_tick) int layout_tick(int ticks) {
  int moved = 0;
  for (int t = 0; t < ticks; ++t) moved += layout().tick() ? 1 : 0;
  return moved;
}
GENESIS_EXPORT(layout_reheat) void layout_reheat(float alpha) { layout().reheat(alpha); }
GENESIS_EXPORT(layout_alpha) float layout_alpha() { return layout().alpha(); }
GENESIS_EXPORT(layout_set_alpha_target) void layout_set_alpha_target(float t) {
  layout().set_alpha_target(t);
}
GENESIS_EXPORT(layout_positions) float* layout_positions() { return layout().mutable_positions(); }
GENESIS_EXPORT(layout_cells) uint32_t layout_cells() { return layout().last_stats().octree_cells; }
