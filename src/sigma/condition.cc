// The condition grammar (Sigma rules specification, "Condition"); precedence from
// least to most binding: or, and, not, "x of", parentheses.
//
//   condition  = or_expr
//   or_expr    = and_expr { "or" and_expr }
//   and_expr   = not_expr { "and" not_expr }
//   not_expr   = "not" not_expr | primary
//   primary    = "(" or_expr ")" | quantifier "of" ( "them" | pattern ) | identifier
//   quantifier = "1" | "any" | "all"
//   pattern    = identifier with "*" wildcards
//
// Keywords are case-insensitive. An aggregation (`| count() ...`, Sigma 1) is refused
// as an unsupported feature: Sigma 2 expresses it as a correlation rule.
#include <cctype>

#include "sigma/rule.h"

namespace genesis::sigma {
namespace {

using core::Error;
using core::Result;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool name_matches(std::string_view pattern, std::string_view name) {
  // '*' wildcards only.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p, ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<Selection>& sels) : sels_(sels) {
    std::size_t i = 0;
    while (i < text.size()) {
      char c = text[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(' || c == ')' || c == '|') {
        toks_.push_back({std::string(1, c), i});
        ++i;
      } else {
        std::size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) &&
               text[j] != '(' && text[j] != ')' && text[j] != '|') {
          ++j;
        }
        toks_.push_back({std::string(text.substr(i, j - i)), i});
        i = j;
      }
    }
  }

  Result<Cond> parse() {
    for (const auto& t : toks_) {
      if (t.text == "|") {
        return err("aggregation expressions (`| count() ...`) are Sigma 1; use a correlation rule",
                   t.pos, true);
      }
    }
    if (toks_.empty()) return err("empty condition", 0);
    auto c = or_expr();
    if (!c.ok()) return c;
    if (pos_ < toks_.size()) return err("unexpected '" + toks_[pos_].text + "'", toks_[pos_].pos);
    return c;
  }

 private:
  struct Tok {
    std::string text;
    std::size_t pos;
  };

  Error err(std::string msg, std::size_t at, bool unsupported = false) {
    return core::make_error(unsupported ? "unsupported" : "malformed",
                            std::move(msg) + " (at offset " + std::to_string(at) + ")");
  }
  bool peek_kw(const char* kw) const {
    return pos_ < toks_.size() && lower(toks_[pos_].text) == kw;
  }
  std::size_t here() const { return pos_ < toks_.size() ? toks_[pos_].pos : 0; }

  Result<Cond> or_expr() {
    auto left = and_expr();
    if (!left.ok()) return left;
    Cond c = std::move(*left);
    while (peek_kw("or")) {
      ++pos_;
      auto right = and_expr();
      if (!right.ok()) return right;
      if (c.type != Cond::kOr) c = Cond{Cond::kOr, {std::move(c)}, -1};
      c.kids.push_back(std::move(*right));
    }
    return c;
  }
  Result<Cond> and_expr() {
    auto left = not_expr();
    if (!left.ok()) return left;
    Cond c = std::move(*left);
    while (peek_kw("and")) {
      ++pos_;
      auto right = not_expr();
      if (!right.ok()) return right;
      if (c.type != Cond::kAnd) c = Cond{Cond::kAnd, {std::move(c)}, -1};
      c.kids.push_back(std::move(*right));
    }
    return c;
  }
  Result<Cond> not_expr() {
    if (peek_kw("not")) {
      ++pos_;
      auto inner = not_expr();
      if (!inner.ok()) return inner;
      return Cond{Cond::kNot, {std::move(*inner)}, -1};
    }
    return primary();
  }
  Result<Cond> primary() {
    if (pos_ >= toks_.size()) return err("condition ends too early", here());
    const Tok& t = toks_[pos_];
    if (t.text == "(") {
      ++pos_;
      auto inner = or_expr();
      if (!inner.ok()) return inner;
      if (pos_ >= toks_.size() || toks_[pos_].text != ")") return err("missing ')'", t.pos);
      ++pos_;
      return inner;
    }
    if (t.text == ")") return err("unexpected ')'", t.pos);
    std::string kw = lower(t.text);
    if (kw == "and" || kw == "or" || kw == "of" || kw == "them") {
      return err("unexpected '" + t.text + "'", t.pos);
    }
    if (pos_ + 1 < toks_.size() && lower(toks_[pos_ + 1].text) == "of") {
      bool all;
      if (kw == "1" || kw == "any") {
        all = false;
      } else if (kw == "all") {
        all = true;
      } else {
        return err("quantifier must be 1 or all, got '" + t.text + "'", t.pos);
      }
      pos_ += 2;
      if (pos_ >= toks_.size()) return err("'of' needs a pattern or 'them'", t.pos);
      const Tok& target = toks_[pos_++];
      bool them = lower(target.text) == "them";
      Cond c{all ? Cond::kAnd : Cond::kOr, {}, -1};
      for (std::size_t i = 0; i < sels_.size(); ++i) {
        const std::string& name = sels_[i].name;
        if (them ? (!name.empty() && name[0] != '_') : name_matches(target.text, name)) {
          c.kids.push_back(Cond{Cond::kSel, {}, static_cast<int>(i)});
        }
      }
      if (c.kids.empty()) {
        return err("'" + target.text + "' names no search identifier", target.pos);
      }
      return c;
    }
    for (std::size_t i = 0; i < sels_.size(); ++i) {
      if (sels_[i].name == t.text) {
        ++pos_;
        return Cond{Cond::kSel, {}, static_cast<int>(i)};
      }
    }
    return err("unknown search identifier '" + t.text + "'", t.pos);
  }

  const std::vector<Selection>& sels_;
  std::vector<Tok> toks_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<Cond> parse_condition(std::string_view text, const std::vector<Selection>& sels) {
  return Parser(text, sels).parse();
}

}  // namespace genesis::sigma
