#include "detect/ingest/auditd.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "detect/ndjson.h"

namespace genesis::detect::ingest {
namespace {

using core::Result;
using core::Value;
namespace code = core::code;

struct SyscallName {
  int number;
  const char* name;
};
#include "detect/ingest/syscalls.inc"

core::Error bad(const std::string& where, const std::string& msg) {
  return core::make_error(code::kInvalidArgument, msg, where);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return hex_digit(c) >= 0; });
}

std::string unhex(std::string_view s) {
  std::string out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out += static_cast<char>(hex_digit(s[i]) * 16 + hex_digit(s[i + 1]));
  }
  return out;
}

// Decoded bytes may be anything: valid UTF-8 is kept, any other byte becomes "%XX"
// (laurel's escape), so the text is valid JSON and no byte is silently replaced.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t j = 1; ok && j < len; ++j) {
      ok = (static_cast<unsigned char>(s[i + j]) & 0xC0) == 0x80;
    }
    if (ok && len == 2 && c < 0xC2) ok = false;  // overlong
    if (ok && len == 1 && c != 0) {
      out += s[i];
      i += 1;
    } else if (ok && len > 1) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      static const char* digits = "0123456789ABCDEF";
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
      i += 1;
    }
  }
  return out;
}

// The fields auditd writes hex-encoded (unquoted) when their text holds a space, a
// quote, a control or a non-ASCII byte (audit_log_untrustedstring and friends).
bool is_encoded_field(std::string_view type, std::string_view name) {
  // Not the fields user-space writes bare (unit=, hostname=, addr=, terminal=) nor
  // numbers (id=, old=, new=): those are never encoded, and "1001" is no hex text.
  static const std::set<std::string, std::less<>> names = {
      "name", "cwd", "comm", "exe", "key", "acct", "cmd", "proctitle", "path", "root_dir",
      "ocomm", "watch", "dir", "file", "data"};
  if (type == "EXECVE" && name.size() > 1 && name[0] == 'a' &&
      std::isdigit(static_cast<unsigned char>(name[1]))) {
    return true;
  }
  return names.count(name) > 0;
}

struct Field {
  std::string name, value;
  bool quoted = false;
};

// key=value tokens of a record's text; msg='...' (user-space records) is opened and its
// fields read too. Words without '=' (an AVC's "avc:  denied  { read } for") are kept
// as text.
void split_fields(std::string_view s, std::vector<Field>& out, std::string& words) {
  std::size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\x1d' || c == '\r'; };
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    if (i >= s.size()) break;
    std::size_t start = i;
    while (i < s.size() && !space(s[i]) && s[i] != '=') ++i;
    if (i >= s.size() || s[i] != '=') {
      if (!words.empty()) words += ' ';
      words.append(s.substr(start, i - start));
      continue;
    }
    Field f;
    f.name = std::string(s.substr(start, i - start));
    ++i;  // '='
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      char q = s[i++];
      std::size_t end = s.find(q, i);
      if (end == std::string_view::npos) end = s.size();
      std::string_view inner = s.substr(i, end - i);
      i = end < s.size() ? end + 1 : end;
      if (q == '\'' && f.name == "msg") {
        split_fields(inner, out, words);
        continue;
      }
      f.value = std::string(inner);
      f.quoted = true;
    } else {
      std::size_t vstart = i;
      while (i < s.size() && !space(s[i])) ++i;
      f.value = std::string(s.substr(vstart, i - vstart));
    }
    // Field names are words (a0, SYSCALL, a1[0], old-disk); anything else is text.
    bool word = !f.name.empty() && std::all_of(f.name.begin(), f.name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '[' || c == ']';
    });
    if (word) {
      out.push_back(std::move(f));
    } else {
      if (!words.empty()) words += ' ';
      words.append(s.substr(start, i - start));
    }
  }
}

