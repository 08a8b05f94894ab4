#include "policy/parser.h"

#include <functional>
#include <set>

#include "policy/lexer.h"

namespace genesis::policy {

std::string Location::to_string() const {
  return (file ? *file : std::string()) + ":" + std::to_string(row) + ":" + std::to_string(col);
}
std::string Location::short_string() const {
  return (file ? *file : std::string()) + ":" + std::to_string(row);
}

namespace {

struct ParseError {
  std::string message;
  int row, col;
};

TermPtr make_term(TermKind k, const Token& t) {
  auto term = std::make_shared<Term>();
  term->kind = k;
  term->loc.row = t.row;
  term->loc.col = t.col;
  return term;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, const std::string* file, const ParseOptions& opts)
      : t_(std::move(toks)), file_(file), opts_(opts) {}

  ModulePtr module(ModulePtr mod) {
    mod_ = mod.get();
    mod->v0 = opts_.v0;
    if (!is_ident("package")) fail("expected package", "package");
    Token pkg = next();
    mod->package_loc = loc(pkg);
    TermPtr ref = parse_ref_only();
    mod->package = ref_to_path(*ref, "package");
    while (is_ident("import")) {
      Token it = next();
      Import imp;
      imp.loc = loc(it);
      imp.path = parse_ref_only();
      if (is_ident("as")) {
        next();
        if (cur().tok != Tok::kIdent) fail("expected ident");
        imp.alias = next().text;
      } else {
        const Term& r = *imp.path;
        if (r.kind == TermKind::kVar) {
          imp.alias = r.name;
        } else if (r.items.back()->kind == TermKind::kScalar && r.items.back()->value.is_string()) {
          imp.alias = r.items.back()->value.str();
        }
      }
      std::string root = imp.path->kind == TermKind::kVar ? imp.path->name : imp.path->items[0]->name;
      if (root == "future" || root == "rego") {  // keyword imports: always on here
        mod->keyword_imports.push_back(std::move(imp));
        continue;
      }
      if (root != "data" && root != "input") {
        fail("invalid import path: must begin with input or data", "", imp.loc);
      }
      mod->imports.push_back(std::move(imp));
    }
    while (cur().tok != Tok::kEof) {
      if (is_ident("package")) fail("unexpected package");
      if (is_ident("import")) fail("unexpected import");
      parse_rule(mod.get());
    }
    return mod;
  }

  BodyPtr query() {
    auto body = std::make_shared<Body>(parse_query_body(Tok::kEof));
    if (cur().tok != Tok::kEof) fail_unexpected();
    return body;
  }

  TermPtr single_term() {
    TermPtr t = parse_expr_term(false);
    if (cur().tok != Tok::kEof) fail_unexpected();
    return t;
  }

 private:
  [[noreturn]] void fail(const std::string& msg, const char* expected = "", Location at = {}) {
    ParseError e;
    e.message = msg;
    if (at.row) {
      e.row = at.row;
      e.col = at.col;
    } else {
      e.row = cur().row;
      e.col = cur().col;
    }
    (void)expected;
    throw e;
  }
  [[noreturn]] void fail_unexpected(const char* expected = nullptr) {
    std::string m = "unexpected " + std::string(tok_name(cur().tok)) + " token";
    if (cur().tok == Tok::kIdent && !cur().text.empty()) m = "unexpected " + cur().text + " keyword";
    if (cur().tok == Tok::kIdent && !is_keyword(cur().text)) m = "unexpected identifier token";
    if (expected) m += std::string(": expected ") + expected;
    fail(m);
  }
  static bool is_keyword(const std::string& s) {
    static const std::set<std::string> k = {"package", "import", "as",    "default", "else", "not",
                                            "some",    "with",   "every", "in",      "if",   "contains"};
    return k.count(s) > 0;
  }

  const Token& cur() const { return t_[p_]; }
  const Token& peek(int n = 1) const { return t_[std::min(p_ + n, t_.size() - 1)]; }
  Token next() { return t_[p_ < t_.size() - 1 ? p_++ : p_]; }
  bool is_ident(const char* s) const {
    return cur().tok == Tok::kIdent && cur().text == s && !ref_follows();
  }
  // `default.foo`, `if[x]`: a keyword used as the head of a reference.
  bool ref_follows() const {
    const Token& n = peek();
    return (n.tok == Tok::kDot || n.tok == Tok::kLBrack) && !n.ws_before;
  }
  bool at(Tok k) const { return cur().tok == k; }
  void expect(Tok k) {
    if (!at(k)) fail_unexpected(tok_name(k));
    next();
  }
  Location loc(const Token& t) const { return Location{t.row, t.col, file_}; }
  // Whether the current token may continue the expression on the previous line.
  bool same_line() const { return !cur().nl_before || nest_ > 0; }

