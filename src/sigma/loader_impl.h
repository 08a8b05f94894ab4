// Internal: the Loader's state, shared by loader.cc (read, parse) and ruleset.cc
// (index, build).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sigma/rule.h"

namespace YAML {
class Node;
}

namespace genesis::sigma {

struct Loader::Impl {
  LoadOptions options;
  std::vector<Diagnostic> diagnostics;
  std::vector<std::shared_ptr<const CompiledRule>> rules;
  std::size_t disabled = 0;

  void diag(Diagnostic::Kind kind, const std::string& file, int line, int col,
            const std::string& rule_id, std::string message);
  void add_text(std::string_view text, const std::string& file);
  void add_document(const YAML::Node& doc, const std::string& file);
};

}  // namespace genesis::sigma
