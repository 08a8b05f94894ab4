#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "detect/playbook.h"

namespace genesis::detect {
namespace {

namespace fs = std::filesystem;

const Catalogue& catalogue() {
  static Catalogue c =
      std::move(Catalogue::load(std::string(GENESIS_SOURCE_DIR) + "/share/attack/catalogue.json")
                    .value());
  return c;
}

TEST(Playbooks, ShippedSetLoadsWithTheSeedsTwoExactly) {
  auto set = PlaybookSet::load_dir(std::string(GENESIS_SOURCE_DIR) + "/playbooks", &catalogue());
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  const Playbook* dns = set->find("T1071.004");
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->image, "network-isolator");
  EXPECT_EQ(dns->policy, "deny:egress");
  ASSERT_EQ(dns->goals.size(), 2u);
  EXPECT_EQ(dns->goals[0].id, "block-dns");
  EXPECT_EQ(dns->goals[0].weight, 1.0);
  EXPECT_EQ(dns->goals[0].ttl, 3600);
  EXPECT_EQ(dns->goals[1].id, "alert-soc");
  EXPECT_EQ(dns->goals[1].weight, 0.8);
  EXPECT_EQ(dns->goals[1].ttl, 7200);
  const Playbook* inj = set->find("T1055");
  ASSERT_NE(inj, nullptr);
  EXPECT_EQ(inj->image, "process-monitor");
  EXPECT_EQ(inj->policy, "quarantine");
  ASSERT_EQ(inj->goals.size(), 2u);
  EXPECT_EQ(inj->goals[0].id, "kill-process");
  EXPECT_EQ(inj->goals[0].ttl, 60);
  EXPECT_EQ(inj->goals[1].id, "forensic-dump");
  EXPECT_EQ(inj->goals[1].weight, 0.9);
  EXPECT_EQ(inj->goals[1].ttl, 300);
  // A sub-technique without its own playbook falls back to its parent's.
  EXPECT_EQ(set->find("T1055.012", &catalogue()), inj);
  EXPECT_EQ(set->find("T1001", &catalogue()), nullptr);
}

struct BadPlaybook {
  const char* json;
  const char* where;
};

class PlaybookErrors : public testing::TestWithParam<BadPlaybook> {};

TEST_P(PlaybookErrors, NameTheMember) {
  auto doc = core::parse_json(GetParam().json);
  ASSERT_TRUE(doc.ok());
  auto p = parse_playbook(*doc, &catalogue());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().where, GetParam().where) << p.error().message;
}

constexpr const char* kGood =
    R"("image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"monitor","urgency":0.5)";

INSTANTIATE_TEST_SUITE_P(
    Cases, PlaybookErrors,
    testing::Values(
        BadPlaybook{R"({"technique":"T9999","image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"monitor","urgency":0.5})", "technique"},
        BadPlaybook{R"({"technique":"1055","image":"x","goals":[],"policy":"monitor","urgency":0.5})", "technique"},
        BadPlaybook{R"({"technique":"T1055","image":"Bad Image","goals":[{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"monitor","urgency":0.5})", "image"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[],"policy":"monitor","urgency":0.5})", "goals"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"dance","weight":0.5,"ttl":60}],"policy":"monitor","urgency":0.5})", "goals[0].id"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"alert-soc","weight":1.5,"ttl":60}],"policy":"monitor","urgency":0.5})", "goals[0].weight"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":0}],"policy":"monitor","urgency":0.5})", "goals[0].ttl"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":60},{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"monitor","urgency":0.5})", "goals[1].id"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"allow:all","urgency":0.5})", "policy"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"monitor","urgency":2})", "urgency"},
        BadPlaybook{R"({"technique":"T1055","image":"x","goals":[{"id":"alert-soc","weight":0.5,"ttl":60}],"policy":"monitor","urgency":0.5,"extra":1})", "extra"}),
    [](const testing::TestParamInfo<BadPlaybook>& info) {
      std::string name = std::to_string(info.index) + "_" + info.param.where;
      for (char& c : name) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(Playbooks, ADirectoryWithABadFileLoadsNothingAndNamesEveryBadFile) {
  fs::path dir = fs::temp_directory_path() / ("genesis-playbooks-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "T1055.json") << R"({"technique":"T1055",)" << kGood << "}";
  std::ofstream(dir / "T1490.json") << R"({"technique":"T1055",)" << kGood << "}";  // misnamed
  std::ofstream(dir / "T1003.001.json") << "{not json";
  auto set = PlaybookSet::load_dir(dir.string(), &catalogue());
  fs::remove_all(dir);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.error().message.find("T1490.json"), std::string::npos) << set.error().message;
  EXPECT_NE(set.error().message.find("T1003.001.json"), std::string::npos);
  EXPECT_EQ(set.error().message.find("T1055.json:"), std::string::npos);
}

}  // namespace
}  // namespace genesis::detect