  std::vector<std::string> ref_to_path(const Term& r, const char* what) {
    std::vector<std::string> out;
    if (r.kind == TermKind::kVar) return {r.name};
    if (r.kind != TermKind::kRef) fail(std::string("invalid ") + what);
    out.push_back(r.items[0]->name);
    for (size_t i = 1; i < r.items.size(); ++i) {
      const Term& op = *r.items[i];
      if (op.kind != TermKind::kScalar || !op.value.is_string()) fail(std::string("invalid ") + what + " path");
      out.push_back(op.value.str());
    }
    if (!out.empty() && out[0] == "data" && std::string(what) == "package") out.erase(out.begin());
    return out;
  }

  TermPtr var_term(const Token& t) {
    auto v = make_term(TermKind::kVar, t);
    v->loc.file = file_;
    v->name = t.text;
    if (t.text == "_") v->wildcard = true;
    return v;
  }
  TermPtr str_term(const std::string& s, const Token& t) {
    auto v = make_term(TermKind::kScalar, t);
    v->loc.file = file_;
    v->value = Value::string(s);
    return v;
  }

  // ref = var { "." var | "[" term "]" } (no calls)
  TermPtr parse_ref_only() {
    if (!at(Tok::kIdent)) fail_unexpected("ident");
    Token head = next();
    TermPtr base = var_term(head);
    TermPtr ref;
    while ((at(Tok::kDot) || at(Tok::kLBrack)) && !cur().ws_before) {
      if (!ref) {
        ref = make_term(TermKind::kRef, head);
        ref->loc.file = file_;
        ref->items.push_back(base);
      }
      if (at(Tok::kDot)) {
        next();
        if (!at(Tok::kIdent)) fail_unexpected("ident");
        Token id = next();
        ref->items.push_back(str_term(id.text, id));
      } else {
        next();
        ++nest_;
        ref->items.push_back(parse_expr_term(false));
        --nest_;
        expect(Tok::kRBrack);
      }
    }
    return ref ? ref : base;
  }

