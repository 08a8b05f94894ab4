// Index and match stages: rules by kind / channel, one RE2::Set of required literals
// per bucket (the prefilter), then each candidate rule confirmed on the event.
#include <arpa/inet.h>
#include <re2/set.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <unordered_map>

#include "sigma/loader_impl.h"

namespace genesis::sigma {
namespace {

using core::Value;

constexpr std::size_t kMinLiteral = 3;  // shorter literals select too much to help

// ASCII case folding, inline: the hot path lowers every string of every event.
inline char lower_ascii(char c) {
  return static_cast<char>(c + (static_cast<unsigned char>(c - 'A') < 26u ? 32 : 0));
}
void lower_in_place(std::string& s) {
  for (char& c : s) c = lower_ascii(c);
}

// ---- required literals ----

using LitSet = std::optional<std::vector<std::string>>;

LitSet pattern_literal(const Pattern& p) {
  std::string best;
  switch (p.op) {
    case Op::kEquals:
    case Op::kPrefix:
    case Op::kSuffix:
    case Op::kContains:
      best = p.text;
      break;
    case Op::kGlob:
      for (const auto& t : p.glob) {
        if (t.type == Token::kLit && t.text.size() > best.size()) best = t.text;
      }
      break;
    default:
      return std::nullopt;
  }
  if (best.size() < kMinLiteral) return std::nullopt;
  lower_in_place(best);
  return std::vector<std::string>{best};
}

std::size_t score(const LitSet& s) {
  if (!s || s->empty()) return 0;
  std::size_t m = SIZE_MAX;
  for (const auto& x : *s) m = std::min(m, x.size());
  return m;
}

LitSet matcher_literals(const FieldMatcher& m) {
  if (m.neq || m.time != kNoTime || m.paths.hex || m.patterns.empty()) return std::nullopt;
  if (m.all) {
    LitSet best;
    for (const auto& p : m.patterns) {
      auto l = pattern_literal(p);
      if (score(l) > score(best)) best = std::move(l);
    }
    return best;
  }
  std::vector<std::string> out;
  for (const auto& p : m.patterns) {
    auto l = pattern_literal(p);
    if (!l) return std::nullopt;
    out.insert(out.end(), l->begin(), l->end());
  }
  return out;
}

LitSet and_of(const std::vector<LitSet>& kids) {
  LitSet best;
  for (const auto& k : kids) {
    if (score(k) > score(best)) best = k;
  }
  return best;
}

LitSet or_of(const std::vector<LitSet>& kids) {
  std::vector<std::string> out;
  for (const auto& k : kids) {
    if (!k) return std::nullopt;
    out.insert(out.end(), k->begin(), k->end());
  }
  return out;
}

LitSet selection_literals(const Selection& s) {
  std::vector<LitSet> maps;
  for (const auto& map : s.any_of) {
    std::vector<LitSet> fields;
    for (const auto& m : map) fields.push_back(matcher_literals(m));
    maps.push_back(and_of(fields));
  }
  if (maps.empty()) return std::nullopt;
  return or_of(maps);
}

LitSet cond_literals(const Cond& c, const CompiledRule& r) {
  switch (c.type) {
    case Cond::kSel:
      return selection_literals(r.selections[static_cast<std::size_t>(c.sel)]);
    case Cond::kAnd: {
      std::vector<LitSet> kids;
      for (const auto& k : c.kids) kids.push_back(cond_literals(k, r));
      return and_of(kids);
    }
    case Cond::kOr: {
      std::vector<LitSet> kids;
      for (const auto& k : c.kids) kids.push_back(cond_literals(k, r));
      return or_of(kids);
    }
    default:
      return std::nullopt;
  }
}

// ---- event access ----

const Value* lookup(const Value& root, std::string_view path) {
  const Value* node = &root;
  while (node != nullptr) {
    if (!node->is_object()) return nullptr;
    std::size_t dot = path.find('.');
    node = node->find(path.substr(0, dot));
    if (dot == std::string_view::npos) return node;
    path.remove_prefix(dot + 1);
  }
  return nullptr;
}

bool render(const Value& v, bool hex, std::string& out) {
  switch (v.kind()) {
    case Value::Kind::kString:
      out = v.as_string();
      return true;
    case Value::Kind::kInt:
      if (hex) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v.as_int()));
        out = buf;
      } else {
        out = std::to_string(v.as_int());
      }
      return true;
    case Value::Kind::kDouble: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", v.as_double());
      out = buf;
      return true;
    }
    case Value::Kind::kBool:
      out = v.as_bool() ? "true" : "false";
      return true;
    default:
      return false;
  }
}