// "1626611363.720" -> "2021-07-18T12:29:23.720Z"; "" when unreadable.
std::string audit_time(std::string_view ts) {
  std::size_t dot = ts.find('.');
  std::string_view secs = ts.substr(0, dot);
  if (secs.empty() || secs.size() > 12 ||
      !std::all_of(secs.begin(), secs.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return {};
  }
  std::string frac;
  if (dot != std::string_view::npos) {
    frac = std::string(ts.substr(dot + 1));
    if (frac.empty() || frac.size() > 9 ||
        !std::all_of(frac.begin(), frac.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      return {};
    }
  }
  std::time_t t = static_cast<std::time_t>(std::strtoll(std::string(secs).c_str(), nullptr, 10));
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return {};
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(buf) + (frac.empty() ? "" : "." + frac) + "Z";
}

// The records of one event while they are gathered.
struct Gathered {
  std::string time, node;
  int64_t sequence = 0;
  std::vector<std::pair<std::string, Value>> records;  // (type, fields as written)
};


std::string text_of(const Value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return std::to_string(v->as_int());
  return {};
}

// saddr (hex of a struct sockaddr, as the kernel passed it) -> {family, addr, port} or
// {family, path}; little-endian family as on every arch auditd ships for here.
Value decode_saddr(const std::string& hex) {
  Value out = Value::object();
  out.set("saddr", hex);
  if (!is_hex(hex) || hex.size() < 4 || hex.size() % 2) return out;
  std::string b = unhex(hex);
  auto u8 = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(b[i])); };
  unsigned family = u8(0) | (u8(1) << 8);
  char ip[INET6_ADDRSTRLEN] = {0};
  if (family == 2 && b.size() >= 8) {
    out.set("family", "inet");
    out.set("port", static_cast<int64_t>((u8(2) << 8) | u8(3)));
    inet_ntop(AF_INET, b.data() + 4, ip, sizeof ip);
    out.set("addr", std::string(ip));
  } else if (family == 10 && b.size() >= 24) {
    out.set("family", "inet6");
    out.set("port", static_cast<int64_t>((u8(2) << 8) | u8(3)));
    inet_ntop(AF_INET6, b.data() + 8, ip, sizeof ip);
    out.set("addr", std::string(ip));
  } else if (family == 1) {
    out.set("family", "local");
    std::string path = b.substr(2);
    // An abstract socket starts with NUL; a path ends at its NUL.
    if (!path.empty() && path[0] == '\0') {
      path = "@" + path.substr(1, path.find('\0', 1) == std::string::npos ? std::string::npos
                                                                           : path.find('\0', 1) - 1);
    } else {
      path = path.substr(0, path.find('\0'));
    }
    if (!path.empty()) out.set("path", printable(path));
  } else {
    out.set("family", std::to_string(family));
  }
  return out;
}

