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
