#include "policy/policy.h"

#include <algorithm>

#include "policy/compiler.h"
#include "policy/eval.h"
#include "policy/parser.h"

#include <yaml-cpp/yaml.h>

namespace genesis::policy {

struct Engine::ModuleEntry {
  std::string file;
  std::string source;
  ModulePtr module;
};

class Engine::Prepared {
 public:
  std::shared_ptr<Compiled> policy;
  CompiledQuery query;
  std::shared_ptr<std::string> file;
  std::string source;
};

Value yaml_node_to_value(const YAML::Node& n);

core::Result<Value> parse_yaml(std::string_view text) {
  try {
    return yaml_node_to_value(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return core::make_error(core::code::kInvalidArgument, e.what());
  }
}

std::vector<Engine::Literal> Engine::literals(const Prepared& prepared) const {
  // Literal starts in source order; each literal's text runs to the next one.
  std::vector<std::pair<int, int>> starts;
  for (const auto& e : *prepared.query.body) starts.emplace_back(e.loc.row, e.loc.col);
  std::vector<size_t> order(starts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<const Expr*> by_index(prepared.query.body->size());
  for (const auto& e : *prepared.query.body) by_index[static_cast<size_t>(e.index)] = &e;
  const std::string& src = prepared.source;
  auto offset = [&](int row, int col) {
    size_t off = 0;
    for (int r = 1; r < row && off < src.size(); ++r) {
      size_t nl = src.find('\n', off);
      if (nl == std::string::npos) return src.size();
      off = nl + 1;
    }
    return std::min(src.size(), off + static_cast<size_t>(col - 1));
  };
  std::vector<Literal> out;
  for (size_t i = 0; i < by_index.size(); ++i) {
    const Expr* e = by_index[i];
    size_t begin = offset(e->loc.row, e->loc.col);
    size_t end = i + 1 < by_index.size() ? offset(by_index[i + 1]->loc.row, by_index[i + 1]->loc.col) : src.size();
    std::string text = src.substr(begin, end > begin ? end - begin : 0);
    while (!text.empty() && (isspace(static_cast<unsigned char>(text.back())) || text.back() == ';')) text.pop_back();
    out.push_back({text, e->loc.row, e->loc.col});
  }
  return out;
}

Engine::Engine(EngineOptions options) : options_(options), data_(Value::empty_object()) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

core::Result<std::string> module_package(std::string_view source, const std::string& file) {
  auto parsed = parse_module(file, source, ParseOptions{});
  if (!parsed.ok()) {
    ParseOptions v0;
    v0.v0 = true;
    auto old = parse_module(file, source, v0);
    if (!old.ok()) return parsed.error();
    parsed = std::move(old);
  }
  std::string out;
  for (const auto& part : (*parsed)->package) out += (out.empty() ? "" : ".") + part;
  return out;
}

core::Status Engine::add_module(const std::string& file, std::string_view source) {
  return add_module(file, source, options_.v0_compatible ? RegoVersion::kV0 : RegoVersion::kV1);
}

core::Status Engine::add_module(const std::string& file, std::string_view source, RegoVersion version) {
  ParseOptions po;
  po.v0 = version == RegoVersion::kV0;
  auto parsed = parse_module(file, source, po);
  if (!parsed.ok() && version == RegoVersion::kAuto) {
    po.v0 = true;
    auto v0 = parse_module(file, source, po);
    if (v0.ok()) parsed = std::move(v0);
  }
  if (!parsed.ok()) return parsed.error();
  auto entry = std::make_unique<ModuleEntry>();
  entry->file = file;
  entry->source = std::string(source);
  entry->module = std::move(*parsed);
  for (auto& m : modules_) {
    if (m->file == file) {
      m = std::move(entry);
      compiled_.reset();
      return {};
    }
  }
  modules_.push_back(std::move(entry));
  compiled_.reset();
  return {};
}

bool Engine::remove_module(const std::string& file) {
  auto it = std::find_if(modules_.begin(), modules_.end(), [&](const auto& m) { return m->file == file; });
  if (it == modules_.end()) return false;
  modules_.erase(it);
  compiled_.reset();
  return true;
}

std::vector<std::string> Engine::module_files() const {
  std::vector<std::string> out;
  for (const auto& m : modules_) out.push_back(m->file);
  return out;
}

const std::string* Engine::module_source(const std::string& file) const {
  for (const auto& m : modules_)
    if (m->file == file) return &m->source;
  return nullptr;
}

void Engine::set_data(Value data) { data_ = data.defined() ? std::move(data) : Value::empty_object(); }

core::Status Engine::compile(std::vector<core::Error>* errors) {
  // The compiler annotates the AST in place, so it works on fresh parses.
  std::vector<ModulePtr> mods;
  for (const auto& m : modules_) {
    ParseOptions po;
    po.v0 = m->module->v0;
    auto parsed = parse_module(m->file, m->source, po);
    if (!parsed.ok()) return parsed.error();
    mods.push_back(std::move(*parsed));
  }
  CompileOptions co;
  co.strict = options_.strict;
  auto c = policy::compile(std::move(mods), co, errors);
  if (!c.ok()) return c.error();
  compiled_ = std::move(*c);
  return {};
}

core::Result<std::shared_ptr<const Engine::Prepared>> Engine::prepare(std::string_view query) const {
  if (!compiled_) return core::make_error("rego_compile_error", "policy not compiled");
  auto p = std::make_shared<Prepared>();
  p->policy = compiled_;
  p->file = std::make_shared<std::string>("query");
  auto body = parse_query(query, p->file.get(), {});
  if (!body.ok()) return body.error();
  auto q = compile_query(*compiled_, *body);
  if (!q.ok()) return q.error();
  p->query = std::move(*q);
  p->query.file = p->file;
  p->source = std::string(query);
  return std::shared_ptr<const Prepared>(p);
}

core::Result<std::vector<ResultRow>> Engine::eval(const Prepared& prepared, const EvalOptions& options) const {
  Evaluator ev(*prepared.policy, options.data.defined() ? options.data : data_, options);
  return ev.run(prepared.query);
}

core::Result<std::vector<ResultRow>> Engine::query(std::string_view query, const EvalOptions& options) const {
  auto p = prepare(query);
  if (!p.ok()) return p.error();
  return eval(**p, options);
}

core::Result<Value> Engine::eval_path(std::string_view path, const EvalOptions& options) const {
  std::string q = "data";
  if (!path.empty()) q += "." + std::string(path);
  auto rows = query(q, options);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Value();
  return rows->front().expressions.front();
}

std::vector<std::string> Engine::test_rules() const {
  std::vector<std::string> out;
  if (!compiled_) return out;
  for (const Node* n : compiled_->nodes) {
    if (!n->has_rules || n->name.rfind("test_", 0) != 0) continue;
    if (n->kind == RuleKind::kFunction) continue;
    std::string p = "data";
    for (const auto& s : n->path) p += "." + s;
    out.push_back(p);
  }
  return out;
}

}  // namespace genesis::policy
