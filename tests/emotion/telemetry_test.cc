#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "emotion/emotion.h"

namespace genesis::emotion {
namespace {

Telemetry parse_ok(const char* json) {
  auto v = core::parse_json(json);
  EXPECT_TRUE(v.ok());
  auto t = parse_telemetry(*v);
  EXPECT_TRUE(t.ok()) << t.error().to_string();
  return t.ok() ? *t : Telemetry{};
}

TEST(Telemetry, ReadsEveryField) {
  Telemetry t = parse_ok(R"({"cpu_usage":0.25,"memory_usage":1,"error_rate":0,"task_count":7,)"
                         R"("success_rate":0.5,"uptime_ms":3600000})");
  EXPECT_DOUBLE_EQ(t.cpu_usage, 0.25);
  EXPECT_DOUBLE_EQ(t.memory_usage, 1.0);
  EXPECT_DOUBLE_EQ(t.error_rate, 0.0);
  EXPECT_EQ(t.task_count, 7);
  EXPECT_DOUBLE_EQ(t.success_rate, 0.5);
  EXPECT_DOUBLE_EQ(t.uptime_ms, 3600000.0);
}

TEST(Telemetry, MissingFieldsTakeTheSeedDefaults) {
  Telemetry t = parse_ok("{}");
  EXPECT_DOUBLE_EQ(t.cpu_usage, 0.5);
  EXPECT_DOUBLE_EQ(t.memory_usage, 0.5);
  EXPECT_DOUBLE_EQ(t.error_rate, 0.0);
  EXPECT_EQ(t.task_count, 1);
  EXPECT_DOUBLE_EQ(t.success_rate, 1.0);
  EXPECT_DOUBLE_EQ(t.uptime_ms, 0.0);
}

TEST(Telemetry, IntegralDoubleTaskCountIsAccepted) {
  EXPECT_EQ(parse_ok(R"({"task_count":12.0})").task_count, 12);
}

struct BadTelemetry {
  const char* json;
  const char* where;
  const char* message_part;
};

class TelemetryErrors : public ::testing::TestWithParam<BadTelemetry> {};

TEST_P(TelemetryErrors, NameTheField) {
  auto v = core::parse_json(GetParam().json);
  ASSERT_TRUE(v.ok());
  auto t = parse_telemetry(*v);
  ASSERT_FALSE(t.ok()) << GetParam().json;
  EXPECT_EQ(t.error().code, "invalid_argument");
  EXPECT_EQ(t.error().where, GetParam().where);
  EXPECT_NE(t.error().message.find(GetParam().message_part), std::string::npos)
      << t.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TelemetryErrors,
    ::testing::Values(BadTelemetry{R"([1,2])", "telemetry", "must be a JSON object"},
                      BadTelemetry{R"({"cpu_usage":1.5})", "cpu_usage", "[0, 1], got 1.5"},
                      BadTelemetry{R"({"cpu_usage":-0.01})", "cpu_usage", "[0, 1]"},
                      BadTelemetry{R"({"cpu_usage":"high"})", "cpu_usage",
                                   "must be a number, got string"},
                      BadTelemetry{R"({"memory_usage":1.0000001})", "memory_usage", "[0, 1]"},
                      BadTelemetry{R"({"memory_usage":null})", "memory_usage", "got null"},
                      BadTelemetry{R"({"error_rate":2})", "error_rate", "[0, 1]"},
                      BadTelemetry{R"({"success_rate":-1})", "success_rate", "[0, 1]"},
                      BadTelemetry{R"({"success_rate":true})", "success_rate", "got boolean"},
                      BadTelemetry{R"({"task_count":-1})", "task_count", "integer >= 0, got -1"},
                      BadTelemetry{R"({"task_count":1.5})", "task_count", "integer >= 0, got 1.5"},
                      BadTelemetry{R"({"task_count":"3"})", "task_count", "got string"},
                      BadTelemetry{R"({"task_count":1e300})", "task_count", "integer >= 0"},
                      BadTelemetry{R"({"uptime_ms":-5})", "uptime_ms", ">= 0, got -5"},
                      BadTelemetry{R"({"uptime_ms":[]})", "uptime_ms", "got array"},
                      BadTelemetry{R"({"cpu":0.5})", "cpu", "unknown telemetry field \"cpu\""}));

TEST(Telemetry, ValidateChecksTheSameRanges) {
  Telemetry t;
  EXPECT_TRUE(validate(t).ok());
  t.error_rate = 1.01;
  ASSERT_FALSE(validate(t).ok());
  EXPECT_EQ(validate(t).error().where, "error_rate");
  t = Telemetry{};
  t.task_count = -3;
  EXPECT_EQ(validate(t).error().where, "task_count");
  t = Telemetry{};
  t.uptime_ms = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(validate(t).error().where, "uptime_ms");
}

TEST(Telemetry, RoundTripsThroughJson) {
  Telemetry t{0.1, 0.2, 0.3, 42, 0.7, 1234.5};
  auto back = parse_telemetry(to_value(t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->task_count, 42);
  EXPECT_DOUBLE_EQ(back->uptime_ms, 1234.5);
  EXPECT_DOUBLE_EQ(back->success_rate, 0.7);
}

TEST(Features, NormaliseTaskCountOnALogScale) {
  Telemetry t{0.1, 0.2, 0.3, 0, 0.9, 0};
  Features f = features(t);
  EXPECT_FLOAT_EQ(f[0], 0.1f);
  EXPECT_FLOAT_EQ(f[1], 0.2f);
  EXPECT_FLOAT_EQ(f[2], 0.3f);
  EXPECT_FLOAT_EQ(f[3], 0.0f);
  EXPECT_FLOAT_EQ(f[4], 0.9f);
  t.task_count = 100;
  EXPECT_FLOAT_EQ(features(t)[3], 1.0f);
  t.task_count = 10;
  EXPECT_NEAR(features(t)[3], std::log(11.0) / std::log(101.0), 1e-6);
  t.task_count = 100000;
  EXPECT_FLOAT_EQ(features(t)[3], 1.0f);
}

}  // namespace
}  // namespace genesis::emotion
