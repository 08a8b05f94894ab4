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

// Ids a rule written for another ATT&CK release names: revoked ones map through the
// revoked-by relationships (chains followed at generation), deprecated and unknown ones
// are kept as given.
TEST(Catalogue, ResolvesRetiredIds) {
  auto c = Catalogue::load(std::string(GENESIS_SOURCE_DIR) + "/share/attack/catalogue.json");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->retired().size(), 144u);  // v18.1: 132 revoked, 12 deprecated attack-patterns
  struct Case {
    const char* id;
    const char* want;
    bool known;
    const char* retired;  // "", "revoked", "deprecated"
  };
  for (const Case& k : {Case{"T1055", "T1055", true, ""}, Case{"T1086", "T1059.001", true, "revoked"},
                        Case{"T1002", "T1560", true, "revoked"}, Case{"T1004", "T1547.004", true, "revoked"},
                        Case{"T1043", "T1043", false, "deprecated"}, Case{"T1685", "T1685", false, ""},
                        Case{"T1070.999", "T1070.999", false, ""}}) {
    ResolvedTechnique r = c->resolve(k.id);
    EXPECT_EQ(r.id, k.want) << k.id;
    EXPECT_EQ(r.known != nullptr, k.known) << k.id;
    std::string status = r.retired == nullptr ? "" : r.retired->revoked_by.empty() ? "deprecated" : "revoked";
    EXPECT_EQ(status, k.retired) << k.id;
  }
}

TEST(Catalogue, RefusesBrokenRetiredLists) {
  const std::string head =
      R"({"source":{"version":"1"},"tactics":[{"id":"TA1","name":"n","shortname":"s","url":"u"}],)"
      R"("techniques":[{"id":"T1","name":"n","tactics":["s"],"url":"u"}],)";
  EXPECT_TRUE(Catalogue::parse(head + R"("revoked":[{"id":"T2","name":"old","revoked_by":"T1"}]})", "x").ok());
  auto dangling = Catalogue::parse(head + R"("revoked":[{"id":"T2","name":"old","revoked_by":"T3"}]})", "x");
  ASSERT_FALSE(dangling.ok());
  EXPECT_NE(dangling.error().message.find("unknown technique T3"), std::string::npos);
  EXPECT_FALSE(Catalogue::parse(head + R"("revoked":[{"id":"T1","name":"n","revoked_by":"T1"}]})", "x").ok());
  EXPECT_FALSE(Catalogue::parse(head + R"("deprecated":[{"id":"T2"}]})", "x").ok());
  EXPECT_FALSE(Catalogue::parse(head + R"("deprecated":{}})", "x").ok());
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
