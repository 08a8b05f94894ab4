#include "core/value.h"

#include "core/json.h"

#include <gtest/gtest.h>

namespace genesis::core {
namespace {

TEST(Json, RoundTripsKeepingMemberOrder) {
  auto v = parse_json(R"({"b":1,"a":[true,null,-2.5,"x\n\u00e9"],"c":{}})");
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  EXPECT_EQ(to_json(*v), "{\"b\":1,\"a\":[true,null,-2.5,\"x\\n\xc3\xa9\"],\"c\":{}}");
}

TEST(Json, IntegersStayExact) {
  auto v = parse_json("9223372036854775807");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->is_int());
  EXPECT_EQ(to_json(*v), "9223372036854775807");
}

TEST(Json, NegativeZeroIsZero) {
  // Found by json_parse_fuzz: "-0E1" must serialise to a text that parses back the same.
  auto v = parse_json("-0E1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(to_json(*v), "0");
}

TEST(Json, SurrogatePairsDecode) {
  auto v = parse_json(R"("\ud83d\ude00")");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->as_string(), "\xF0\x9F\x98\x80");
}

struct BadCase {
  const char* text;
  const char* message;
};

class JsonErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(JsonErrors, AreClearAndLocated) {
  auto v = parse_json(GetParam().text);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().code, code::kInvalidArgument);
  EXPECT_NE(v.error().message.find(GetParam().message), std::string::npos) << v.error().message;
  EXPECT_EQ(v.error().where.rfind("offset ", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, JsonErrors,
    ::testing::Values(BadCase{"", "unexpected end"}, BadCase{"{", "expected object key"},
                      BadCase{"[1,]", "unexpected character"}, BadCase{"{\"a\":1,\"a\":2}", "duplicate"},
                      BadCase{"01", "trailing"}, BadCase{"\"abc", "unterminated"},
                      BadCase{"\"\\ud800\"", "surrogate"}, BadCase{"1e999", "out of range"},
                      BadCase{"\"\xff\"", "UTF-8"}, BadCase{"nul", "unexpected character"},
                      BadCase{"\"\xc0\xaf\"", "UTF-8"},           // overlong '/'
                      BadCase{"\"\xed\xa0\x80\"", "UTF-8"},       // a surrogate encoded as UTF-8
                      BadCase{"\"\xf4\x90\x80\x80\"", "UTF-8"},   // beyond U+10FFFF
                      BadCase{"{\"k\":[1e400]}", "out of range"}));

// What is written is always JSON the reader takes back, whatever the value holds.
TEST(Json, WriterNeverWritesInvalidJson) {
  Value v(Array{Value(std::string("a\xff")), Value(1e308 * 10), Value(std::string("\xe2\x82\xac"))});
  std::string text = to_json(v);
  EXPECT_EQ(text, "[\"a\\ufffd\",null,\"\xe2\x82\xac\"]");
  EXPECT_TRUE(parse_json(text).ok());
}

// Duplicate keys read as Go reads them, when asked (OPA's json.unmarshal).
TEST(Json, DuplicateKeysLastWinsWhenAsked) {
  JsonReadOptions o;
  o.duplicate_keys_last_wins = true;
  auto v = parse_json(R"({"a":1,"b":2,"a":3})", o);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(to_json(*v), R"({"a":3,"b":2})");
}

TEST(Json, DepthIsLimited) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  auto v = parse_json(deep);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("nesting"), std::string::npos);
}

TEST(Value, EqualityIgnoresMemberOrderAndNumberRepresentation) {
  EXPECT_EQ(*parse_json(R"({"a":1,"b":2.0})"), *parse_json(R"({"b":2,"a":1.0})"));
  EXPECT_FALSE(*parse_json("[1,2]") == *parse_json("[2,1]"));
}

}  // namespace
}  // namespace genesis::core
