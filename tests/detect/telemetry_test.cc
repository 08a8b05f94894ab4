// Telemetry validation tests are data: tests/detect/telemetry/*.json, one case per
// file (the format of batch_cases.h), decoded as Genesis events.
#include <gtest/gtest.h>

#include <algorithm>

#include "batch_cases.h"
#include "detect/telemetry.h"

namespace genesis::detect {
namespace {

namespace cases = testing_cases;

class TelemetryCase : public testing::TestWithParam<std::string> {};

TEST_P(TelemetryCase, MatchesExpected) {
  cases::run_case(GetParam(), [](const core::Value&, const std::string& body) {
    return decode_batch(body);
  });
}

INSTANTIATE_TEST_SUITE_P(Files, TelemetryCase,
                         testing::ValuesIn(cases::case_files(std::string(GENESIS_TEST_DATA) +
                                                             "/telemetry")),
                         cases::case_name);

TEST(Telemetry, EveryKindHasARequiredField) {
  for (const auto& k : kinds()) {
    bool any = std::any_of(k.fields.begin(), k.fields.end(),
                           [](const FieldSpec& f) { return f.required; });
    EXPECT_TRUE(any) << k.kind;
  }
}

TEST(Telemetry, EmptyBodyIsEmptyBatch) {
  Batch b = decode_batch(" \n\n");
  EXPECT_TRUE(b.events.empty());
  EXPECT_TRUE(b.errors.empty());
}

}  // namespace
}  // namespace genesis::detect