  void parse_rule(Module* mod) {
    auto rule = std::make_shared<Rule>();
    rule->module = mod;
    if (is_ident("default")) {
      next();
      rule->is_default = true;
    }
    if (!at(Tok::kIdent)) fail_unexpected();
    if (is_keyword(cur().text) && cur().text != "contains" && !ref_follows()) fail_unexpected();
    const Token first = cur();
    rule->loc = loc(first);
    // Head reference.
    TermPtr head = parse_ref_only();
    if (head->kind == TermKind::kVar) {
      rule->head_ref.push_back(head);
    } else {
      rule->head_ref = head->items;
    }
    bool is_func = false;
    if (at(Tok::kLParen) && !cur().ws_before) {
      next();
      is_func = true;
      ++nest_;
      while (!at(Tok::kRParen)) {
        rule->args.push_back(parse_expr_term(false));
        if (at(Tok::kComma)) next();
        else break;
      }
      --nest_;
      expect(Tok::kRParen);
    }
    bool has_contains = false;
    if (is_ident("contains") && !is_func) {
      next();
      has_contains = true;
      rule->key = parse_expr_term(false);
    } else if (at(Tok::kAssign) || at(Tok::kUnify)) {
      rule->assign = at(Tok::kAssign);
      next();
      rule->value = parse_expr_term(false);
    }
    // Kind.
    size_t dyn_start = rule->head_ref.size();
    for (size_t i = 1; i < rule->head_ref.size(); ++i) {
      const Term& op = *rule->head_ref[i];
      if (!(op.kind == TermKind::kScalar && op.value.is_string())) {
        dyn_start = i;
        break;
      }
    }
    if (is_func) {
      rule->kind = RuleKind::kFunction;
    } else if (has_contains) {
      rule->kind = RuleKind::kPartialSet;
    } else if (opts_.v0 && !rule->value && rule->head_ref.size() == 2 &&
               !(rule->head_ref[1]->kind == TermKind::kScalar && rule->head_ref[1]->value.is_string() &&
                 false)) {
      // v0: p[x] { ... } is a partial set.
      rule->kind = RuleKind::kPartialSet;
      rule->key = rule->head_ref[1];
      rule->head_ref.resize(1);
      dyn_start = 1;
    } else if (dyn_start < rule->head_ref.size()) {
      rule->kind = RuleKind::kPartialObject;
    } else {
      rule->kind = RuleKind::kComplete;
    }
    if (rule->kind == RuleKind::kPartialSet && !has_contains && !opts_.v0) {
      fail("unexpected partial set");
    }
    // Path and dynamic keys.
    rule->path = mod->package;
    rule->path.push_back(rule->head_ref[0]->name);
    for (size_t i = 1; i < rule->head_ref.size(); ++i) {
      if (i < dyn_start) rule->path.push_back(rule->head_ref[i]->value.str());
      else rule->keys.push_back(rule->head_ref[i]);
    }
    if (rule->kind == RuleKind::kPartialSet && !rule->keys.empty()) {
      // a.b[x] contains y: an object keyed by x whose values are sets.
      rule->kind = RuleKind::kPartialObject;
      rule->set_leaf = true;
      rule->value = rule->key;
      rule->key = nullptr;
    }
    if (!rule->value && rule->kind != RuleKind::kPartialSet) {
      auto t = make_term(TermKind::kScalar, first);
      t->loc.file = file_;
      t->value = Value::boolean(true);
      rule->value = t;
    }
    if (rule->is_default) {
      if (!rule->value || rule->kind == RuleKind::kPartialSet) fail("invalid default rule", "", rule->loc);
      if (is_ident("if") || at(Tok::kLBrace)) fail("default rules cannot have a body", "", rule->loc);
      mod->rules.push_back(rule);
      return;
    }
    parse_rule_body(rule.get(), first);
    // else chain
    Rule* last = rule.get();
    while (is_ident("else")) {
      Token et = next();
      auto e = std::make_shared<Rule>();
      e->module = mod;
      e->loc = loc(et);
      e->kind = rule->kind;
      e->head_ref = rule->head_ref;
      e->path = rule->path;
      e->args = rule->args;
      e->assign = rule->assign;
      if (at(Tok::kAssign) || at(Tok::kUnify)) {
        next();
        e->value = parse_expr_term(false);
      } else {
        auto t = make_term(TermKind::kScalar, et);
        t->loc.file = file_;
        t->value = Value::boolean(true);
        e->value = t;
      }
      parse_rule_body(e.get(), et);
      last->else_rule = e;
      last = e.get();
    }
    std::vector<std::pair<TermPtr, TermPtr>> lifted;
    if (rule->kind == RuleKind::kFunction) {
      lift_template_args(rule.get(), lifted);
      for (Rule* r = rule.get(); r; r = r->else_rule.get()) {
        r->args = rule->args;
        append_lifted(r, lifted);
      }
    }
    mod->rules.push_back(rule);
    // v0: further bodies chained after the first, `f(x) = y { a } { b }`, are
    // rules of their own with the same head (OPA's parser does the same).
    while (opts_.v0 && at(Tok::kLBrace) && rule->has_body && !rule->else_rule) {
      Token bt = cur();
      auto chained = std::make_shared<Rule>();
      chained->loc = loc(bt);
      chained->module = mod;
      chained->kind = rule->kind;
      for (const auto& t : rule->head_ref) chained->head_ref.push_back(clone(t));
      chained->path = rule->path;
      for (const auto& t : rule->keys) chained->keys.push_back(clone(t));
      for (const auto& t : rule->args) chained->args.push_back(clone(t));
      chained->key = clone(rule->key);
      chained->value = clone(rule->value);
      chained->assign = rule->assign;
      chained->set_leaf = rule->set_leaf;
      next();
      chained->has_body = true;
      chained->body = parse_query_body(Tok::kRBrace);
      expect(Tok::kRBrace);
      append_lifted(chained.get(), lifted);
      mod->rules.push_back(chained);
    }
  }

  // A fresh copy of a parsed term (the compiler annotates terms in place, so
  // two rules never share one).
  static TermPtr clone(const TermPtr& t) {
    if (!t) return nullptr;
    auto c = std::make_shared<Term>(*t);
    for (auto& i : c->items) i = clone(i);
    c->key = clone(c->key);
    c->val = clone(c->val);
    if (c->body) c->body = std::make_shared<Body>(clone_body(*c->body));
    return c;
  }
  static Body clone_body(const Body& b) {
    Body out = b;
    for (auto& e : out) {
      for (auto& t : e.terms) t = clone(t);
      if (e.body) e.body = std::make_shared<Body>(clone_body(*e.body));
      for (auto& w : e.with) {
        w.target = clone(w.target);
        w.value = clone(w.value);
      }
    }
    return out;
  }

  void parse_rule_body(Rule* rule, const Token& first) {
    if (is_ident("if")) {
      next();
      rule->has_body = true;
      if (at(Tok::kLBrace)) {
        // `if {` opens a body, unless it is a single object/set literal or
        // comprehension: try the body first, then the literal.
        size_t save = p_;
        try {
          next();
          rule->body = parse_query_body(Tok::kRBrace);
          expect(Tok::kRBrace);
        } catch (const ParseError&) {
          p_ = save;
          rule->body.clear();
          int saved = nest_;
          nest_ = 0;
          rule->body.push_back(parse_literal());
          nest_ = saved;
        }
      } else {
        int saved = nest_;
        nest_ = 0;
        rule->body.push_back(parse_literal());
        nest_ = saved;
      }
    } else if (at(Tok::kLBrace)) {
      if (!opts_.v0) fail("`if` keyword is required before rule body");
      next();
      rule->has_body = true;
      rule->body = parse_query_body(Tok::kRBrace);
      expect(Tok::kRBrace);
    }
    if (!rule->has_body) {
      if (rule->kind == RuleKind::kFunction && !rule->value) fail("function without body");
      Expr e;
      e.loc = loc(first);
      auto t = make_term(TermKind::kScalar, first);
      t->loc.file = file_;
      t->value = Value::boolean(true);
      e.terms.push_back(t);
      rule->body.push_back(std::move(e));
    }
  }