// Builds the kept form from gathered records (raw or laurel alike).
AuditEvent assemble(Gathered& g) {
  AuditEvent e;
  e.time = g.time;
  e.node = g.node;
  Value& a = e.auditd;
  a.set("sequence", g.sequence);
  if (!g.node.empty()) a.set("node", g.node);
  Value types = Value::array();
  std::vector<std::string> seen;
  Value execve = Value::object();
  std::vector<const Value*> paths;
  const Value* main = nullptr;
  std::map<std::string, std::vector<const Value*>> others;
  std::vector<std::string> other_order;
  for (const auto& [type, rec] : g.records) {
    if (type == "EOE") continue;
    if (std::find(seen.begin(), seen.end(), type) == seen.end()) {
      seen.push_back(type);
      types.push_back(type);
    }
    if (type == "SYSCALL") {
      main = &rec;
    } else if (type == "EXECVE") {
      // Continuation records add arguments; a name given twice keeps its first value.
      auto& have = execve.as_object();
      std::unordered_set<std::string> names;
      for (const auto& [k, v] : have) names.insert(k);
      for (const auto& [k, v] : rec.as_object()) {
        if (names.insert(k).second) have.emplace_back(k, v);
      }
    } else if (type == "PATH") {
      paths.push_back(&rec);
    } else {
      if (!others.count(type)) other_order.push_back(type);
      others[type].push_back(&rec);
    }
  }
  a.set("types", std::move(types));
  // The main record: SYSCALL, else the event's first record (a user-space event).
  std::string main_type = "SYSCALL";
  if (main == nullptr && !other_order.empty()) {
    main_type = other_order.front();
    main = others[main_type].front();
    others[main_type].erase(others[main_type].begin());
  }
  if (main != nullptr) {
    Value rec = *main;
    // The interpreted names ENRICHED logs carry; computed when the log has none.
    if (main_type == "SYSCALL" && rec.find("SYSCALL") == nullptr) {
      std::string n = syscall_name(text_of(rec.find("arch")), text_of(rec.find("syscall")));
      if (!n.empty()) rec.set("SYSCALL", n);
    }
    if (main_type == "SYSCALL" && rec.find("ARCH") == nullptr) {
      std::string arch = lower(text_of(rec.find("arch")));
      if (arch == "c000003e") rec.set("ARCH", "x86_64");
      if (arch == "c00000b7") rec.set("ARCH", "aarch64");
    }
    a.set("record", std::move(rec));
  }
  if (!execve.as_object().empty()) a.set("execve", std::move(execve));
  if (!paths.empty()) {
    std::vector<std::string> cols;
    for (const Value* p : paths) {
      for (const auto& [k, v] : p->as_object()) {
        if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
      }
    }
    Value columns = Value::object();
    for (const auto& c : cols) {
      Value col = Value::array();
      for (const Value* p : paths) {
        const Value* v = p->find(c);
        col.push_back(v != nullptr ? *v : Value());
      }
      columns.set(c, std::move(col));
    }
    a.set("path", std::move(columns));
  }
  for (const auto& type : other_order) {
    auto& list = others[type];
    if (list.empty()) continue;
    std::string key = lower(type);
    if (type == "CWD" && list.size() == 1 && list[0]->find("cwd") != nullptr) {
      a.set("cwd", *list[0]->find("cwd"));
    } else if (type == "PROCTITLE" && list.size() == 1 && list[0]->find("proctitle") != nullptr) {
      a.set("proctitle", *list[0]->find("proctitle"));
    } else if (type == "SOCKADDR" && list.size() == 1) {
      const Value* s = list[0]->find("saddr");
      if (s != nullptr && s->is_string()) {
        a.set("sockaddr", decode_saddr(s->as_string()));
      } else {
        a.set("sockaddr", *list[0]);
      }
    } else if (list.size() == 1) {
      a.set(key, *list[0]);
    } else {
      Value arr = Value::array();
      for (const Value* r : list) arr.push_back(*r);
      a.set(key, std::move(arr));
    }
  }
  return e;
}

// A field's value as kept: decoded when auditd hex-encoded it, null for "(null)".
Value raw_value(std::string_view type, const Field& f) {
  if (f.quoted) return printable(f.value);
  if (f.value == "(null)" || f.value == "(none)") return Value();
  if (is_encoded_field(type, f.name) && f.value.size() % 2 == 0 && is_hex(f.value)) {
    std::string bytes = unhex(f.value);
    if (type == "PROCTITLE" || (f.name == "key")) {
      // proctitle: the arguments, NUL-separated; key: several keys, 0x01-separated.
      char sep = type == "PROCTITLE" ? '\0' : '\x01';
      while (!bytes.empty() && bytes.back() == sep) bytes.pop_back();
      std::replace(bytes.begin(), bytes.end(), sep, type == "PROCTITLE" ? ' ' : ',');
    }
    return printable(bytes);
  }
  return printable(f.value);
}

std::optional<int64_t> to_int(const std::string& s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  char* end = nullptr;
  long long n = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return n;
}

// laurel's values back to audit text: 59 -> "59", "0xc000003e" -> "c000003e",
// "0o100755" -> "0100755"; its percent escapes are undone.
std::string percent_decode(const std::string& s) {
  if (s.find('%') == std::string::npos) return s;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return printable(out);
}

Value laurel_value(const Value& v) {
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_bool()) return v.as_bool() ? "true" : "false";
  if (v.is_string()) {
    const std::string& s = v.as_string();
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && is_hex(std::string_view(s).substr(2))) {
      return s.substr(2);
    }
    if (s.size() > 2 && s[0] == '0' && s[1] == 'o' &&
        std::all_of(s.begin() + 2, s.end(), [](char c) { return c >= '0' && c <= '7'; })) {
      return "0" + s.substr(2);
    }
    return percent_decode(s);
  }
  if (v.is_array()) {
    Value out = Value::array();
    for (const auto& x : v.as_array()) out.push_back(laurel_value(x));
    return out;
  }
  if (v.is_object()) {
    Value out = Value::object();
    for (const auto& [k, x] : v.as_object()) {
      if (!x.is_null()) out.set(k, laurel_value(x));
    }
    return out;
  }
  return v;  // null, double
}

