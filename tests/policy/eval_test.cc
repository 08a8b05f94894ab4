#include <gtest/gtest.h>

#include "policy/policy.h"

namespace genesis::policy {
namespace {

Value eval_one(Engine& e, const std::string& q, const Value& input = Value()) {
  EvalOptions o;
  o.input = input;
  auto r = e.query(q, o);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  if (!r.ok() || r->empty()) return Value();
  return r->front().expressions.front();
}

TEST(PolicyEval, RulesSetsObjectsFunctions) {
  Engine e;
  ASSERT_TRUE(e.add_module("t.rego", R"(package t
default allow := false
allow if input.user == "admin"
names contains n if { some n in ["b", "a", "b"] }
obj[k] := v if { some k, v in {"x": 1, "y": 2} }
double(x) := 2 * x
total := sum([double(i) | some i in [1, 2, 3]])
)").ok());
  ASSERT_TRUE(e.compile().ok());
  EXPECT_EQ(to_json(eval_one(e, "data.t.allow", *parse_json(R"({"user":"admin"})"))), "true");
  EXPECT_EQ(to_json(eval_one(e, "data.t.allow", *parse_json(R"({"user":"bob"})"))), "false");
  EXPECT_EQ(to_json(eval_one(e, "data.t.names")), R"(["a","b"])");
  EXPECT_EQ(to_json(eval_one(e, "data.t.obj")), R"({"x":1,"y":2})");
  EXPECT_EQ(to_json(eval_one(e, "data.t.total")), "12");
}

TEST(PolicyEval, ConflictIsAnError) {
  Engine e;
  ASSERT_TRUE(e.add_module("t.rego", "package t\np := 1\np := 2\n").ok());
  ASSERT_TRUE(e.compile().ok());
  auto r = e.query("data.t.p");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eval_conflict_error");
}

TEST(PolicyEval, StepLimitStopsRunaway) {
  Engine e;
  ASSERT_TRUE(e.add_module("t.rego", "package t\np := count([x | some x in numbers.range(1, 100000); x > 0])\n").ok());
  ASSERT_TRUE(e.compile().ok());
  EvalOptions o;
  o.limits.max_steps = 1000;
  auto r = e.query("data.t.p", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eval_cancel_error");
}

TEST(PolicyEval, UnsafeVarIsACompileError) {
  Engine e;
  ASSERT_TRUE(e.add_module("t.rego", "package t\np if { x > 1 }\n").ok());
  auto st = e.compile();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "rego_unsafe_var_error");
}

TEST(PolicyEval, WithReplacesInputAndFunctions) {
  Engine e;
  ASSERT_TRUE(e.add_module("t.rego", "package t\np := input.x\nq := count([1, 2])\n").ok());
  ASSERT_TRUE(e.compile().ok());
  EXPECT_EQ(to_json(eval_one(e, "data.t.p with input.x as 7")), "7");
  EXPECT_EQ(to_json(eval_one(e, "data.t.q with count as 42")), "42");
}

}  // namespace
}  // namespace genesis::policy
