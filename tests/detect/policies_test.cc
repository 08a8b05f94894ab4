// Runs the shipped ATT&CK policy library's own Rego tests (policies/mitre/*_test.rego)
// on the Genesis Rego engine: one GoogleTest case per test_ rule, plus checks that
// every technique the library can report is in the catalogue and has a playbook.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "detect/detect.h"
#include "policy/policy.h"

namespace genesis::detect {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> rego_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(std::string(GENESIS_SOURCE_DIR) + "/policies/mitre")) {
    if (e.path().extension() == ".rego") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Library {
  policy::Engine engine;
  std::string compile_error;
  std::vector<std::string> tests;
};

Library& library() {
  static Library* lib = [] {
    auto* l = new Library;
    for (const auto& f : rego_files()) {
      auto st = l->engine.add_module(f.filename().string(), read(f));
      if (!st.ok()) l->compile_error += st.error().to_string() + "\n";
    }
    std::vector<core::Error> errors;
    if (l->compile_error.empty() && !l->engine.compile(&errors).ok()) {
      for (const auto& e : errors) l->compile_error += e.to_string() + "\n";
      if (errors.empty()) l->compile_error = "compile failed";
    }
    l->tests = l->engine.test_rules();
    return l;
  }();
  return *lib;
}

std::vector<std::string> test_names() {
  auto& lib = library();
  if (!lib.compile_error.empty() || lib.tests.empty()) return {"compile"};
  return lib.tests;
}

class RegoTest : public testing::TestWithParam<std::string> {};

TEST_P(RegoTest, Passes) {
  auto& lib = library();
  ASSERT_TRUE(lib.compile_error.empty()) << lib.compile_error;
  ASSERT_FALSE(lib.tests.empty()) << "no test_ rules found";
  auto rows = lib.engine.query(GetParam());
  ASSERT_TRUE(rows.ok()) << rows.error().to_string();
  ASSERT_FALSE(rows->empty()) << GetParam() << " is undefined (a condition failed)";
  ASSERT_FALSE((*rows)[0].expressions.empty());
  EXPECT_TRUE((*rows)[0].expressions[0].is_true()) << policy::to_json((*rows)[0].expressions[0]);
}

INSTANTIATE_TEST_SUITE_P(Mitre, RegoTest, testing::ValuesIn(test_names()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           auto dot = name.rfind('.');
                           if (dot != std::string::npos) name = name.substr(dot + 1);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name + "_" + std::to_string(info.index);
                         });

// Every technique id a rule can emit names a catalogue technique and reaches a playbook.
TEST(PolicyLibrary, EveryTechniqueIsCataloguedAndHasAPlaybook) {
  auto cat = Catalogue::load(std::string(GENESIS_SOURCE_DIR) + "/share/attack/catalogue.json");
  ASSERT_TRUE(cat.ok());
  auto books = PlaybookSet::load_dir(std::string(GENESIS_SOURCE_DIR) + "/playbooks", &*cat);
  ASSERT_TRUE(books.ok()) << books.error().to_string();
  std::regex technique_re(R"re("technique": "(T\d{4}(?:\.\d{3})?)", "tactic": "([a-z-]+)")re");
  std::set<std::string> techniques;
  for (const auto& f : rego_files()) {
    if (f.string().find("_test.rego") != std::string::npos) continue;
    std::string text = read(f);
    for (std::sregex_iterator it(text.begin(), text.end(), technique_re), end; it != end; ++it) {
      std::string id = (*it)[1], tactic = (*it)[2];
      techniques.insert(id);
      const Technique* t = cat->find(id);
      ASSERT_NE(t, nullptr) << f.filename() << " emits " << id << ", not in ATT&CK " << cat->version();
      EXPECT_NE(std::find(t->tactics.begin(), t->tactics.end(), tactic), t->tactics.end())
          << f.filename() << ": " << id << " is not a " << tactic << " technique";
      EXPECT_NE(books->find(id, &*cat), nullptr) << id << " has no playbook";
    }
  }
  EXPECT_GE(techniques.size(), 28u);
  for (const char* seed : {"T1071.004", "T1055", "T1059.001"}) EXPECT_TRUE(techniques.count(seed)) << seed;
}

}  // namespace
}  // namespace genesis::detect