bool is_record_type(std::string_view k) {
  return !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string join_args(const Value* argv) {
  std::string out;
  if (argv == nullptr || !argv->is_array()) return out;
  for (const auto& x : argv->as_array()) {
    if (!x.is_string()) continue;
    if (!out.empty()) out += ' ';
    out += x.as_string();
  }
  return out;
}

// ---- ECS ----

const Value* member(const Value& o, const char* k) {
  const Value* v = o.is_object() ? o.find(k) : nullptr;
  if (v == nullptr || v->is_null()) return nullptr;
  if (v->is_string() && (v->as_string().empty() || v->as_string() == "?")) return nullptr;
  return v;
}

struct Ecs {
  Value t = Value::object();
  void put(std::string_view path, Value v) {
    Value* node = &t;
    while (true) {
      std::size_t dot = path.find('.');
      std::string seg(path.substr(0, dot));
      if (dot == std::string_view::npos) {
        node->set(seg, std::move(v));
        return;
      }
      Value* next = node->find(seg);
      if (next == nullptr || !next->is_object()) next = &node->set(seg, Value::object());
      node = next;
      path.remove_prefix(dot + 1);
    }
  }
  void str(std::string_view path, const Value& rec, const char* k) {
    if (const Value* v = member(rec, k); v != nullptr && v->is_string()) put(path, *v);
  }
  void num(std::string_view path, const Value& rec, const char* k) {
    if (auto n = to_int(text_of(member(rec, k))); n && *n >= 0) put(path, *n);
  }
};

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string absolute(const std::string& path, const std::string& cwd) {
  if (path.empty() || path[0] == '/' || cwd.empty()) return path;
  std::string p = path;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  return cwd + (cwd.back() == '/' ? "" : "/") + p;
}

// The PATH records as rows again (item order), for the file kinds.
std::vector<std::pair<std::string, std::string>> path_rows(const Value& a) {
  std::vector<std::pair<std::string, std::string>> rows;  // (name, nametype)
  const Value* p = a.find("path");
  if (p == nullptr || !p->is_object()) return rows;
  const Value* names = p->find("name");
  const Value* types = p->find("nametype");
  if (names == nullptr || !names->is_array()) return rows;
  for (std::size_t i = 0; i < names->as_array().size(); ++i) {
    std::string type;
    if (types != nullptr && types->is_array() && i < types->as_array().size()) {
      type = text_of(&types->as_array()[i]);
    }
    rows.push_back({text_of(&names->as_array()[i]), type});
  }
  return rows;
}

const std::set<std::string>& modify_calls() {
  static const std::set<std::string> s = {
      "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
      "truncate", "ftruncate", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
      "lremovexattr", "fremovexattr", "utime", "utimes", "utimensat", "futimesat"};
  return s;
}

}  // namespace

std::string syscall_name(std::string_view arch, std::string_view number) {
  auto n = to_int(std::string(number));
  if (!n) return {};
  std::string a = lower(std::string(arch));
  auto find = [&](const auto& table) -> std::string {
    for (const auto& s : table) {
      if (s.number == *n) return s.name;
    }
    return {};
  };
  if (a == "c000003e" || a == "x86_64") return find(kX86_64);
  if (a == "c00000b7" || a == "aarch64") return find(kAarch64);
  return {};
}

