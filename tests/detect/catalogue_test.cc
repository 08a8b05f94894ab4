#include <gtest/gtest.h>

#include "detect/catalogue.h"

namespace genesis::detect {
namespace {

TEST(Catalogue, LoadsTheShippedFile) {
  auto c = Catalogue::load(std::string(GENESIS_SOURCE_DIR) + "/share/attack/catalogue.json");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->version(), "18.1");
  EXPECT_EQ(c->tactics().size(), 14u);
  EXPECT_EQ(c->techniques().size(), 691u);
  EXPECT_NE(c->licence().find("The MITRE Corporation"), std::string::npos);
  const Technique* dns = c->find("T1071.004");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->name, "DNS");
  EXPECT_EQ(dns->parent, "T1071");
  EXPECT_EQ(dns->url, "https://attack.mitre.org/techniques/T1071/004");
  ASSERT_EQ(dns->tactics.size(), 1u);
  EXPECT_EQ(c->tactic(dns->tactics[0])->id, "TA0011");
  EXPECT_EQ(c->find("T9999"), nullptr);

  core::Value j = c->to_json(*c->find("T1055"));
  EXPECT_EQ(j.find("parent")->is_null(), true);
  EXPECT_EQ(j.find("tactics")->as_array().size(), 2u);
  bool has_hollowing = false;
  for (const auto& s : j.find("subtechniques")->as_array()) {
    has_hollowing = has_hollowing || s.as_string() == "T1055.012";
  }
  EXPECT_TRUE(has_hollowing);
}

TEST(Catalogue, RefusesBrokenDocuments) {
  EXPECT_FALSE(Catalogue::parse("{", "x").ok());
  EXPECT_FALSE(Catalogue::parse(R"({"tactics":[],"techniques":[]})", "x").ok());
  auto unknown_tactic = Catalogue::parse(
      R"({"source":{"version":"1"},"tactics":[],"techniques":[{"id":"T1","name":"n","tactics":["x"],"url":"u"}]})",
      "x");
  ASSERT_FALSE(unknown_tactic.ok());
  EXPECT_NE(unknown_tactic.error().message.find("unknown tactic"), std::string::npos);
  auto bad_parent = Catalogue::parse(
      R"({"source":{"version":"1"},"tactics":[],"techniques":[{"id":"T1.001","name":"n","tactics":[],"parent":"T1","url":"u"}]})",
      "x");
  ASSERT_FALSE(bad_parent.ok());
  EXPECT_NE(bad_parent.error().message.find("unknown parent"), std::string::npos);
}

TEST(Catalogue, MissingFileIsNotFound) {
  auto c = Catalogue::load("/nonexistent/catalogue.json");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "not_found");
}

}  // namespace
}  // namespace genesis::detect