  Body parse_query_body(Tok end) {
    int saved = nest_;
    nest_ = 0;
    Body body;
    while (at(Tok::kSemicolon)) next();
    while (!at(end) && !at(Tok::kEof)) {
      Expr e = parse_literal();
      e.index = static_cast<int>(body.size());
      body.push_back(std::move(e));
      if (at(Tok::kSemicolon)) {
        while (at(Tok::kSemicolon)) next();
        continue;
      }
      if (at(end) || at(Tok::kEof)) break;
      if (!cur().nl_before) fail_unexpected();
    }
    if (body.empty()) fail("found empty body");
    // The evaluator recurses once per literal; bound it so hostile input cannot
    // exhaust the stack (real bodies are far shorter).
    if (body.size() > kMaxBodyLiterals) fail("rule body has more than " + std::to_string(kMaxBodyLiterals) + " expressions");
    nest_ = saved;
    return body;
  }

  Expr parse_literal() {
    Expr e;
    e.loc = loc(cur());
    if (is_ident("some")) {
      next();
      std::vector<TermPtr> terms;
      terms.push_back(parse_rel());
      while (at(Tok::kComma)) {
        next();
        terms.push_back(parse_rel());
      }
      if (is_ident("in")) {
        next();
        if (terms.size() > 2) fail("unexpected , token");
        e.kind = ExprKind::kSomeIn;
        e.terms = {terms.size() == 2 ? terms[0] : nullptr, terms.back(), parse_rel()};
      } else {
        e.kind = ExprKind::kSomeDecl;
        for (auto& t : terms) {
          if (t->kind != TermKind::kVar) fail("expected var in some declaration", "", t->loc);
        }
        e.terms = terms;
      }
    } else if (is_ident("every")) {
      next();
      std::vector<TermPtr> terms;
      terms.push_back(parse_rel());
      if (at(Tok::kComma)) {
        next();
        terms.push_back(parse_rel());
      }
      if (!is_ident("in")) fail_unexpected("in");
      next();
      e.kind = ExprKind::kEvery;
      e.terms = {terms.size() == 2 ? terms[0] : nullptr, terms.back(), parse_rel()};
      expect(Tok::kLBrace);
      e.body = std::make_shared<Body>(parse_query_body(Tok::kRBrace));
      expect(Tok::kRBrace);
    } else {
      if (is_ident("not")) {
        next();
        e.negated = true;
      }
      TermPtr lhs = parse_in(true);
      if (at(Tok::kAssign) || at(Tok::kUnify)) {
        e.kind = at(Tok::kAssign) ? ExprKind::kAssign : ExprKind::kUnify;
        next();
        TermPtr rhs = parse_in(true);
        e.terms = {lhs, rhs};
      } else {
        e.kind = ExprKind::kTerm;
        e.terms = {lhs};
      }
    }
    parse_withs(e);
    return e;
  }

  void parse_withs(Expr& e) {
    while (is_ident("with")) {
      Token wt = next();
      With w;
      w.loc = loc(wt);
      w.target = parse_ref_only();
      if (!is_ident("as")) fail_unexpected("as");
      next();
      w.value = parse_in(false);
      e.with.push_back(std::move(w));
    }
  }

  TermPtr call(const char* name, TermPtr a, TermPtr b, const Token& at_tok) {
    auto c = make_term(TermKind::kCall, at_tok);
    c->loc = a->loc;
    c->name = name;
    c->items = {a, b};
    return c;
  }

  // A full expression term (no unification), used in arguments and collections.
  TermPtr parse_expr_term(bool allow_pair_in) { return parse_in(allow_pair_in); }

  TermPtr parse_in(bool literal_level) {
    // Bounded nesting: a hostile policy cannot exhaust the parser's stack.
    struct Depth {
      int& d;
      explicit Depth(int& x) : d(x) { ++d; }
      ~Depth() { --d; }
    } guard(depth_);
    if (depth_ > kMaxDepth) fail("expression nested too deeply");
    Token st = cur();
    TermPtr lhs = parse_rel();
    if (literal_level && at(Tok::kComma)) {
      // k, v in xs
      next();
      TermPtr v = parse_rel();
      if (!is_ident("in")) fail_unexpected("in");
      next();
      TermPtr dom = parse_rel();
      auto c = make_term(TermKind::kCall, st);
      c->loc = lhs->loc;
      c->name = "internal.member_3";
      c->items = {lhs, v, dom};
      lhs = c;
    }
    while (is_ident("in") && same_line()) {
      Token op = next();
      TermPtr rhs = parse_rel();
      auto c = call("internal.member_2", lhs, rhs, op);
      lhs = c;
    }
    return lhs;
  }