AuditLog parse_audit_log(std::string_view body, std::vector<std::size_t>* json_lines) {
  AuditLog log;
  std::map<std::string, std::size_t> index;  // "TS:SERIAL" (+ node) -> gathered
  std::vector<std::pair<std::size_t, Gathered>> gathered;
  each_line(body, [&](std::string_view text, std::size_t line) {
    std::size_t first = text.find_first_not_of(" \t");
    text.remove_prefix(first);
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.find_first_not_of('-') == std::string_view::npos) return;  // ausearch's "----"
    if (text.front() == '{') {
      if (json_lines != nullptr) json_lines->push_back(line);
      return;
    }
    // [node=NAME ]type=TYPE msg=audit(SECONDS.MS:SERIAL): fields
    std::string node;
    if (text.rfind("node=", 0) == 0) {
      std::size_t sp = text.find(' ');
      node = std::string(text.substr(5, sp == std::string_view::npos ? sp : sp - 5));
      text.remove_prefix(sp == std::string_view::npos ? text.size() : sp + 1);
    }
    if (text.rfind("type=", 0) != 0) {
      log.errors.push_back(
          {line, bad("type", "not an audit record: a line must start with type= (or node=NAME type=)")});
      return;
    }
    std::size_t sp = text.find(' ');
    std::string type(text.substr(5, sp == std::string_view::npos ? sp : sp - 5));
    std::size_t m = text.find("msg=audit(");
    std::size_t close = m == std::string_view::npos ? m : text.find("):", m);
    if (type.empty() || m == std::string_view::npos || close == std::string_view::npos) {
      log.errors.push_back({line, bad("msg", "is required: msg=audit(SECONDS.MILLISECONDS:SERIAL):")});
      return;
    }
    std::string_view id = text.substr(m + 10, close - m - 10);
    std::size_t colon = id.find(':');
    std::string time = colon == std::string_view::npos ? "" : audit_time(id.substr(0, colon));
    auto serial = colon == std::string_view::npos ? std::nullopt : to_int(std::string(id.substr(colon + 1)));
    if (time.empty() || !serial || *serial < 0) {
      log.errors.push_back({line, bad("msg", "audit(" + std::string(id) +
                                                 ") is not SECONDS.MILLISECONDS:SERIAL")});
      return;
    }
    std::vector<Field> fields;
    std::string words;
    split_fields(text.substr(close + 2), fields, words);
    // Fields by name, in order; the index keeps a record with many arguments linear.
    core::Object members;
    std::unordered_map<std::string, std::size_t> at;
    for (const auto& f : fields) {
      // EXECVE splits a long argument: a1_len=N a1[0]=... a1[1]=...
      std::string name = f.name;
      bool piece = false;
      if (type == "EXECVE") {
        std::size_t br = name.find('[');
        if (br != std::string::npos) {
          name = name.substr(0, br);
          piece = true;
        } else if (name.size() > 4 && name.compare(name.size() - 4, 4, "_len") == 0) {
          continue;
        }
      }
      Field named = f;
      named.name = name;
      Value v = raw_value(type, named);
      if (v.is_null()) continue;
      auto it = at.find(name);
      if (it == at.end()) {
        at.emplace(name, members.size());
        members.emplace_back(name, std::move(v));
      } else if (piece && members[it->second].second.is_string() && v.is_string()) {
        members[it->second].second.as_string() += v.as_string();
      }  // else: the first one stands
    }
    Value rec(std::move(members));
    if (!words.empty()) rec.set(rec.find("text") == nullptr ? "text" : "text_words", printable(words));
    std::string key = node + "|" + std::string(id);
    auto it = index.find(key);
    if (it == index.end()) {
      Gathered g;
      g.time = time;
      g.node = node;
      g.sequence = *serial;
      it = index.emplace(key, gathered.size()).first;
      gathered.push_back({line, std::move(g)});
    }
    gathered[it->second].second.records.push_back({type, std::move(rec)});
  });
  for (auto& [line, g] : gathered) log.events.push_back({line, assemble(g)});
  return log;
}