// All scalar leaves, for keywords and the prefilter text.
template <typename F>
void each_leaf(const Value& v, std::string& path, F&& f) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.as_object()) {
      std::size_t n = path.size();
      if (!path.empty()) path += '.';
      path += k;
      each_leaf(x, path, f);
      path.resize(n);
    }
  } else if (v.is_array()) {
    for (const auto& x : v.as_array()) each_leaf(x, path, f);
  } else {
    f(v, path);
  }
}

bool glob_match(const Tokens& g, std::string_view s) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t ti = 0, si = 0, star_t = SIZE_MAX, star_s = 0;
  std::size_t off = 0;  // offset inside the current literal token
  while (si < s.size() || ti < g.size()) {
    if (ti < g.size()) {
      const Token& t = g[ti];
      if (t.type == Token::kStar) {
        star_t = ti++;
        star_s = si;
        off = 0;
        continue;
      }
      if (t.type == Token::kOne && si < s.size()) {
        ++ti, ++si;
        continue;
      }
      if (t.type == Token::kLit && si < s.size() && s[si] == t.text[off]) {
        ++si;
        if (++off == t.text.size()) {
          ++ti;
          off = 0;
        }
        continue;
      }
    }
    if (star_t == SIZE_MAX || star_s >= s.size()) return false;
    ti = star_t + 1;
    si = ++star_s;
    off = 0;
  }
  return true;
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    out = static_cast<double>(std::strtoull(s.c_str() + 2, &end, 16));
  } else {
    out = std::strtod(s.c_str(), &end);
  }
  return end == s.c_str() + s.size();
}

bool in_cidr(const Pattern& p, const std::string& ip) {
  unsigned char buf[16] = {};
  if (inet_pton(p.v6 ? AF_INET6 : AF_INET, ip.c_str(), buf) != 1) return false;
  int full = p.prefix / 8, rest = p.prefix % 8;
  for (int i = 0; i < full; ++i) {
    if (buf[i] != p.net[static_cast<std::size_t>(i)]) return false;
  }
  if (rest == 0) return true;
  unsigned char mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (buf[full] & mask) == (p.net[static_cast<std::size_t>(full)] & mask);
}

// "2026-11-26T06:05:00Z" (or with a space) -> the part asked for; false if not a date.
bool time_part(const std::string& s, TimePart part, double& out) {
  int y, mo, d, h = 0, mi = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d%*c%d:%d", &y, &mo, &d, &h, &mi) < 3) return false;
  switch (part) {
    case kMinute: out = mi; return true;
    case kHour: out = h; return true;
    case kDay: out = d; return true;
    case kMonth: out = mo; return true;
    case kYear: out = y; return true;
    case kWeek: {
      using namespace std::chrono;
      year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
      if (!ymd.ok()) return false;
      sys_days sd{ymd};
      weekday wd{sd};
      // ISO 8601 week: the week with the year's first Thursday is week 1.
      sys_days thursday = sd + days{3 - ((wd.c_encoding() + 6) % 7)};
      year_month_day ty{thursday};
      sys_days jan1{ty.year() / January / 1};
      out = static_cast<double>((thursday - jan1).count() / 7 + 1);
      return true;
    }
    default: return false;
  }
}

struct Ctx {
  const Value& t;
  // Keyed by the value's address, its low bit telling the hex rendering apart; an event
  // has few fields that rules read, so a list beats a hash map. The list never grows
  // past its reserved size (pointers into it are handed out); beyond that, texts go to
  // `overflow` uncached.
  struct Entry {
    uintptr_t key;
    std::pair<std::string, std::string> text;
  };
  std::vector<Entry> cache;

