#include "policy/value.h"

#include <gtest/gtest.h>

namespace genesis::policy {
namespace {

TEST(PolicyValue, JsonRoundTripKeepsBigIntegers) {
  auto v = parse_json(R"({"b":[1,2.5,"x",null,true],"a":18446744073709551614})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(to_json(*v), R"({"a":18446744073709551614,"b":[1,2.5,"x",null,true]})");
}

TEST(PolicyValue, SetsAreSortedAndDeduplicated) {
  Value s = Value::set({Value::integer(3), Value::integer(1), Value::integer(3)});
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(to_rego(s), "{1, 3}");
  EXPECT_TRUE(s.contains(Value::integer(1)));
  EXPECT_FALSE(s.contains(Value::integer(2)));
}

TEST(PolicyValue, OrderFollowsOpa) {
  EXPECT_LT(compare(Value::null(), Value::boolean(false)), 0);
  EXPECT_LT(compare(Value::integer(5), Value::string("a")), 0);
  EXPECT_LT(compare(Value::array({}), Value::empty_object()), 0);
  EXPECT_LT(compare(Value::empty_object(), Value::empty_set()), 0);
  EXPECT_EQ(Value::integer(1), Value::number_text("1.0"));
}

TEST(PolicyValue, ObjectsTakeAnyKey) {
  Value o = Value::object({{Value::integer(1), Value::string("one")}, {Value::string("a"), Value::null()}});
  ASSERT_NE(o.get(Value::integer(1)), nullptr);
  EXPECT_EQ(o.get(Value::integer(1))->str(), "one");
  EXPECT_EQ(to_json(o), R"({"1":"one","a":null})");
}

TEST(PolicyValue, CoreValueBoundary) {
  auto cv = core::parse_json(R"({"x":[1,"a",{"y":false}]})");
  ASSERT_TRUE(cv.ok());
  Value v = from_core(*cv);
  EXPECT_EQ(core::to_json(to_core(v)), core::to_json(*cv));
}

TEST(PolicyValue, RejectsBadJson) {
  EXPECT_FALSE(parse_json("{\"a\":}").ok());
  EXPECT_FALSE(parse_json("[1,2").ok());
}

}  // namespace
}  // namespace genesis::policy

namespace genesis::policy {
namespace {

// Every JSON the engine reads goes through core's strict reader (issue 15).
TEST(PolicyJson, RefusesWhatIsNotJson) {
  for (const std::string bad : {
           std::string("\"\xff\""),                 // invalid UTF-8
           std::string("\"\xc0\xaf\""),             // overlong form
           std::string("\"\xed\xa0\x80\""),         // a UTF-16 surrogate encoded as UTF-8
           std::string(R"("\ud800")"),              // lone high surrogate
           std::string(R"("\udc00x")"),             // lone low surrogate
           std::string(R"({"a":1,"a":2})"),         // duplicate keys
           std::string(R"({"a":{"b":1,"b":1}})"),   // nested duplicate keys, same value
           std::string("1e999"),                    // beyond double
           std::string("[-1e400]"),
           std::string("[1,]"),
           std::string("01"),
           std::string("\"tab\there\""),
       }) {
    auto v = parse_json(bad);
    EXPECT_FALSE(v.ok()) << bad;
    if (!v.ok()) {
      EXPECT_EQ(v.error().code, core::code::kInvalidArgument);
      EXPECT_EQ(v.error().message.rfind("malformed JSON: ", 0), 0u) << v.error().message;
      // The same refusal, word for word, as core's parser.
      auto c = core::parse_json(bad);
      ASSERT_FALSE(c.ok()) << bad;
      EXPECT_EQ(c.error().message, v.error().message);
      EXPECT_EQ(c.error().where, v.error().where);
    }
  }
  // What is JSON still reads, exactly.
  auto ok = parse_json(R"({"k":"\ud83d\ude00 caf\u00e9","n":123456789012345678901234567890,"f":1e-999,"e":1.5e300})");
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(to_json(*ok), "{\"e\":1.5e+300,\"f\":0,\"k\":\"\xf0\x9f\x98\x80 caf\xc3\xa9\",\"n\":123456789012345678901234567890}");
  // Many keys: still linear, still checked.
  std::string many = "{";
  for (int i = 0; i < 20000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  EXPECT_TRUE(parse_json(many + "}").ok());
  EXPECT_FALSE(parse_json(many + ",\"k19999\":0}").ok());
}

TEST(PolicyJson, NeverWritesInvalidJson) {
  // Strings a policy can build (base64.decode("/w==") is "\xff") and numbers
  // that overflowed: what is written must read back.
  Value odd = Value::array({Value::string("a\xff" "b\xed\xa0\x80"), Value::number(1e308 * 10), Value::number(-1e308 * 10)});
  std::string text = to_json(odd);
  EXPECT_EQ(text, "[\"a\\ufffdb\\ufffd\\ufffd\\ufffd\",null,null]");
  EXPECT_TRUE(parse_json(text).ok());
  EXPECT_TRUE(core::parse_json(core::to_json(to_core(odd))).ok()) << core::to_json(to_core(odd));
}

}  // namespace
}  // namespace genesis::policy
