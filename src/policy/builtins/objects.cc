// object.get, object.keys, object.remove, object.filter, object.union, object.union_n.
#include "policy/builtins/builtins.h"

namespace genesis::policy {
namespace {

Value union2(const Value& a, const Value& b) {
  if (!a.is_object() || !b.is_object()) return b;
  ObjectItems out = a.obj();
  for (const auto& [k, v] : b.obj()) {
    bool merged = false;
    for (auto& kv : out) {
      if (kv.first == k) {
        kv.second = union2(kv.second, v);
        merged = true;
      }
    }
    if (!merged) out.emplace_back(k, v);
  }
  return Value::object(std::move(out));
}

// Keys from an array, set or object operand.
ValueVec key_list(const Value* a, int i) {
  switch (a[i].kind()) {
    case Kind::kArray:
    case Kind::kSet: return a[i].arr();
    case Kind::kObject: {
      ValueVec out;
      for (const auto& kv : a[i].obj()) out.push_back(kv.first);
      return out;
    }
    default: type_error(i + 1, "one of {object, set, array}", a[i]);
  }
}

bool subset(const Value& sup, const Value& sub) {
  if (sup.is_object() && sub.is_object()) {
    for (const auto& [k, v] : sub.obj()) {
      const Value* x = sup.get(k);
      if (!x || !subset(*x, v)) return false;
    }
    return true;
  }
  if (sup.is_set() && sub.is_set()) {
    for (const auto& x : sub.set_items())
      if (!sup.contains(x)) return false;
    return true;
  }
  if (sup.is_array() && sub.is_set()) {
    for (const auto& x : sub.set_items()) {
      bool found = false;
      for (const auto& y : sup.arr())
        if (y == x) found = true;
      if (!found) return false;
    }
    return true;
  }
  if (sup.is_array() && sub.is_array()) {
    // sub must appear as a contiguous run in sup.
    const auto& a = sup.arr();
    const auto& b = sub.arr();
    if (b.empty()) return true;
    for (size_t i = 0; i + b.size() <= a.size(); ++i) {
      bool ok = true;
      for (size_t j = 0; j < b.size() && ok; ++j) ok = a[i + j] == b[j];
      if (ok) return true;
    }
    return false;
  }
  return sup == sub;
}

}  // namespace

void register_objects() {
  register_builtin("object.subset", 2, [](BuiltinContext&, const Value* a, size_t) {
    auto ok = [](const Value& v) { return v.is_object() || v.is_set() || v.is_array(); };
    if (!ok(a[0])) type_error(1, "one of {object, set, array}", a[0]);
    if (!ok(a[1])) type_error(2, "one of {object, set, array}", a[1]);
    if (a[0].is_object() != a[1].is_object() && !(a[0].is_array() && a[1].is_set()))
      throw BuiltinError{"eval_type_error", "both arguments must be objects, sets or arrays of the same kind"};
    return Value::boolean(subset(a[0], a[1]));
  });
  register_builtin("object.get", 3, [](BuiltinContext&, const Value* a, size_t) {
    const Value& obj = arg_kind(a, 0, Kind::kObject, "object");
    if (a[1].is_array()) {
      Value cur = obj;
      for (const auto& k : a[1].arr()) {
        Value next;
        if (cur.is_object()) {
          if (const Value* v = cur.get(k)) next = *v;
        } else if (cur.is_array() && k.is_int()) {
          int64_t i = k.as_int();
          if (i >= 0 && static_cast<size_t>(i) < cur.arr().size()) next = cur.arr()[static_cast<size_t>(i)];
        } else if (cur.is_set() && cur.contains(k)) {
          next = k;
        }
        if (!next.defined()) return a[2];
        cur = next;
      }
      return cur;
    }
    const Value* v = obj.get(a[1]);
    return v ? *v : a[2];
  });
  register_builtin("object.keys", 1, [](BuiltinContext&, const Value* a, size_t) {
    ValueVec out;
    for (const auto& kv : arg_kind(a, 0, Kind::kObject, "object").obj()) out.push_back(kv.first);
    return Value::set(std::move(out));
  });
  register_builtin("object.remove", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& obj = arg_kind(a, 0, Kind::kObject, "object");
    Value keys = Value::set(key_list(a, 1));
    ObjectItems out;
    for (const auto& kv : obj.obj())
      if (!keys.contains(kv.first)) out.push_back(kv);
    return Value::object(std::move(out));
  });
  register_builtin("object.filter", 2, [](BuiltinContext&, const Value* a, size_t) {
    const Value& obj = arg_kind(a, 0, Kind::kObject, "object");
    Value keys = Value::set(key_list(a, 1));
    ObjectItems out;
    for (const auto& kv : obj.obj())
      if (keys.contains(kv.first)) out.push_back(kv);
    return Value::object(std::move(out));
  });
  register_builtin("object.union", 2, [](BuiltinContext&, const Value* a, size_t) {
    arg_kind(a, 0, Kind::kObject, "object");
    arg_kind(a, 1, Kind::kObject, "object");
    return union2(a[0], a[1]);
  });
  register_builtin("object.union_n", 1, [](BuiltinContext&, const Value* a, size_t) {
    const Value& arr = arg_kind(a, 0, Kind::kArray, "array");
    Value acc = Value::empty_object();
    for (const auto& o : arr.arr()) {
      if (!o.is_object()) throw BuiltinError{"eval_type_error", "operand 1 must be array of objects but got array containing " + std::string(o.type_name())};
      acc = union2(acc, o);
    }
    return acc;
  });
}

}  // namespace genesis::policy