  TermPtr parse_rel() {
    TermPtr lhs = parse_or();
    for (;;) {
      const char* name = nullptr;
      switch (cur().tok) {
        case Tok::kEq: name = "equal"; break;
        case Tok::kNeq: name = "neq"; break;
        case Tok::kLt: name = "lt"; break;
        case Tok::kLte: name = "lte"; break;
        case Tok::kGt: name = "gt"; break;
        case Tok::kGte: name = "gte"; break;
        default: break;
      }
      if (!name || !same_line()) return lhs;
      Token op = next();
      lhs = call(name, lhs, parse_or(), op);
    }
  }
  TermPtr parse_or() {
    TermPtr lhs = parse_and();
    while (at(Tok::kBar) && !no_bar_ && same_line()) {
      Token op = next();
      lhs = call("or", lhs, parse_and(), op);
    }
    return lhs;
  }
  TermPtr parse_and() {
    TermPtr lhs = parse_arith();
    while (at(Tok::kAmp) && same_line()) {
      Token op = next();
      lhs = call("and", lhs, parse_arith(), op);
    }
    return lhs;
  }
  TermPtr parse_arith() {
    TermPtr lhs = parse_factor();
    while ((at(Tok::kPlus) || at(Tok::kMinus)) && same_line()) {
      Token op = next();
      lhs = call(op.tok == Tok::kPlus ? "plus" : "minus", lhs, parse_factor(), op);
    }
    return lhs;
  }
  TermPtr parse_factor() {
    TermPtr lhs = parse_unary();
    while ((at(Tok::kStar) || at(Tok::kSlash) || at(Tok::kPercent)) && same_line()) {
      Token op = next();
      const char* n = op.tok == Tok::kStar ? "mul" : op.tok == Tok::kSlash ? "div" : "rem";
      lhs = call(n, lhs, parse_unary(), op);
    }
    return lhs;
  }
  TermPtr parse_unary() {
    if (at(Tok::kMinus)) {
      if (++unary_ > kMaxDepth) fail("expression nested too deeply");
      Token m = next();
      if (at(Tok::kNumber) && !cur().ws_before) {
        Token n = next();
        auto t = make_term(TermKind::kScalar, m);
        t->loc.file = file_;
        t->value = Value::number_text("-" + n.text);
        --unary_;
        return postfix(t);
      }
      TermPtr operand = parse_unary();
      --unary_;
      auto zero = make_term(TermKind::kScalar, m);
      zero->loc.file = file_;
      zero->value = Value::integer(0);
      return call("minus", zero, operand, m);
    }
    return parse_primary();
  }

  bool is_name_ref(const Term& t) const {
    if (t.kind == TermKind::kVar) return true;
    if (t.kind != TermKind::kRef) return false;
    if (t.items[0]->kind != TermKind::kVar) return false;
    for (size_t i = 1; i < t.items.size(); ++i) {
      if (t.items[i]->kind != TermKind::kScalar || !t.items[i]->value.is_string()) return false;
    }
    return true;
  }
  std::string name_of(const Term& t) const {
    if (t.kind == TermKind::kVar) return t.name;
    std::string s = t.items[0]->name;
    for (size_t i = 1; i < t.items.size(); ++i) s += "." + t.items[i]->value.str();
    return s;
  }

  TermPtr postfix(TermPtr base) {
    for (;;) {
      if (at(Tok::kDot) && !cur().ws_before && same_line()) {
        next();
        if (!at(Tok::kIdent)) fail_unexpected("ident");
        Token id = next();
        base = extend_ref(base, str_term(id.text, id));
      } else if (at(Tok::kLBrack) && !cur().ws_before && same_line()) {
        next();
        int saved_nest = nest_;
        bool saved_bar = no_bar_;
        ++nest_;
        no_bar_ = false;
        TermPtr idx = parse_in(false);
        nest_ = saved_nest;
        no_bar_ = saved_bar;
        expect(Tok::kRBrack);
        base = extend_ref(base, idx);
      } else if (at(Tok::kLParen) && !cur().ws_before && is_name_ref(*base)) {
        Token lp = next();
        auto c = make_term(TermKind::kCall, lp);
        c->loc = base->loc;
        c->name = name_of(*base);
        int saved_nest = nest_;
        bool saved_bar = no_bar_;
        ++nest_;
        no_bar_ = false;
        while (!at(Tok::kRParen)) {
          c->items.push_back(parse_in(false));
          if (at(Tok::kComma)) next();
          else break;
        }
        nest_ = saved_nest;
        no_bar_ = saved_bar;
        expect(Tok::kRParen);
        if (c->name == "set" && c->items.empty()) {
          auto s = std::make_shared<Term>();
          s->kind = TermKind::kSet;
          s->loc = c->loc;
          base = s;
        } else {
          base = c;
        }
      } else {
        return base;
      }
    }
  }
  TermPtr extend_ref(TermPtr base, TermPtr op) {
    if (base->kind == TermKind::kRef) {
      auto r = std::make_shared<Term>(*base);
      r->items.push_back(op);
      return r;
    }
    auto r = std::make_shared<Term>();
    r->kind = TermKind::kRef;
    r->loc = base->loc;
    r->items = {base, op};
    return r;
  }

