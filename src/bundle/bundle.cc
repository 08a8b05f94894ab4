#include "bundle/bundle.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "bundle/tar.h"

namespace genesis::bundle {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSums = "SHA256SUMS";
constexpr const char* kSig = "SHA256SUMS.sig";
constexpr const char* kBundledKey = "release.pub.pem";
constexpr size_t kEd25519SigSize = 64;
constexpr uint64_t kMaxSumsSize = 16 * 1024 * 1024;

std::string hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// Incremental SHA-256 through OpenSSL's EVP.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(std::string_view d) { EVP_DigestUpdate(ctx_.get(), d.data(), d.size()); }
  std::string hex_digest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &n);
    return hex(md, n);
  }

 private:
  MdCtx ctx_;
};

core::Result<Pkey> parse_public_key(const std::string& pem, const std::string& where) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return core::make_error(core::code::kInvalidArgument, "not a PEM public key", where);
  if (EVP_PKEY_base_id(key.get()) != EVP_PKEY_ED25519)
    return core::make_error(core::code::kInvalidArgument, "not an Ed25519 public key", where);
  return key;
}

std::string fingerprint(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return "SHA256:?";
  Sha256 h;
  h.update(std::string_view(reinterpret_cast<char*>(der), static_cast<size_t>(n)));
  OPENSSL_free(der);
  return "SHA256:" + h.hex_digest();
}

core::Result<std::string> read_small_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return core::make_error(core::code::kNotFound, "no such file", path);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return core::make_error(core::code::kUnavailable, std::strerror(errno), path);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out.size() < (1 << 20)) out.append(buf, n);
  std::fclose(f);
  return out;
}

// SHA256SUMS in sha256sum's format: "<64 hex><space><space or *><path>\n".
// Names sha256sum escapes (a line starting with '\') are refused: make bundle
// never writes such names.
core::Result<std::map<std::string, std::string>> parse_sums(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos)
      return core::make_error(core::code::kInvalidArgument, "the last line has no newline", kSums);
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    std::string where = std::string(kSums) + ":" + std::to_string(line_no);
    bool ok = line.size() > 66 && (line[65] == ' ' || line[65] == '*') && line[64] == ' ';
    for (size_t i = 0; ok && i < 64; ++i) ok = std::isxdigit(static_cast<unsigned char>(line[i])) != 0;
    if (!ok) return core::make_error(core::code::kInvalidArgument, "not '<sha256>  <path>'", where);
    std::string digest = line.substr(0, 64);
    std::transform(digest.begin(), digest.end(), digest.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto path = normalise_path(line.substr(66));
    if (!path) return core::make_error(core::code::kInvalidArgument, path.error().message, where);
    if (*path == kSums || *path == kSig)
      return core::make_error(core::code::kInvalidArgument, "lists " + *path + " itself", where);
    if (!out.emplace(*path, digest).second)
      return core::make_error(core::code::kInvalidArgument, *path + " listed twice", where);
  }
  return out;
}

// What one pass over the archive saw.
struct Scan {
  std::string top;
  std::map<std::string, File> files;  // path relative to top
  std::set<std::string> dirs;         // relative to top ("" is top itself)
  std::string sums, sig;              // contents of SHA256SUMS and its signature
  std::optional<std::string> bundled_key;  // TOP/release.pub.pem, to report its fingerprint
};

// Splits an archive path into the top directory and the rest, checking that
// every entry shares one top directory.
core::Result<std::string> relative(Scan& scan, const TarEntry& e) {
  size_t slash = e.path.find('/');
  std::string first = e.path.substr(0, slash);
  std::string rest = slash == std::string::npos ? "" : e.path.substr(slash + 1);
  if (rest.empty() && !e.directory) {
    return core::make_error(core::code::kInvalidArgument,
                            "the bundle has no top directory (a file at the archive's root)", e.path);
  }
  if (scan.top.empty()) {
    scan.top = first;
  } else if (first != scan.top) {
    return core::make_error(core::code::kInvalidArgument,
                            "outside the bundle's top directory " + scan.top + "/", e.path);
  }
  return rest;
}

