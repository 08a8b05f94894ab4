// graph.reachable, graph.reachable_paths, walk (a relation: one result per node).
#include <deque>
#include <functional>

#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

const ValueVec* edges_of(const Value& graph, const Value& node, ValueVec* tmp) {
  const Value* e = graph.get(node);
  if (!e) return nullptr;
  if (e->is_array() || e->is_set()) return &e->arr();
  if (e->is_null()) {
    tmp->clear();
    return tmp;
  }
  return nullptr;
}

}  // namespace

void register_graph() {
  register_builtin("graph.reachable", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& g = arg_kind(a, 0, Kind::kObject, "object");
    if (!a[1].is_array() && !a[1].is_set()) type_error(2, "one of {array, set}", a[1]);
    ValueVec seen;
    std::deque<Value> q(a[1].arr().begin(), a[1].arr().end());
    Value seen_set = Value::empty_set();
    std::vector<Value> acc;
    while (!q.empty()) {
      Value n = q.front();
      q.pop_front();
      bool dup = false;
      for (const auto& s : acc)
        if (s == n) dup = true;
      if (dup || !g.get(n)) continue;
      acc.push_back(n);
      ValueVec tmp;
      if (const ValueVec* es = edges_of(g, n, &tmp))
        for (const auto& e : *es) q.push_back(e);
    }
    return Value::set(std::move(acc));
  });
  register_builtin("graph.reachable_paths", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& g = arg_kind(a, 0, Kind::kObject, "object");
    if (!a[1].is_array() && !a[1].is_set()) type_error(2, "one of {array, set}", a[1]);
    ValueVec paths;
    // Depth first, in edge order, with one set of nodes already left for a
    // neighbour (OPA's traversal): a path ends at a node without edges, at
    // an edge that leaves the graph, or at an edge to a node already left
    // (which is not repeated), so cycles end and shared tails are walked once.
    std::vector<Value> left;
    auto was_left = [&](const Value& n) {
      for (const auto& x : left)
        if (x == n) return true;
      return false;
    };
    std::function<void(const Value&, ValueVec&)> visit = [&](const Value& n, ValueVec& path) {
      ValueVec tmp;
      const ValueVec* es = edges_of(g, n, &tmp);
      if (!es || es->empty()) {
        paths.push_back(Value::array(path));
        return;
      }
      for (const auto& e : *es) {
        if (was_left(e) || !g.get(e)) {
          paths.push_back(Value::array(path));
          continue;
        }
        if (!was_left(n)) left.push_back(n);
        path.push_back(e);
        visit(e, path);
        path.pop_back();
      }
    };
    for (const auto& s : a[1].arr()) {
      if (!g.get(s)) continue;
      ValueVec path{s};
      visit(s, path);
    }
    return Value::set(std::move(paths));
  });
  // walk(x, [path, value]): returns every [path, value] pair; the evaluator enumerates them.
  register_relation("walk", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out;
    std::function<void(const Value&, ValueVec&)> go = [&](const Value& v, ValueVec& path) {
      out.push_back(Value::array({Value::array(path), v}));
      switch (v.kind()) {
        case Kind::kArray:
          for (size_t i = 0; i < v.arr().size(); ++i) {
            path.push_back(Value::integer(static_cast<int64_t>(i)));
            go(v.arr()[i], path);
            path.pop_back();
          }
          break;
        case Kind::kObject:
          for (const auto& [k, x] : v.obj()) {
            path.push_back(k);
            go(x, path);
            path.pop_back();
          }
          break;
        case Kind::kSet:
          for (const auto& x : v.set_items()) {
            path.push_back(x);
            go(x, path);
            path.pop_back();
          }
          break;
        default: break;
      }
    };
    ValueVec path;
    go(a[0], path);
    return Value::array(std::move(out));
  });
}

}  // namespace genesis::policy
