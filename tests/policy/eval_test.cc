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

namespace genesis::policy {
namespace {

TEST(PolicyEval, IndexedRulesKeepSemantics) {
  std::string src = "package r\n\ndefault allow := false\n\n";
  for (int i = 0; i < 50; ++i) {
    src += "allow if {\n  input.path == \"/p/" + std::to_string(i) + "\"\n  input.method == \"GET\"\n}\n\n";
  }
  src += "allow if input.admin\n";  // unconstrained on path: always a candidate
  Engine e;
  ASSERT_TRUE(e.add_module("r.rego", src).ok());
  ASSERT_TRUE(e.compile().ok());
  EXPECT_EQ(to_json(eval_one(e, "data.r.allow", *parse_json(R"({"path":"/p/17","method":"GET"})"))), "true");
  EXPECT_EQ(to_json(eval_one(e, "data.r.allow", *parse_json(R"({"path":"/p/17","method":"PUT"})"))), "false");
  EXPECT_EQ(to_json(eval_one(e, "data.r.allow", *parse_json(R"({"path":"/x","admin":true})"))), "true");
  EXPECT_EQ(to_json(eval_one(e, "data.r.allow", *parse_json(R"({"method":"GET"})"))), "false");
}

TEST(PolicyEval, V0ModulesByVersion) {
  Engine e;
  const char* v0 = "package m\n\nd[t] {\n  input.n > 1\n  t := \"T1\"\n}\n";
  EXPECT_FALSE(e.add_module("m.rego", v0).ok());  // v1 by default
  ASSERT_TRUE(e.add_module("m.rego", v0, RegoVersion::kAuto).ok());
  ASSERT_TRUE(e.compile().ok());
  EXPECT_EQ(to_json(eval_one(e, "data.m.d", *parse_json(R"({"n":2})"))), R"(["T1"])");
}

}  // namespace
}  // namespace genesis::policy