  TermPtr parse_primary() {
    const Token& t = cur();
    switch (t.tok) {
      case Tok::kNumber: {
        Token n = next();
        auto s = make_term(TermKind::kScalar, n);
        s->loc.file = file_;
        s->value = Value::number_text(n.text);
        return postfix(s);
      }
      case Tok::kString:
      case Tok::kRawString: {
        Token n = next();
        return postfix(str_term(n.text, n));
      }
      case Tok::kTemplate: {
        Token n = next();
        return postfix(parse_template(n));
      }
      case Tok::kIdent: {
        if ((t.text == "true" || t.text == "false" || t.text == "null") && !ref_follows()) {
          Token n = next();
          auto s = make_term(TermKind::kScalar, n);
          s->loc.file = file_;
          s->value = n.text == "null" ? Value::null() : Value::boolean(n.text == "true");
          return postfix(s);
        }
        if (is_keyword(t.text) && t.text != "contains" && t.text != "if" && t.text != "as" && !ref_follows()) {
          fail_unexpected();
        }
        Token n = next();
        return postfix(var_term(n));
      }
      case Tok::kLParen: {
        next();
        int saved_nest = nest_;
        bool saved_bar = no_bar_;
        ++nest_;
        no_bar_ = false;
        TermPtr inner = parse_in(true);
        nest_ = saved_nest;
        no_bar_ = saved_bar;
        expect(Tok::kRParen);
        return postfix(inner);
      }
      case Tok::kLBrack: return postfix(parse_array());
      case Tok::kLBrace: return postfix(parse_brace());
      default: fail_unexpected();
    }
  }

  TermPtr parse_array() {
    Token lb = next();
    auto arr = make_term(TermKind::kArray, lb);
    arr->loc.file = file_;
    int saved_nest = nest_;
    bool saved_bar = no_bar_;
    ++nest_;
    if (at(Tok::kRBrack)) {
      next();
      nest_ = saved_nest;
      return arr;
    }
    no_bar_ = true;
    TermPtr first = parse_in(false);
    no_bar_ = false;
    if (at(Tok::kBar)) {
      next();
      arr->kind = TermKind::kArrayCompr;
      arr->val = first;
      arr->body = std::make_shared<Body>(parse_query_body(Tok::kRBrack));
      nest_ = saved_nest;
      no_bar_ = saved_bar;
      expect(Tok::kRBrack);
      return arr;
    }
    arr->items.push_back(first);
    while (at(Tok::kComma)) {
      next();
      if (at(Tok::kRBrack)) break;
      arr->items.push_back(parse_in(false));
    }
    nest_ = saved_nest;
    no_bar_ = saved_bar;
    expect(Tok::kRBrack);
    return arr;
  }

  TermPtr parse_brace() {
    Token lb = next();
    auto out = make_term(TermKind::kObject, lb);
    out->loc.file = file_;
    int saved_nest = nest_;
    bool saved_bar = no_bar_;
    ++nest_;
    auto done = [&] {
      nest_ = saved_nest;
      no_bar_ = saved_bar;
    };
    if (at(Tok::kRBrace)) {
      next();
      done();
      return out;
    }
    no_bar_ = true;
    TermPtr first = parse_in(false);
    if (at(Tok::kColon)) {
      next();
      TermPtr v = parse_in(false);
      no_bar_ = false;
      if (at(Tok::kBar)) {
        next();
        out->kind = TermKind::kObjectCompr;
        out->key = first;
        out->val = v;
        out->body = std::make_shared<Body>(parse_query_body(Tok::kRBrace));
        done();
        expect(Tok::kRBrace);
        return out;
      }
      out->items = {first, v};
      while (at(Tok::kComma)) {
        next();
        if (at(Tok::kRBrace)) break;
        TermPtr k = parse_in(false);
        expect(Tok::kColon);
        TermPtr vv = parse_in(false);
        out->items.push_back(k);
        out->items.push_back(vv);
      }
      done();
      expect(Tok::kRBrace);
      return out;
    }
    no_bar_ = false;
    if (at(Tok::kBar)) {
      next();
      out->kind = TermKind::kSetCompr;
      out->val = first;
      out->body = std::make_shared<Body>(parse_query_body(Tok::kRBrace));
      done();
      expect(Tok::kRBrace);
      return out;
    }
    out->kind = TermKind::kSet;
    out->items.push_back(first);
    while (at(Tok::kComma)) {
      next();
      if (at(Tok::kRBrace)) break;
      out->items.push_back(parse_in(false));
    }
    done();
    expect(Tok::kRBrace);
    return out;
  }