  // The value's text and its lowered form; nullptr when it has none (object, null).
  const std::pair<std::string, std::string>* text(const Value& v, bool hex) {
    uintptr_t key = reinterpret_cast<uintptr_t>(&v) | (hex ? 1u : 0u);
    for (auto& e : cache) {
      if (e.key == key) return &e.text;
    }
    std::string s;
    if (!render(v, hex, s)) return nullptr;
    std::string low = s;
    lower_in_place(low);
    if (cache.size() == cache.capacity()) {
      overflow.push_back(std::make_unique<std::pair<std::string, std::string>>(std::move(s), std::move(low)));
      return overflow.back().get();
    }
    cache.push_back({key, {std::move(s), std::move(low)}});
    return &cache.back().text;
  }
  std::vector<std::unique_ptr<std::pair<std::string, std::string>>> overflow;
};

bool string_match(const Pattern& p, const std::string& orig, const std::string& low) {
  const std::string& s = p.cased ? orig : low;
  switch (p.op) {
    case Op::kEquals: return s == p.text;
    case Op::kPrefix: return s.compare(0, p.text.size(), p.text) == 0;
    case Op::kSuffix:
      return s.size() >= p.text.size() &&
             s.compare(s.size() - p.text.size(), p.text.size(), p.text) == 0;
    case Op::kContains: return s.find(p.text) != std::string::npos;
    case Op::kGlob: return glob_match(p.glob, s);
    case Op::kRegex: return RE2::PartialMatch(orig, *p.re);
    case Op::kCidr: return in_cidr(p, orig);
    case Op::kLt:
    case Op::kLte:
    case Op::kGt:
    case Op::kGte: {
      double x;
      if (!parse_double(orig, x)) return false;
      return p.op == Op::kLt ? x < p.number : p.op == Op::kLte ? x <= p.number
                                            : p.op == Op::kGt  ? x > p.number
                                                               : x >= p.number;
    }
    default: return false;
  }
}

void scalars(const Value& v, std::vector<const Value*>& out) {
  if (v.is_array()) {
    for (const auto& x : v.as_array()) {
      if (!x.is_array() && !x.is_object()) out.push_back(&x);
    }
  } else if (!v.is_object()) {
    out.push_back(&v);
  }
}

bool eval_matcher(const FieldMatcher& m, Ctx& ctx, std::vector<MatchedField>* rec) {
  if (m.field.empty()) {  // keyword: any string of the event
    std::vector<bool> hit(m.patterns.size(), false);
    std::string path;
    const Value* first = nullptr;
    std::string first_path;
    each_leaf(ctx.t, path, [&](const Value& leaf, const std::string& p) {
      if (!leaf.is_string()) return;
      const auto* t = ctx.text(leaf, false);
      for (std::size_t i = 0; i < m.patterns.size(); ++i) {
        if (!hit[i] && string_match(m.patterns[i], t->first, t->second)) {
          hit[i] = true;
          if (first == nullptr) first = &leaf, first_path = p;
        }
      }
    });
    bool ok = m.all ? std::all_of(hit.begin(), hit.end(), [](bool b) { return b; })
                    : std::any_of(hit.begin(), hit.end(), [](bool b) { return b; });
    if (ok && rec != nullptr && first != nullptr) rec->push_back({"", first_path, *first});
    return ok;
  }
  const Value* v = nullptr;
  const std::string* where = nullptr;
  for (const auto& p : m.paths.paths) {
    v = lookup(ctx.t, p);
    if (v != nullptr) {
      where = &p;
      break;
    }
  }
  const Pattern& p0 = m.patterns.front();
  if (p0.op == Op::kNull) return v == nullptr || v->is_null();
  if (p0.op == Op::kExists) {
    bool ok = (v != nullptr) == p0.exists;
    if (ok && v != nullptr && rec != nullptr) rec->push_back({m.field, *where, *v});
    return ok;
  }
  if (v == nullptr || v->is_null()) return m.neq;
  std::vector<const Value*> vals;
  scalars(*v, vals);
  auto one = [&](const Pattern& p) {
    for (const Value* x : vals) {
      const auto* t = ctx.text(*x, m.paths.hex);
      if (t == nullptr) continue;
      if (m.time != kNoTime) {
        double part;
        if (!time_part(t->first, m.time, part)) continue;
        if (p.op == Op::kEquals ? part == p.number
            : p.op == Op::kLt   ? part < p.number
            : p.op == Op::kLte  ? part <= p.number
            : p.op == Op::kGt   ? part > p.number
                                : part >= p.number) {
          return true;
        }
        continue;
      }
      if (p.op == Op::kFieldRef) {
        for (const auto& rp : p.ref.paths) {
          const Value* r = lookup(ctx.t, rp);
          if (r == nullptr) continue;
          std::vector<const Value*> rvals;
          scalars(*r, rvals);
          for (const Value* y : rvals) {
            const auto* u = ctx.text(*y, p.ref.hex);
            if (u != nullptr && (p.cased ? u->first == t->first : u->second == t->second)) {
              return true;
            }
          }
          break;
        }
        continue;
      }
      if (string_match(p, t->first, t->second)) return true;
    }
    return false;
  };
  bool ok;
  if (m.all) {
    ok = std::all_of(m.patterns.begin(), m.patterns.end(), one);
  } else {
    ok = std::any_of(m.patterns.begin(), m.patterns.end(), one);
  }
  if (m.neq) ok = !ok;
  if (ok && rec != nullptr) rec->push_back({m.field, *where, *v});
  return ok;
}

