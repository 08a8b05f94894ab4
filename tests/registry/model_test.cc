#include <gtest/gtest.h>

#include "registry/registry.h"

namespace genesis::registry {
namespace {

TEST(Label, AcceptsLtreeLabels) {
  EXPECT_TRUE(validate_label("planner_01-x").ok());
  EXPECT_FALSE(validate_label("").ok());
  EXPECT_FALSE(validate_label("a.b").ok());
  EXPECT_FALSE(validate_label("with space").ok());
  EXPECT_FALSE(validate_label(std::string(65, 'a')).ok());
  EXPECT_TRUE(validate_label(std::string(64, 'a')).ok());
}

TEST(MemState, MustBeAnObjectOfAtMost128KB) {
  EXPECT_TRUE(validate_mem_state(core::Value::object()).ok());
  EXPECT_FALSE(validate_mem_state(core::Value::array()).ok());
  // {"k":"<s>"} is 8 bytes plus the string.
  core::Value at_limit = core::Object{{"k", std::string(kMaxMemStateBytes - 8, 'x')}};
  EXPECT_TRUE(validate_mem_state(at_limit).ok());
  core::Value over = core::Object{{"k", std::string(kMaxMemStateBytes - 7, 'x')}};
  auto s = validate_mem_state(over);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::code::kTooLarge);
}

TEST(Goals, ValidateEachField) {
  auto ok = goals_from_json(*core::parse_json(R"([{"id":"a","weight":0.5,"ttl":60}])"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)[0].ttl, 60);
  struct Bad {
    const char* json;
    const char* where;
  } bad[] = {
      {R"({"id":"a"})", "goals"},
      {R"([{"weight":0.5,"ttl":1}])", "goals[0].id"},
      {R"([{"id":"a","weight":1.5,"ttl":1}])", "goals[0].weight"},
      {R"([{"id":"a","weight":0.5,"ttl":-1}])", "goals[0].ttl"},
      {R"([{"id":"a","weight":0.5,"ttl":1.5}])", "goals[0].ttl"},
      {R"([{"id":"a","weight":0.5,"ttl":1,"x":1}])", "goals[0]"},
      {R"([{"id":"a","weight":0.5,"ttl":1},{"id":"a","weight":0.5,"ttl":1}])", "goals[1].id"},
  };
  for (const auto& b : bad) {
    auto r = goals_from_json(*core::parse_json(b.json));
    ASSERT_FALSE(r.ok()) << b.json;
    EXPECT_EQ(r.error().where, b.where) << b.json;
  }
}

TEST(Emotion, DefaultsAreTheSeeds) {
  auto e = emotion_from_json(core::Value::object());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->pleasure, 0.5);
  EXPECT_EQ(e->arousal, 0.5);
  EXPECT_EQ(e->dominance, 0.5);
  EXPECT_FALSE(emotion_from_json(*core::parse_json(R"({"pleasure":-0.1})")).ok());
  EXPECT_FALSE(emotion_from_json(*core::parse_json(R"({"joy":1})")).ok());
}

}  // namespace
}  // namespace genesis::registry
