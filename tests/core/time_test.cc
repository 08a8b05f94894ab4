// Time and id helpers: RFC 3339 strictly, UUIDs.
#include <gtest/gtest.h>

#include "core/id.h"
#include "core/time.h"

namespace genesis::core {
namespace {

TEST(Time, FormatsAndParsesRfc3339) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_time(1795675800123), "2026-11-26T06:50:00.123Z");
  EXPECT_EQ(parse_time("2026-11-26T06:50:00.123Z"), 1795675800123);
  EXPECT_EQ(parse_time("2026-11-26T08:50:00.123+02:00"), 1795675800123);
  EXPECT_EQ(parse_time("2026-11-26T04:20:00.123-02:30"), 1795675800123);
  EXPECT_EQ(parse_time("2026-11-26t06:50:00.123456z"), 1795675800123);
  EXPECT_EQ(parse_time("1795675800123"), 1795675800123);
  EXPECT_EQ(parse_time("1969-12-31T23:59:59Z"), -1000);
  for (int64_t ms : {int64_t{0}, int64_t{951782400000}, int64_t{4107542399999}, int64_t{-86400000}})
    EXPECT_EQ(parse_time(format_time(ms)), ms) << ms;
}

TEST(Time, LeapYearsFollowTheGregorianRules) {
  EXPECT_TRUE(parse_time("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parse_time("2000-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_time("2026-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_time("1900-02-29T00:00:00Z"));
  EXPECT_EQ(parse_time("2016-12-31T23:59:60Z"), parse_time("2017-01-01T00:00:00Z"));
}

TEST(Time, RefusesWhatIsNotAValidDateTime) {
  for (const char* bad : {"yesterday", "", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-04-31T00:00:00Z", "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z",
                          "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T12:00:60Z",
                          "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-1-01T00:00:00Z",
                          "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+2:00", "2026-01-01T00:00:00+24:00",
                          "2026-01-01T00:00:00+02:60", "2026-01-01T00:00:00Zjunk", " 2026-01-01T00:00:00Z",
                          "2026-01-01T0 :00:00Z", "+026-01-01T00:00:00Z", "12345678901234567890"}) {
    EXPECT_FALSE(parse_time(bad)) << bad;
  }
}

TEST(Uuid, IsVersion4AndRecognised) {
  std::string u = new_uuid();
  EXPECT_TRUE(is_uuid(u));
  EXPECT_EQ(u[14], '4');
  EXPECT_NE(new_uuid(), u);
  EXPECT_FALSE(is_uuid("not-a-uuid"));
}

}  // namespace
}  // namespace genesis::core