  // $"a {x} b": parts alternate literal strings and embedded expressions.
  TermPtr parse_template(const Token& tok) {
    auto out = make_term(TermKind::kTemplate, tok);
    out->loc.file = file_;
    const std::string& s = tok.text;
    std::string lit;
    size_t i = 0;
    auto flush = [&] {
      out->items.push_back(str_term(lit, tok));
      lit.clear();
    };
    while (i < s.size()) {
      char c = s[i];
      if (c == '\\' && i + 1 < s.size()) {
        char e = s[i + 1];
        i += 2;
        if (tok.raw_template) {
          if (e == '{') {
            lit.push_back('{');
          } else {
            lit.push_back('\\');
            lit.push_back(e);
          }
          continue;
        }
        switch (e) {
          case 'n': lit.push_back('\n'); break;
          case 't': lit.push_back('\t'); break;
          case 'r': lit.push_back('\r'); break;
          case '"': lit.push_back('"'); break;
          case '\\': lit.push_back('\\'); break;
          case '{': lit.push_back('{'); break;
          case '/': lit.push_back('/'); break;
          default: fail("illegal escape sequence");
        }
        continue;
      }
      if (c == '{') {
        int depth = 1;
        size_t j = i + 1;
        while (j < s.size() && depth > 0) {
          char d = s[j];
          if (d == '"' || d == '`' || (d == '$' && j + 1 < s.size() && (s[j + 1] == '"' || s[j + 1] == '`'))) {
            size_t e = skip_literal(s, j);
            if (e == std::string::npos) fail("unterminated template expression");
            j = e;
            continue;
          }
          if (d == '{') {
            ++depth;
          } else if (d == '}') {
            --depth;
            if (depth == 0) break;
          }
          ++j;
        }
        if (depth != 0) fail("unterminated template expression");
        std::string inner = s.substr(i + 1, j - i - 1);
        auto toks = lex(inner, nullptr);
        if (!toks.ok()) fail(toks.error().message);
        for (auto& tk : *toks) {
          tk.row += tok.row - 1;
          tk.col += tok.col;
        }
        Parser sub(std::move(*toks), file_, opts_);
        sub.nest_ = 1;
        sub.gen_ = gen_;
        TermPtr e = sub.parse_in(false);
        if (sub.is_ident("with")) e = sub.template_with(e);
        gen_ = sub.gen_;
        if (!sub.at(Tok::kEof)) sub.fail_unexpected();
        flush();
        out->items.push_back(e);
        i = j + 1;
        continue;
      }
      lit.push_back(c);
      ++i;
    }
    flush();
    return out;
  }

  // `{expr with a as b}` inside a template string: the expression becomes the
  // set comprehension {v | v = expr with a as b}, marked so the template takes
  // its element (or renders <undefined> when it is empty).
  TermPtr template_with(const TermPtr& e) {
    Expr lit;
    lit.loc = e->loc;
    lit.kind = ExprKind::kUnify;
    auto v = std::make_shared<Term>();
    v->kind = TermKind::kVar;
    v->loc = e->loc;
    v->name = fresh_var();
    lit.terms = {v, e};
    parse_withs(lit);
    auto c = std::make_shared<Term>();
    c->kind = TermKind::kSetCompr;
    c->loc = e->loc;
    c->template_part = true;
    c->val = clone(v);
    c->body = std::make_shared<Body>();
    c->body->push_back(std::move(lit));
    return c;
  }

  // Generated variable names cannot be written in Rego source (`$` is not an
  // identifier character), so they never collide with the user's.
  std::string fresh_var() { return "$gen" + std::to_string(gen_++); }

  // A function parameter holding a template string (`f($"{x}-{y}")`) is a
  // fresh variable, and each body of the rule (else branches and v0 chained
  // bodies too) ends with `var = $"{x}-{y}"`: the template's variables are
  // bound by the body, and the reorder pass places the comparison after them.
  void lift_template_args(Rule* rule, std::vector<std::pair<TermPtr, TermPtr>>& lifted) {
    std::function<void(TermPtr&)> walk = [&](TermPtr& t) {
      if (!t) return;
      if (t->kind == TermKind::kTemplate) {
        auto v = std::make_shared<Term>();
        v->kind = TermKind::kVar;
        v->loc = t->loc;
        v->name = fresh_var();
        lifted.emplace_back(v, t);
        t = clone(v);
        return;
      }
      if (t->kind == TermKind::kArray || t->kind == TermKind::kObject || t->kind == TermKind::kSet)
        for (auto& i : t->items) walk(i);
    };
    for (auto& a : rule->args) walk(a);
  }
  static void append_lifted(Rule* rule, const std::vector<std::pair<TermPtr, TermPtr>>& lifted) {
    for (const auto& [v, t] : lifted) {
      Expr e;
      e.loc = t->loc;
      e.kind = ExprKind::kUnify;
      e.terms = {clone(v), clone(t)};
      e.index = static_cast<int>(rule->body.size());
      rule->body.push_back(std::move(e));
    }
  }

