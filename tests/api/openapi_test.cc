// The API contract: api/openapi.yaml describes exactly the HTTP routes and the mesh
// message types genesisd serves (as `genesisd --print-api` lists them), every /v1
// operation names its errors, and every $ref resolves.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "core/value.h"

namespace genesis {
namespace {

using Op = std::pair<std::string, std::string>;  // (METHOD, /path/{param})

const std::set<std::string> kMethods = {"get", "put", "post", "patch", "delete"};

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

class OpenApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    spec_ = new YAML::Node(YAML::LoadFile(std::string(GENESIS_SOURCE_DIR) + "/api/openapi.yaml"));
    // genesisd opens (and migrates) a store before it wires its routes: a throw-away one.
    auto dir = std::filesystem::temp_directory_path() / ("genesis-openapi-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string cmd = std::string(GENESISD_PATH) + " --print-api --store sqlite:" + (dir / "g.db").string();
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ASSERT_EQ(::pclose(p), 0) << out;
    std::filesystem::remove_all(dir);
    auto v = core::parse_json(out);
    ASSERT_TRUE(v.ok()) << out;
    served_ = new core::Value(std::move(*v));
  }
  static void TearDownTestSuite() {
    delete spec_;
    delete served_;
  }

  static std::set<Op> served_routes() {
    std::set<Op> out;
    // The router writes a final catch-all segment as {name*}; OpenAPI has no such syntax.
    static const std::regex rest(R"(\{([a-z_]+)\*\})");
    for (const core::Value& r : served_->find("routes")->as_array())
      out.emplace(r.find("method")->as_string(), std::regex_replace(r.find("path")->as_string(), rest, "{$1}"));
    return out;
  }

  static std::set<Op> documented() {
    std::set<Op> out;
    for (const auto& path : (*spec_)["paths"])
      for (const auto& op : path.second)
        if (kMethods.contains(op.first.as<std::string>()))
          out.emplace(upper(op.first.as<std::string>()), path.first.as<std::string>());
    return out;
  }

  static YAML::Node* spec_;
  static core::Value* served_;
};

YAML::Node* OpenApiTest::spec_ = nullptr;
core::Value* OpenApiTest::served_ = nullptr;

TEST_F(OpenApiTest, EveryServedRouteIsDocumented) {
  const std::set<Op> doc = documented();
  for (const Op& op : served_routes())
    EXPECT_TRUE(doc.contains(op)) << op.first << " " << op.second << " is served but not in api/openapi.yaml";
}

TEST_F(OpenApiTest, EveryDocumentedRouteIsServed) {
  const std::set<Op> served = served_routes();
  for (const Op& op : documented()) {
    // The WebSocket upgrade is answered by the server itself, not by a route.
    if (op == Op{"GET", "/v1/mesh"}) continue;
    EXPECT_TRUE(served.contains(op)) << op.first << " " << op.second
                                     << " is in api/openapi.yaml but genesisd does not serve it";
  }
}

TEST_F(OpenApiTest, EveryV1OperationNamesItsErrors) {
  for (const auto& path : (*spec_)["paths"]) {
    const std::string p = path.first.as<std::string>();
    if (p.rfind("/v1/", 0) != 0 && p != "/v1") continue;
    for (const auto& op : path.second) {
      if (!kMethods.contains(op.first.as<std::string>())) continue;
      bool has_error = false;
      for (const auto& r : op.second["responses"]) {
        const std::string code = r.first.as<std::string>();
        if (!code.empty() && (code[0] == '4' || code[0] == '5')) has_error = true;
      }
      EXPECT_TRUE(has_error) << upper(op.first.as<std::string>()) << " " << p << " documents no error response";
    }
  }
}

TEST_F(OpenApiTest, MeshMessageTypesAreDocumented) {
  std::set<std::string> doc;
  for (const auto& t : (*spec_)["components"]["schemas"]["MeshPeerMessageType"]["enum"])
    doc.insert(t.as<std::string>());
  std::set<std::string> served;
  for (const core::Value& t : served_->find("messages")->as_array()) served.insert(t.as_string());
  EXPECT_EQ(served, doc) << "MeshPeerMessageType in api/openapi.yaml must list the message types genesisd serves";
}

// Walks the document and checks every "$ref: '#/...'" names a node that exists.
void check_refs(const YAML::Node& root, const YAML::Node& n, const std::string& where) {
  if (n.IsMap()) {
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      if (key == "$ref") {
        const std::string ref = kv.second.as<std::string>();
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << where << ": only local refs are used: " << ref;
        YAML::Node cur;
        cur.reset(root);  // rebinds (operator= would overwrite the node it names)
        size_t pos = 2;
        while (pos <= ref.size()) {
          size_t next = ref.find('/', pos);
          if (next == std::string::npos) next = ref.size();
          const std::string part = ref.substr(pos, next - pos);
          const YAML::Node child = static_cast<const YAML::Node&>(cur)[part];
          ASSERT_TRUE(child.IsDefined()) << where << ": " << ref << " does not resolve";
          cur.reset(child);
          pos = next + 1;
        }
      } else {
        check_refs(root, kv.second, where + "/" + key);
      }
    }
  } else if (n.IsSequence()) {
    for (size_t i = 0; i < n.size(); ++i) check_refs(root, n[i], where + "/" + std::to_string(i));
  }
}

TEST_F(OpenApiTest, EveryRefResolves) { check_refs(*spec_, *spec_, ""); }

}  // namespace
}  // namespace genesis
