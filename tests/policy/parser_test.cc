#include "policy/parser.h"

#include <gtest/gtest.h>

namespace genesis::policy {
namespace {

TEST(PolicyParser, ParsesV1Module) {
  auto m = parse_module("a.rego", R"(package x.y
import rego.v1
default allow := false
allow if { input.user == "admin" }
roles contains r if { some r in input.roles }
f(a, b) := a + b
p[k] := v if { some k, v in {"a": 1} }
)");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ((*m)->package, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ((*m)->rules.size(), 5u);
  EXPECT_EQ((*m)->rules[0]->is_default, true);
  EXPECT_EQ((*m)->rules[2]->kind, RuleKind::kPartialSet);
  EXPECT_EQ((*m)->rules[3]->kind, RuleKind::kFunction);
  EXPECT_EQ((*m)->rules[4]->kind, RuleKind::kPartialObject);
}

TEST(PolicyParser, V1RequiresIf) {
  auto m = parse_module("a.rego", "package x\np { true }\n");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "rego_parse_error");
  EXPECT_EQ(m.error().where, "a.rego:2:3");
}

TEST(PolicyParser, V0PartialSet) {
  ParseOptions o;
  o.v0 = true;
  auto m = parse_module("a.rego", "package x\np[t] { t := \"a\" }\n", o);
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ((*m)->rules[0]->kind, RuleKind::kPartialSet);
}

TEST(PolicyParser, ReportsLocation) {
  auto m = parse_module("b.rego", "package x\n\nq := [1, 2\n");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "rego_parse_error");
  EXPECT_NE(m.error().where.find("b.rego:"), std::string::npos);
}

}  // namespace
}  // namespace genesis::policy

namespace genesis::policy {
namespace {

TEST(PolicyParser, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "package x\n\np := " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  auto m = parse_module("deep.rego", deep);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, "rego_parse_error");
  std::string minus = "package x\n\np := " + std::string(100000, '-') + "1\n";
  EXPECT_FALSE(parse_module("minus.rego", minus).ok());
  std::string tmpl = "package x\n\np := " ;
  for (int i = 0; i < 200; ++i) tmpl += "$\"{";
  EXPECT_FALSE(parse_module("tmpl.rego", tmpl).ok());
}

TEST(PolicyParser, TemplateStrings) {
  auto m = parse_module("t.rego", "package x\n\np := $`{$\"{a}\"}-{$`{b}`}`\n");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
}

}  // namespace
}  // namespace genesis::policy