  std::vector<Token> t_;
  size_t p_ = 0;
  int gen_ = 0;
  const std::string* file_;
  ParseOptions opts_;
  Module* mod_ = nullptr;
  int nest_ = 0;
  bool no_bar_ = false;
  int depth_ = 0;
  int unary_ = 0;
  static constexpr int kMaxDepth = 512;
  static constexpr size_t kMaxBodyLiterals = 2000;
};

void set_files(Body& body, const std::string* file);
void set_files(Term& t, const std::string* file) {
  t.loc.file = file;
  for (auto& i : t.items)
    if (i) set_files(*i, file);
  if (t.key) set_files(*t.key, file);
  if (t.val) set_files(*t.val, file);
  if (t.body) set_files(*t.body, file);
}
void set_files(Body& body, const std::string* file) {
  for (auto& e : body) {
    e.loc.file = file;
    for (auto& t : e.terms)
      if (t) set_files(*t, file);
    if (e.body) set_files(*e.body, file);
    for (auto& w : e.with) {
      w.loc.file = file;
      set_files(*w.target, file);
      set_files(*w.value, file);
    }
  }
}

}  // namespace

core::Result<ModulePtr> parse_module(std::string file, std::string_view src, const ParseOptions& options) {
  auto mod = std::make_shared<Module>();
  mod->file = std::move(file);
  std::vector<Comment> comments;
  auto toks = lex(src, &comments);
  if (!toks.ok()) {
    auto e = toks.error();
    e.where = mod->file + ":" + e.where;
    return e;
  }
  try {
    Parser p(std::move(*toks), &mod->file, options);
    p.module(mod);
  } catch (const ParseError& e) {
    return core::make_error("rego_parse_error", e.message,
                            mod->file + ":" + std::to_string(e.row) + ":" + std::to_string(e.col));
  }
  mod->package_loc.file = &mod->file;
  for (auto& r : mod->rules) {
    for (Rule* x = r.get(); x; x = x->else_rule.get()) {
      x->loc.file = &mod->file;
      for (auto& t : x->head_ref) set_files(*t, &mod->file);
      for (auto& t : x->args) set_files(*t, &mod->file);
      if (x->key) set_files(*x->key, &mod->file);
      if (x->value) set_files(*x->value, &mod->file);
      set_files(x->body, &mod->file);
    }
  }
  for (auto& i : mod->imports) {
    i.loc.file = &mod->file;
    set_files(*i.path, &mod->file);
  }
  // METADATA annotations: a "# METADATA" comment block before a rule or package.
  // The YAML is read by the compiler (the parser stays free of YAML).
  for (size_t i = 0; i < comments.size(); ++i) {
    std::string t = comments[i].text;
    while (!t.empty() && t[0] == ' ') t.erase(0, 1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\r')) t.pop_back();
    if (t != "METADATA") continue;
    std::string yaml;
    int row = comments[i].row;
    size_t j = i + 1;
    for (; j < comments.size() && comments[j].row == row + 1; ++j, ++row) {
      std::string line = comments[j].text;
      if (!line.empty() && line[0] == ' ') line.erase(0, 1);
      yaml += line + "\n";
    }
    mod->metadata_blocks.emplace_back(row + 1, yaml);
    i = j - 1;
  }
  return mod;
}

core::Result<BodyPtr> parse_query(std::string_view src, const std::string* file, const ParseOptions& options) {
  auto toks = lex(src, nullptr);
  if (!toks.ok()) return toks.error();
  try {
    Parser p(std::move(*toks), file, options);
    BodyPtr b = p.query();
    set_files(*b, file);
    return b;
  } catch (const ParseError& e) {
    return core::make_error("rego_parse_error", e.message,
                            (file ? *file : std::string()) + ":" + std::to_string(e.row) + ":" +
                                std::to_string(e.col));
  }
}

core::Result<TermPtr> parse_term(std::string_view src) {
  auto toks = lex(src, nullptr);
  if (!toks.ok()) return toks.error();
  try {
    Parser p(std::move(*toks), nullptr, {});
    return p.single_term();
  } catch (const ParseError& e) {
    return core::make_error("rego_parse_error", e.message,
                            std::to_string(e.row) + ":" + std::to_string(e.col));
  }
}

}  // namespace genesis::policy
