#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

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

namespace genesis::policy {
namespace {

// Hostile policies (issue 15): each must end with OPA's eval_cancel_error,
// promptly, whatever it tries to build.
std::string doubling_module(int times) {
  std::string m = "package h\ns0 := \"ab\"\n";
  for (int i = 1; i <= times; ++i)
    m += "s" + std::to_string(i) + " := concat(\"\", [s" + std::to_string(i - 1) + ", s" + std::to_string(i - 1) + "])\n";
  return m;
}

core::Result<std::vector<ResultRow>> run_limited(const std::string& module, const std::string& query,
                                                 EvalOptions o = {}) {
  Engine e;
  if (auto s = e.add_module("h.rego", module); !s) return s.error();
  if (auto s = e.compile(); !s) return s.error();
  return e.query(query, o);
}

TEST(PolicyLimits, StringDoubledThirtyTwoTimesHitsTheMemoryBudget) {
  EvalStats stats;
  EvalOptions o;
  o.stats = &stats;
  auto start = std::chrono::steady_clock::now();
  auto r = run_limited(doubling_module(32), "data.h.s32", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eval_cancel_error");
  EXPECT_NE(r.error().message.find("memory limit"), std::string::npos) << r.error().message;
  EXPECT_LE(stats.bytes_allocated, o.limits.max_bytes + (o.limits.max_bytes / 2));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // Below the budget the same policy evaluates, and the budget is what decides.
  auto ok = run_limited(doubling_module(10), "count(data.h.s10)");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(to_json(ok->front().expressions.front()), "2048");
  EvalOptions small;
  small.limits.max_bytes = 1000;
  auto refused = run_limited(doubling_module(10), "count(data.h.s10)", small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "eval_cancel_error");
}

TEST(PolicyLimits, GigabyteStringsFromConcatAndSprintfAreRefused) {
  const std::string module = doubling_module(20) +  // s20: 2 MiB
                             "big_concat := concat(\"\", [x | some i in numbers.range(1, 500); x := s20])\n"
                             "fmt := concat(\"\", [\"%s\" | some i in numbers.range(1, 500)])\n"
                             "big_sprintf := sprintf(fmt, [x | some i in numbers.range(1, 500); x := s20])\n";
  for (const char* q : {"count(data.h.big_concat)", "count(data.h.big_sprintf)"}) {
    auto start = std::chrono::steady_clock::now();
    auto r = run_limited(module, q);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.error().code, "eval_cancel_error") << q;
    EXPECT_NE(r.error().message.find("memory limit"), std::string::npos) << r.error().message;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << q;
  }
}

TEST(PolicyLimits, DeadlineHoldsInsideAComprehension) {
  // 10,000 x 10,000 elements: the deadline (300 ms) ends it, not the step or memory limit.
  EvalOptions o;
  o.limits.timeout = std::chrono::milliseconds(300);
  o.limits.max_steps = UINT64_MAX;
  o.limits.max_bytes = 0;
  auto start = std::chrono::steady_clock::now();
  auto r = run_limited("package h\np := count({[i, j] | some i in numbers.range(1, 10000); some j in numbers.range(1, 10000)})\n",
                       "data.h.p", o);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eval_cancel_error");
  EXPECT_EQ(r.error().message, "evaluation exceeded the time limit");
  EXPECT_LT(took, std::chrono::milliseconds(600));  // within a fraction of the limit
}

TEST(PolicyLimits, DeadlineHoldsInsideLongBuiltins) {
  // One call to replace() over a 32 MiB string takes far longer than the 50 ms
  // limit when it runs to its end; it must stop inside.
  EvalOptions o;
  o.limits.timeout = std::chrono::milliseconds(50);
  o.limits.max_bytes = 0;
  const std::string module = doubling_module(24) + "p := count(replace(s24, \"a\", \"xyz\"))\n";
  Engine e;
  ASSERT_TRUE(e.add_module("h.rego", module).ok());
  ASSERT_TRUE(e.compile().ok());
  EvalOptions unlimited;
  unlimited.limits.max_bytes = 0;
  auto t0 = std::chrono::steady_clock::now();
  auto full = e.query("data.h.p", unlimited);
  auto full_took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(full.ok()) << full.error().to_string();
  EXPECT_EQ(to_json(full->front().expressions.front()), std::to_string((1 << 24) * 4));
  if (full_took < std::chrono::milliseconds(150)) GTEST_SKIP() << "machine too fast to tell";
  t0 = std::chrono::steady_clock::now();
  auto r = e.query("data.h.p", o);
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "evaluation exceeded the time limit");
  EXPECT_LT(took, full_took / 2);
}

TEST(PolicyLimits, CancelledEvaluationStops) {
  EvalOptions o;
  o.limits.max_steps = UINT64_MAX;
  o.limits.max_bytes = 0;
  auto start = std::chrono::steady_clock::now();
  o.cancelled = [start] { return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(100); };
  auto r = run_limited("package h\np if { some i in numbers.range(1, 10000); some j in numbers.range(1, 10000); i * j < 0 }\n",
                       "data.h.p", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "eval_cancel_error");
  EXPECT_EQ(r.error().message, "caller cancelled query execution");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(PolicyLimits, StatsCountWhatAnEvaluationAllocates) {
  EvalStats stats;
  EvalOptions o;
  o.stats = &stats;
  auto r = run_limited("package h\np := concat(\",\", [x | some i in numbers.range(1, 1000); x := sprintf(\"%d\", [i])])\n",
                       "data.h.p", o);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(stats.steps, 1000u);
  EXPECT_GT(stats.bytes_allocated, 1000u * sizeof(Value));  // the range and the comprehension at least
  EXPECT_LT(stats.bytes_allocated, 1000u * 1000u);
}

}  // namespace
}  // namespace genesis::policy