// One pass: every member's SHA-256, SHA256SUMS and its signature kept.
core::Result<Scan> scan_archive(const std::string& bundle) {
  auto reader = TarReader::open(bundle);
  if (!reader) return reader.error();
  Scan scan;
  for (;;) {
    auto next = (*reader)->next();
    if (!next) return next.error();
    if (!*next) break;
    const TarEntry& e = **next;
    auto rel = relative(scan, e);
    if (!rel) return rel.error();
    std::string where = scan.top + "/" + *rel;
    if (scan.files.count(*rel) || (scan.dirs.count(*rel) && !e.directory))
      return core::make_error(core::code::kInvalidArgument, "appears twice in the archive", where);
    // No entry may sit below a file (extracting it would need the file to be a
    // directory); its ancestors are directories from now on, listed or not.
    for (size_t s = rel->find('/'); s != std::string::npos; s = rel->find('/', s + 1)) {
      if (scan.files.count(rel->substr(0, s)))
        return core::make_error(core::code::kInvalidArgument,
                                "inside " + scan.top + "/" + rel->substr(0, s) + ", which is a file", where);
      scan.dirs.insert(rel->substr(0, s));
    }
    if (e.directory) {
      if (scan.files.count(*rel))
        return core::make_error(core::code::kInvalidArgument, "appears twice in the archive", where);
      scan.dirs.insert(*rel);
      continue;
    }
    if (scan.dirs.count(*rel))
      return core::make_error(core::code::kInvalidArgument, "appears twice in the archive", where);
    bool keep = *rel == kSums || *rel == kSig || *rel == kBundledKey;
    if (keep && e.size > kMaxSumsSize)
      return core::make_error(core::code::kInvalidArgument, "too large", where);
    Sha256 h;
    std::string content;
    auto s = (*reader)->read_data([&](std::string_view chunk) -> core::Status {
      h.update(chunk);
      if (keep) content.append(chunk);
      return {};
    });
    if (!s) return s.error();
    File f{*rel, h.hex_digest(), e.size, (e.mode & 0100) != 0};
    if (*rel == kSums) scan.sums = content;
    if (*rel == kSig) scan.sig = content;
    if (*rel == kBundledKey) scan.bundled_key = content;
    scan.files.emplace(*rel, std::move(f));
  }
  if (scan.top.empty()) return core::make_error(core::code::kInvalidArgument, "an empty archive", bundle);
  return scan;
}

}  // namespace

core::Result<std::string> key_fingerprint(const std::string& public_key_pem_file) {
  auto pem = read_small_file(public_key_pem_file);
  if (!pem) return pem.error();
  auto key = parse_public_key(*pem, public_key_pem_file);
  if (!key) return key.error();
  return fingerprint(key->get());
}

core::Result<Verified> verify(const std::string& bundle, const std::string& public_key_pem_file,
                              std::vector<core::Error>* problems) {
  auto fail = [&](core::Error e) -> core::Result<Verified> {
    if (problems) problems->push_back(e);
    return e;
  };
  // The trust anchor first: without it there is nothing to check against.
  auto pem = read_small_file(public_key_pem_file);
  if (!pem) return fail(pem.error());
  auto key = parse_public_key(*pem, public_key_pem_file);
  if (!key) return fail(key.error());
  std::string fp = fingerprint(key->get());

  auto scan = scan_archive(bundle);
  if (!scan) return fail(scan.error());
  const std::string top = scan->top + "/";
  if (!scan->files.count(kSums))
    return fail(core::make_error(core::code::kInvalidArgument, "missing: the bundle has no SHA256SUMS",
                                 top + kSums));
  if (!scan->files.count(kSig))
    return fail(core::make_error(core::code::kInvalidArgument,
                                 "missing: the bundle has no signature of SHA256SUMS", top + kSig));

  // The signature over SHA256SUMS, before anything SHA256SUMS says is believed.
  if (scan->sig.size() != kEd25519SigSize)
    return fail(core::make_error(core::code::kInvalidArgument,
                                 "not an Ed25519 signature (" + std::to_string(scan->sig.size()) +
                                     " bytes, 64 expected)",
                                 top + kSig));
  MdCtx ctx(EVP_MD_CTX_new());
  bool good = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) == 1 &&
              EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(scan->sig.data()),
                               scan->sig.size(),
                               reinterpret_cast<const unsigned char*>(scan->sums.data()),
                               scan->sums.size()) == 1;
  if (!good)
    return fail(core::make_error(core::code::kInvalidArgument,
                                 "the signature does not verify with key " + fp + " (" +
                                     public_key_pem_file +
                                     "): SHA256SUMS was changed or signed with another key",
                                 top + kSums));

  auto listed = parse_sums(scan->sums);
  if (!listed) {
    core::Error e = listed.error();
    e.where = top + e.where;
    return fail(e);
  }

  // Every file listed and matching, every listed file present.
  std::vector<core::Error> found;
  for (const auto& [path, f] : scan->files) {
    if (path == kSums || path == kSig) continue;
    auto it = listed->find(path);
    if (it == listed->end()) {
      found.push_back(core::make_error(core::code::kInvalidArgument, "not listed in SHA256SUMS", top + path));
    } else if (it->second != f.sha256) {
      found.push_back(core::make_error(core::code::kInvalidArgument,
                                       "SHA-256 does not match SHA256SUMS (" + f.sha256 + ", listed " +
                                           it->second + ")",
                                       top + path));
    }
  }
  for (const auto& [path, digest] : *listed) {
    if (!scan->files.count(path))
      found.push_back(core::make_error(
          core::code::kInvalidArgument,
          scan->dirs.count(path) ? "listed in SHA256SUMS but a directory in the bundle"
                                 : "listed in SHA256SUMS but missing from the bundle",
          top + path));
  }
  if (!found.empty()) {
    if (problems) problems->insert(problems->end(), found.begin(), found.end());
    return found.front();
  }

  Verified v;
  v.top = scan->top;
  v.key_fingerprint = fp;
  for (auto& [path, f] : scan->files) {
    v.bytes += f.size;
    v.files.push_back(f);
  }
  if (scan->bundled_key) {
    auto bundled = parse_public_key(*scan->bundled_key, kBundledKey);
    v.bundled_key_fingerprint = bundled ? fingerprint(bundled->get()) : "(not an Ed25519 PEM key)";
  }
  return v;
}

