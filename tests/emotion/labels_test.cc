#include <gtest/gtest.h>

#include "emotion/emotion.h"

namespace genesis::emotion {
namespace {

struct LabelCase {
  double p, a, d;
  const char* label;
};

class Labels : public ::testing::TestWithParam<LabelCase> {};

TEST_P(Labels, FollowTheSeedThresholds) {
  const auto& c = GetParam();
  EXPECT_STREQ(label_name(map_to_categorical({c.p, c.a, c.d})), c.label)
      << "p=" << c.p << " a=" << c.a << " d=" << c.d;
}

// Every threshold is strict; each boundary is tested on and just past it.
INSTANTIATE_TEST_SUITE_P(
    Edges, Labels,
    ::testing::Values(
        // JOY: p > 0.6 && a > 0.6
        LabelCase{0.61, 0.61, 0.5, "JOY"}, LabelCase{1.0, 1.0, 1.0, "JOY"},
        LabelCase{0.6, 0.61, 0.5, "NEUTRAL"}, LabelCase{0.61, 0.6, 0.5, "NEUTRAL"},
        LabelCase{0.6000001, 0.6000001, 0.0, "JOY"},
        // FEAR: p < 0.4 && a > 0.6
        LabelCase{0.39, 0.61, 0.5, "FEAR"}, LabelCase{0.0, 1.0, 1.0, "FEAR"},
        LabelCase{0.4, 0.61, 0.5, "NEUTRAL"}, LabelCase{0.39, 0.6, 0.5, "NEUTRAL"},
        // SADNESS: p < 0.4 && a < 0.4 (checked before FATIGUED)
        LabelCase{0.39, 0.39, 0.5, "SADNESS"}, LabelCase{0.0, 0.0, 0.9, "SADNESS"},
        LabelCase{0.39, 0.4, 0.5, "NEUTRAL"}, LabelCase{0.4, 0.39, 0.5, "NEUTRAL"},
        // CALM: p > 0.6 && a < 0.4 (checked before INTENSE)
        LabelCase{0.61, 0.39, 0.5, "CALM"}, LabelCase{1.0, 0.0, 0.9, "CALM"},
        LabelCase{0.6, 0.39, 0.5, "NEUTRAL"}, LabelCase{0.61, 0.4, 0.5, "NEUTRAL"},
        // INTENSE: d > 0.7 once no corner matched
        LabelCase{0.5, 0.5, 0.71, "INTENSE"}, LabelCase{0.5, 0.5, 0.7, "NEUTRAL"},
        LabelCase{0.5, 0.2, 0.71, "INTENSE"}, LabelCase{0.7, 0.5, 1.0, "INTENSE"},
        // FATIGUED: a < 0.3 when p is in [0.4, 0.6] and d <= 0.7
        LabelCase{0.5, 0.29, 0.7, "FATIGUED"}, LabelCase{0.4, 0.0, 0.0, "FATIGUED"},
        LabelCase{0.6, 0.29, 0.5, "FATIGUED"}, LabelCase{0.5, 0.3, 0.5, "NEUTRAL"},
        // NEUTRAL
        LabelCase{0.5, 0.5, 0.5, "NEUTRAL"}, LabelCase{0.4, 0.4, 0.7, "NEUTRAL"},
        LabelCase{0.6, 0.6, 0.0, "NEUTRAL"}));

TEST(Labels, NamesRoundTrip) {
  for (Label l : {Label::kJoy, Label::kFear, Label::kSadness, Label::kCalm, Label::kIntense,
                  Label::kFatigued, Label::kNeutral})
    EXPECT_EQ(parse_label(label_name(l)), l);
  EXPECT_FALSE(parse_label("joy").has_value());
  EXPECT_FALSE(parse_label("").has_value());
}

struct FatigueCase {
  double uptime_ms, error_rate;
  int64_t task_count;
  double expected;
};

class Fatigue : public ::testing::TestWithParam<FatigueCase> {};

TEST_P(Fatigue, FollowsTheSeedFormula) {
  const auto& c = GetParam();
  Telemetry t;
  t.uptime_ms = c.uptime_ms;
  t.error_rate = c.error_rate;
  t.task_count = c.task_count;
  EXPECT_NEAR(calculate_fatigue(t), c.expected, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Formula, Fatigue,
                         ::testing::Values(FatigueCase{0, 0, 0, 0.0},
                                           // 8 hours of uptime alone is full fatigue.
                                           FatigueCase{8 * 3600000.0, 0, 0, 1.0},
                                           FatigueCase{4 * 3600000.0, 0, 0, 0.5},
                                           FatigueCase{3600000.0, 0, 0, 0.125},
                                           // 100 tasks alone is full fatigue; 1 task is 0.01.
                                           FatigueCase{0, 0, 100, 1.0}, FatigueCase{0, 0, 1, 0.01},
                                           FatigueCase{0, 0.3, 0, 0.3},
                                           // The terms add...
                                           FatigueCase{2 * 3600000.0, 0.2, 30, 0.25 + 0.2 + 0.3},
                                           // ...and are capped at 1.
                                           FatigueCase{8 * 3600000.0, 1.0, 500, 1.0},
                                           FatigueCase{0, 0.9, 11, 1.0}));

TEST(Offload, NeedsFatigueOver07AndPleasureUnder02) {
  Emotion e;
  e.fatigue = 0.71;
  e.pleasure = 0.19;
  EXPECT_TRUE(should_offload(e));
  e.fatigue = 0.7;
  EXPECT_FALSE(should_offload(e));
  e.fatigue = 0.71;
  e.pleasure = 0.2;
  EXPECT_FALSE(should_offload(e));
  e.pleasure = 0.0;
  e.fatigue = 1.0;
  EXPECT_TRUE(should_offload(e));
}

TEST(Offload, ReceiversAreNotFatigued) {
  Emotion e;
  e.fatigue = 0.7;
  EXPECT_TRUE(can_receive_offload(e));
  e.fatigue = 0.71;
  EXPECT_FALSE(can_receive_offload(e));
  e.fatigue = 0.1;
  e.label = Label::kFatigued;
  EXPECT_FALSE(can_receive_offload(e));
}

TEST(EmotionJson, RoundTripsAndValidates) {
  Emotion e{0.25, 0.75, 0.5, Label::kFear, 0.125};
  core::Value v = to_value(e);
  EXPECT_EQ(core::to_json(v),
            R"({"pleasure":0.25,"arousal":0.75,"dominance":0.5,"label":"FEAR","fatigue":0.125})");
  auto back = emotion_from_value(v);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, e);

  auto bad = emotion_from_value(*core::parse_json(R"({"pleasure":2})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "emotion.pleasure");
  bad = emotion_from_value(*core::parse_json(R"({"label":"HAPPY"})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().where, "emotion.label");
  bad = emotion_from_value(*core::parse_json(R"({"mood":1})"));
  ASSERT_FALSE(bad.ok());
}

TEST(Appraise, CombinesInferenceLabelAndFatigue) {
  const Model& m = Model::shipped();
  Telemetry t{0.9, 0.9, 0.6, 80, 0.1, 6 * 3600000.0};
  Emotion e = appraise(m, t);
  Pad pad = m.infer(features(t));
  EXPECT_EQ(e.pleasure, pad.pleasure);
  EXPECT_EQ(e.arousal, pad.arousal);
  EXPECT_EQ(e.dominance, pad.dominance);
  EXPECT_EQ(e.label, map_to_categorical(pad));
  EXPECT_EQ(e.fatigue, calculate_fatigue(t));
}

}  // namespace
}  // namespace genesis::emotion