bool eval_selection(const Selection& s, Ctx& ctx, std::vector<MatchedField>* rec) {
  for (const auto& map : s.any_of) {
    std::size_t mark = rec != nullptr ? rec->size() : 0;
    bool ok = true;
    for (const auto& m : map) {
      if (!eval_matcher(m, ctx, rec)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
    if (rec != nullptr) rec->resize(mark);
  }
  return false;
}

bool eval_cond(const Cond& c, const CompiledRule& r, Ctx& ctx, std::vector<MatchedField>* rec) {
  switch (c.type) {
    case Cond::kSel:
      return eval_selection(r.selections[static_cast<std::size_t>(c.sel)], ctx, rec);
    case Cond::kAnd:
      for (const auto& k : c.kids) {
        if (!eval_cond(k, r, ctx, rec)) return false;
      }
      return true;
    case Cond::kOr:
      for (const auto& k : c.kids) {
        if (eval_cond(k, r, ctx, rec)) return true;
      }
      return false;
    case Cond::kNot:
      return !eval_cond(c.kids[0], r, ctx, nullptr);
    case Cond::kTrue: return true;
    case Cond::kFalse: return false;
  }
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> required_literals(const CompiledRule& rule) {
  auto s = cond_literals(rule.condition, rule);
  if (s) {
    std::sort(s->begin(), s->end());
    s->erase(std::unique(s->begin(), s->end()), s->end());
  }
  return s;
}

// ---- RuleSet ----

struct RuleSet::Impl {
  struct Bucket {
    std::vector<uint32_t> always;                  // rules with no literal set
    std::unique_ptr<RE2::Set> set;                 // the literals, lowered
    std::vector<std::vector<uint32_t>> lit_rules;  // literal index -> rules
    std::vector<uint32_t> all;                     // every rule (when the set fails)
    // What the prefilter reads of an event: the fields the bucket's rules name (their
    // literals come from those), or every string when a rule searches keywords.
    std::vector<std::string> paths;
    bool all_strings = false;
  };
  std::vector<std::shared_ptr<const CompiledRule>> rules;
  std::unordered_map<std::string, Bucket> buckets;
  std::size_t literals = 0, unfiltered = 0;
};

RuleSet::~RuleSet() = default;
std::size_t RuleSet::size() const { return impl_->rules.size(); }

const RuleInfo* RuleSet::find(std::string_view id) const {
  for (const auto* r : infos_) {
    if (r->id == id) return r;
  }
  return nullptr;
}

RuleSet::Stats RuleSet::stats() const {
  return {impl_->rules.size(), impl_->buckets.size(), impl_->literals, impl_->unfiltered};
}

std::shared_ptr<const RuleSet> Loader::build() const { return build(nullptr); }

std::shared_ptr<const RuleSet> Loader::build(const std::function<bool(const RuleInfo&)>& keep) const {
  std::shared_ptr<RuleSet> rs(new RuleSet());
  rs->impl_ = std::make_unique<RuleSet::Impl>();
  auto& impl = *rs->impl_;
  if (keep) {
    for (const auto& r : impl_->rules)
      if (keep(r->info)) impl.rules.push_back(r);
  } else {
    impl.rules = impl_->rules;
  }
  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<uint32_t>>> lits;
  for (uint32_t i = 0; i < impl.rules.size(); ++i) {
    const CompiledRule& r = *impl.rules[i];
    rs->infos_.push_back(&r.info);
    std::vector<std::string> keys;
    if (!r.target.source.empty()) {
      keys.push_back("source:" + r.target.source);
    } else if (!r.target.kind.empty()) {
      keys.push_back("kind:" + r.target.kind);
    } else {
      // A channel category with event ids (driver_load is Sysmon 6) gets a bucket per
      // id, so its rules never see the channel's other events.
      for (const auto& ch : r.target.channels) {
        if (r.target.event_ids.empty()) keys.push_back("channel:" + ch);
        for (int64_t id : r.target.event_ids) keys.push_back("channel:" + ch + "#" + std::to_string(id));
      }
    }
    for (const auto& key : keys) {
      auto& b = impl.buckets[key];
      b.all.push_back(i);
      if (!r.literals || r.literals->empty()) {
        b.always.push_back(i);
      } else {
        for (const auto& l : *r.literals) lits[key][l].push_back(i);
      }
    }
    if (!r.literals || r.literals->empty()) ++impl.unfiltered;
  }
  for (auto& [key, b] : impl.buckets) {
    auto it = lits.find(key);
    if (it == lits.end()) continue;
    std::set<std::string> paths;
    for (uint32_t i : b.all) {
      const CompiledRule& r = *impl.rules[i];
      if (!r.literals || r.literals->empty()) continue;
      for (const auto& sel : r.selections) {
        for (const auto& map : sel.any_of) {
          for (const auto& m : map) {
            if (m.field.empty()) b.all_strings = true;
            paths.insert(m.paths.paths.begin(), m.paths.paths.end());
          }
        }
      }
    }
    b.paths.assign(paths.begin(), paths.end());
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_log_errors(false);
    o.set_max_mem(256 << 20);
    auto set = std::make_unique<RE2::Set>(o, RE2::UNANCHORED);
    bool ok = true;
    for (auto& [lit, ruleids] : it->second) {
      if (set->Add(RE2::QuoteMeta(lit), nullptr) < 0) {
        ok = false;
        break;
      }
      b.lit_rules.push_back(std::move(ruleids));
    }
    if (ok && set->Compile()) {
      impl.literals += b.lit_rules.size();
      b.set = std::move(set);
    } else {  // never expected; the bucket then tries every rule
      b.lit_rules.clear();
      b.always = b.all;
    }
  }
  return rs;
}

std::vector<Match> RuleSet::match(const Value& telemetry) const {
  std::vector<Match> out;
  if (!telemetry.is_object()) return out;
  const Value* kind = telemetry.find("event");
  const Value* channel = lookup(telemetry, "winlog.channel");
  std::vector<const Impl::Bucket*> buckets;
  if (kind != nullptr && kind->is_string()) {
    auto it = impl_->buckets.find("kind:" + kind->as_string());
    if (it != impl_->buckets.end()) buckets.push_back(&it->second);
  }
  // A sensor that keeps its records whole (auditd) has rules of its own beside the kind's.
  if (const Value* a = telemetry.find("auditd"); a != nullptr && a->is_object()) {
    auto it = impl_->buckets.find("source:auditd");
    if (it != impl_->buckets.end()) buckets.push_back(&it->second);
  }
  if (const Value* z = telemetry.find("zeek"); z != nullptr && z->is_object()) {
    if (const Value* log = z->find("log"); log != nullptr && log->is_string()) {
      auto it = impl_->buckets.find("source:zeek:" + log->as_string());
      if (it != impl_->buckets.end()) buckets.push_back(&it->second);
    }
  }
  const Value* event_id = lookup(telemetry, "winlog.event_id");
  if (channel != nullptr && channel->is_string()) {
    std::string key = "channel:" + channel->as_string();
    lower_in_place(key);
    auto it = impl_->buckets.find(key);
    if (it != impl_->buckets.end()) buckets.push_back(&it->second);
    std::string id;
    if (event_id != nullptr && (event_id->is_int() || event_id->is_string())) {
      id = event_id->is_int() ? std::to_string(event_id->as_int()) : event_id->as_string();
      it = impl_->buckets.find(key + "#" + id);
      if (it != impl_->buckets.end()) buckets.push_back(&it->second);
    }
  }
  if (buckets.empty()) return out;

  std::vector<uint32_t> cands;
  std::string text, rendered;
  auto append = [&](const Value& leaf) {
    if (render(leaf, false, rendered)) {
      for (char c : rendered) text += lower_ascii(c);
      text += '\n';
    }
  };
  for (const auto* b : buckets) {
    cands.insert(cands.end(), b->always.begin(), b->always.end());
    if (!b->set) continue;
    text.clear();
    if (b->all_strings) {
      std::string path;
      each_leaf(telemetry, path, [&](const Value& leaf, const std::string&) { append(leaf); });
    } else {
      for (const auto& p : b->paths) {
        const Value* v = lookup(telemetry, p);
        if (v == nullptr) continue;
        if (v->is_array()) {
          for (const auto& x : v->as_array()) append(x);
        } else {
          append(*v);
        }
      }
    }
    std::vector<int> hits;
    RE2::Set::ErrorInfo info;
    if (b->set->Match(text, &hits, &info)) {
      for (int h : hits) {
        const auto& rs = b->lit_rules[static_cast<std::size_t>(h)];
        cands.insert(cands.end(), rs.begin(), rs.end());
      }
    } else if (info.kind != RE2::Set::kNoError) {
      cands.insert(cands.end(), b->all.begin(), b->all.end());  // out of memory: try all
    }
  }
  std::sort(cands.begin(), cands.end());
  cands.erase(std::unique(cands.begin(), cands.end()), cands.end());

  Ctx ctx{telemetry, {}, {}};
  ctx.cache.reserve(32);
  const Value* action = telemetry.find("action");
  for (uint32_t i : cands) {
    const CompiledRule& r = *impl_->rules[i];
    if (!r.target.actions.empty()) {
      if (action == nullptr || !action->is_string() ||
          std::find(r.target.actions.begin(), r.target.actions.end(), action->as_string()) ==
              r.target.actions.end()) {
        continue;
      }
    }
    if (!r.target.event_ids.empty()) {
      int64_t id = -1;
      if (event_id != nullptr && event_id->is_int()) id = event_id->as_int();
      if (event_id != nullptr && event_id->is_string()) id = std::atoll(event_id->as_string().c_str());
      if (std::find(r.target.event_ids.begin(), r.target.event_ids.end(), id) ==
          r.target.event_ids.end()) {
        continue;
      }
    }
    std::vector<MatchedField> fields;
    if (eval_cond(r.condition, r, ctx, &fields)) out.push_back({&r.info, std::move(fields)});
  }
  return out;
}

// ---- RuleInfo ----

std::string technique_from_tag(std::string_view tag) {
  std::string t(tag);
  lower_in_place(t);
  if (t.rfind("attack.t", 0) != 0 || t.size() < 12) return {};
  std::string id = t.substr(7);
  // t1234 or t1234.001
  auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > id.size()) return false;
    for (std::size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(id[i]))) return false;
    }
    return true;
  };
  if (!digits(1, 4)) return {};
  if (id.size() == 5) return "T" + id.substr(1);
  if (id.size() == 9 && id[5] == '.' && digits(6, 3)) return "T" + id.substr(1);
  return {};
}

std::vector<std::string> RuleInfo::techniques() const {
  std::vector<std::string> out;
  for (const auto& t : tags) {
    auto id = technique_from_tag(t);
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  }
  return out;
}

Value RuleInfo::to_json() const {
  auto list = [](const std::vector<std::string>& v) {
    Value a = Value::array();
    for (const auto& s : v) a.push_back(s);
    return a;
  };
  Value o = Value::object();
  o.set("id", id);
  o.set("title", title);
  o.set("status", status);
  o.set("level", level);
  o.set("author", author);
  o.set("description", description);
  o.set("date", date);
  o.set("modified", modified);
  o.set("references", list(references));
  o.set("tags", list(tags));
  o.set("techniques", list(techniques()));
  o.set("falsepositives", list(falsepositives));
  o.set("file", file);
  Value ls = Value::object();
  ls.set("product", logsource.product);
  ls.set("category", logsource.category);
  ls.set("service", logsource.service);
  o.set("logsource", std::move(ls));
  o.set("target", target);
  return o;
}

}  // namespace genesis::sigma