Result<AuditEvent> from_laurel(const Value& doc) {
  if (!doc.is_object()) return bad("", "a laurel event must be a JSON object");
  const Value* id = doc.find("ID");
  if (id == nullptr || !id->is_string()) {
    return bad("ID", "is required (\"SECONDS.MILLISECONDS:SERIAL\", laurel's event id)");
  }
  const std::string& s = id->as_string();
  std::size_t colon = s.find(':');
  Gathered g;
  g.time = colon == std::string::npos ? "" : audit_time(s.substr(0, colon));
  auto serial = colon == std::string::npos ? std::nullopt : to_int(s.substr(colon + 1));
  if (g.time.empty() || !serial || *serial < 0) {
    return bad("ID", "\"" + s + "\" is not SECONDS.MILLISECONDS:SERIAL");
  }
  g.sequence = *serial;
  g.node = text_of(doc.find("NODE"));
  Value parent;
  Value extra = Value::object();
  bool any = false;
  for (const auto& [k, v] : doc.as_object()) {
    if (k == "ID" || k == "NODE") continue;
    if (k == "PARENT_INFO") {
      parent = laurel_value(v);
      continue;
    }
    if (!is_record_type(k)) {
      extra.set(k, v);  // laurel's own additions, kept as written
      continue;
    }
    any = true;
    Value x = laurel_value(v);
    if (k == "EXECVE" || k == "PROCTITLE" || k == "SYSCALL") {
      if (!x.is_object()) return bad(k, std::string("must be an object, got ") + v.kind_name());
      const Value* argv = x.find("ARGV");
      Value rec = Value::object();
      if (k == "PROCTITLE" && argv != nullptr) {
        rec.set("proctitle", join_args(argv));
      } else if (argv != nullptr && argv->is_array()) {
        for (std::size_t i = 0; i < argv->as_array().size(); ++i) {
          rec.set("a" + std::to_string(i), argv->as_array()[i]);
        }
      }
      for (const auto& [f, fv] : x.as_object()) {
        if (f != "ARGV") rec.set(f, fv);
      }
      g.records.push_back({k, std::move(rec)});
    } else if (x.is_array()) {
      for (const auto& r : x.as_array()) {
        if (!r.is_object()) return bad(k, "must hold objects (audit records)");
        Value rec = r;
        // laurel renders SOCKADDR's saddr as {family, addr, port} (or keeps the hex).
        if (k == "SOCKADDR") {
          if (const Value* sa = r.find("saddr"); sa != nullptr && sa->is_object()) {
            rec = *sa;
            for (const auto& [f, fv] : r.as_object()) {
              if (f != "saddr") rec.set(f, fv);
            }
            if (const Value* port = rec.find("port"); port != nullptr && port->is_string()) {
              if (auto n = to_int(port->as_string())) rec.set("port", *n);
            }
          }
        }
        g.records.push_back({k, std::move(rec)});
      }
    } else if (x.is_object()) {
      g.records.push_back({k, x});
    } else {
      return bad(k, std::string("must be an object or an array of objects, got ") + v.kind_name());
    }
  }
  if (!any) return bad("", "a laurel event holds at least one audit record (SYSCALL, EXECVE, ...)");
  AuditEvent e = assemble(g);
  if (!parent.is_null()) e.auditd.set("parent_info", parent);
  for (const auto& [k, v] : extra.as_object()) e.auditd.set(k, v);
  return e;
}