core::Status extract(const std::string& bundle, const Verified& verified, const std::string& dir) {
  std::error_code ec;
  fs::path target = fs::absolute(dir, ec);
  if (ec) return core::make_error(core::code::kInvalidArgument, ec.message(), dir);
  if (fs::exists(fs::symlink_status(target, ec)) &&
      (!fs::is_directory(fs::symlink_status(target, ec)) || !fs::is_empty(target, ec)))
    return core::make_error(core::code::kConflict, "exists and is not an empty directory", dir);
  fs::path parent = target.parent_path();
  fs::create_directories(parent, ec);
  std::string tmpl = (parent / ("." + target.filename().string() + ".partial-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return core::make_error(core::code::kUnavailable, std::string("cannot create a temporary directory: ") +
                                                          std::strerror(errno),
                            parent.string());
  fs::path staging = tmpl;
  auto abandon = [&](core::Error e) -> core::Status {
    fs::remove_all(staging, ec);
    return e;
  };
  ::chmod(staging.c_str(), 0755);

  std::map<std::string, const File*> want;
  for (const auto& f : verified.files) want[f.path] = &f;
  std::set<std::string> written;

  auto reader = TarReader::open(bundle);
  if (!reader) return abandon(reader.error());
  for (;;) {
    auto next = (*reader)->next();
    if (!next) return abandon(next.error());
    if (!*next) break;
    const TarEntry& e = **next;
    std::string where = e.path;
    if (e.path.rfind(verified.top + "/", 0) != 0 && e.path != verified.top)
      return abandon(core::make_error(core::code::kInvalidArgument, "changed since it was verified", where));
    std::string rel = e.path == verified.top ? "" : e.path.substr(verified.top.size() + 1);
    if (e.directory) {
      if (!rel.empty()) {
        fs::create_directories(staging / rel, ec);
        if (ec) return abandon(core::make_error(core::code::kUnavailable, ec.message(), (staging / rel).string()));
      }
      continue;
    }
    auto it = want.find(rel);
    if (it == want.end() || written.count(rel))
      return abandon(core::make_error(core::code::kInvalidArgument,
                                      "the bundle changed since it was verified", where));
    fs::path out = staging / rel;
    fs::create_directories(out.parent_path(), ec);
    if (ec) return abandon(core::make_error(core::code::kUnavailable, ec.message(), out.string()));
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    it->second->executable ? 0755 : 0644);
    if (fd < 0) return abandon(core::make_error(core::code::kUnavailable, std::strerror(errno), out.string()));
    Sha256 h;
    auto s = (*reader)->read_data([&](std::string_view chunk) -> core::Status {
      h.update(chunk);
      while (!chunk.empty()) {
        ssize_t n = ::write(fd, chunk.data(), chunk.size());
        if (n <= 0) return core::make_error(core::code::kUnavailable, std::strerror(errno), out.string());
        chunk.remove_prefix(static_cast<size_t>(n));
      }
      return {};
    });
    bool closed = ::close(fd) == 0;
    if (!s) return abandon(s.error());
    if (!closed) return abandon(core::make_error(core::code::kUnavailable, "cannot write", out.string()));
    if (h.hex_digest() != it->second->sha256)
      return abandon(core::make_error(core::code::kInvalidArgument,
                                      "changed since it was verified (SHA-256 differs)", where));
    // The mode asked for at open() is masked by umask; set it as the bundle says.
    ::chmod(out.c_str(), it->second->executable ? 0755 : 0644);
    written.insert(rel);
  }
  if (written.size() != want.size())
    return abandon(core::make_error(core::code::kInvalidArgument,
                                    "the bundle changed since it was verified (files missing)", bundle));
  // An empty directory at DIR is replaced by rename(2); nothing else is there.
  if (std::rename(staging.c_str(), target.c_str()) != 0)
    return abandon(core::make_error(core::code::kUnavailable, std::string("cannot rename into place: ") +
                                                                  std::strerror(errno),
                                    target.string()));
  return {};
}

}  // namespace genesis::bundle