Value audit_telemetry(const AuditEvent& e, bool generic) {
  const Value& a = e.auditd;
  Ecs b;
  std::string kind;
  const Value* rec = a.find("record");
  static const Value kEmpty = Value::object();
  const Value& r = rec != nullptr ? *rec : kEmpty;
  std::string call = text_of(member(r, "SYSCALL"));
  std::string cwd = text_of(a.find("cwd"));
  bool syscall = text_of(member(r, "arch")) != "" || call != "";
  if (!generic && syscall) {
    b.str("process.executable", r, "exe");
    b.str("process.name", r, "comm");
    b.num("process.pid", r, "pid");
    b.num("process.parent.pid", r, "ppid");
    if (!cwd.empty()) b.put("process.working_directory", cwd);
    std::string uid = text_of(member(r, "uid"));
    if (!uid.empty()) b.put("user.id", uid);
    b.str("user.name", r, "UID");
    std::string auid = text_of(member(r, "auid"));
    if (!auid.empty() && auid != "4294967295" && auid != "-1") b.put("user.audit.id", auid);
    b.str("user.audit.name", r, "AUID");
    std::string euid = text_of(member(r, "euid"));
    if (!euid.empty()) b.put("user.effective.id", euid);
    b.str("user.effective.name", r, "EUID");
    if (const Value* p = a.find("parent_info"); p != nullptr && p->is_object()) {
      b.str("process.parent.executable", *p, "exe");
      if (const Value* argv = p->find("ARGV"); argv != nullptr) {
        std::string cl = join_args(argv);
        if (!cl.empty()) b.put("process.parent.command_line", cl);
      }
    }
    bool success = text_of(member(r, "success")) != "no";
    if ((call == "execve" || call == "execveat") && success) {
      Value args = Value::array();
      if (const Value* ex = a.find("execve"); ex != nullptr && ex->is_object()) {
        // a0, a1, ... in order (one pass: an execve may have thousands).
        std::vector<const Value*> by_index;
        for (const auto& [k, v] : ex->as_object()) {
          if (k.size() < 2 || k[0] != 'a' || k.size() > 8) continue;
          auto n = to_int(k.substr(1));
          if (!n || *n < 0 || k[1] == '-' || k[1] == '+' || !v.is_string()) continue;
          if (*n >= static_cast<int64_t>(ex->as_object().size())) continue;  // not an argv index
          if (by_index.size() <= static_cast<std::size_t>(*n)) by_index.resize(*n + 1, nullptr);
          by_index[*n] = &v;
        }
        for (const Value* v : by_index) {
          if (v == nullptr) break;
          args.push_back(*v);
        }
      }
      std::string cl = join_args(&args);
      if (cl.empty()) cl = text_of(a.find("proctitle"));
      if (cl.empty()) cl = text_of(member(r, "exe"));
      if (!cl.empty()) b.put("process.command_line", cl);
      if (!args.as_array().empty()) b.put("process.args", std::move(args));
      kind = "process.start";
    } else if (const Value* sa = a.find("sockaddr");
               sa != nullptr && (call == "connect" || call == "sendto" || call == "sendmsg") &&
               is_ip(text_of(sa->find("addr")))) {
      b.put("destination.ip", text_of(sa->find("addr")));
      if (const Value* port = sa->find("port"); port != nullptr && port->is_int()) {
        b.put("destination.port", *port);
      }
      b.put("network.direction", "egress");
      b.put("network.initiated", true);
      kind = "network.connection";
    } else {
      auto rows = path_rows(a);
      std::string created, deleted, normal;
      for (const auto& [name, type] : rows) {
        if (type == "CREATE" && created.empty()) created = name;
        if (type == "DELETE" && deleted.empty()) deleted = name;
        if (type == "NORMAL" && normal.empty()) normal = name;
      }
      std::string action, path;
      if (call.rfind("rename", 0) == 0 && !created.empty() && !deleted.empty()) {
        action = "rename";
        path = created;
        b.put("file.source_path", absolute(deleted, cwd));
      } else if (!created.empty()) {
        action = "create", path = created;
      } else if (!deleted.empty()) {
        action = "delete", path = deleted;
      } else if (!normal.empty() && modify_calls().count(call)) {
        action = "modify", path = normal;
      } else if (!normal.empty() && (call == "open" || call == "openat" || call == "openat2")) {
        // O_WRONLY (1) or O_RDWR (2) in the flags (open's a1, openat's a2).
        std::string flags = text_of(member(r, call == "open" ? "a1" : "a2"));
        if (is_hex(flags) && (std::strtoull(flags.c_str(), nullptr, 16) & 3) != 0) {
          action = "modify", path = normal;
        }
      }
      if (!action.empty() && success) {
        b.put("action", action);
        b.put("file.path", absolute(path, cwd));
        kind = "file";
      }
    }
  } else if (!generic) {
    std::string type = a.find("types") != nullptr && !a.find("types")->as_array().empty()
                           ? text_of(&a.find("types")->as_array().front())
                           : "";
    if (type == "USER_AUTH" || type == "USER_LOGIN" || type == "USER_ERR") {
      std::string res = text_of(member(r, "res"));
      std::string acct = text_of(member(r, "acct"));
      if (acct.empty()) acct = text_of(member(r, "ACCT"));
      if (!acct.empty() && (res == "success" || res == "failed")) {
        b.put("user.name", acct);
        b.put("outcome", res == "success" ? "success" : "failure");
        std::string addr = text_of(member(r, "addr"));
        if (is_ip(addr)) b.put("source.ip", addr);
        std::string host = text_of(member(r, "hostname"));
        if (!host.empty() && !is_ip(host)) b.put("source.domain", host);
        b.str("authentication.method", r, "op");
        b.str("process.executable", r, "exe");
        b.num("process.pid", r, "pid");
        kind = "authentication";
      }
    }
  }
  if (kind.empty()) {
    b.t = Value::object();  // the generic kind carries no ECS guesses
    kind = "auditd.event";
  }
  b.put("event", kind);
  if (!e.node.empty()) b.put("host.name", e.node);
  b.put("host.os.type", "linux");
  b.t.set("auditd", a);
  return std::move(b.t);
}

}  // namespace genesis::detect::ingest
