#include "bundle/tar.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace genesis::bundle {

namespace {

constexpr size_t kBlock = 512;
constexpr size_t kChunk = 64 * 1024;
// A long name or a pax record set larger than this is not a name.
constexpr uint64_t kMaxMetaSize = 64 * 1024;

// Reads an octal numeric field (NUL/space terminated, leading spaces allowed).
std::optional<uint64_t> parse_octal(const char* p, size_t n) {
  size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  uint64_t v = 0;
  bool any = false;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v > (UINT64_MAX >> 3)) return std::nullopt;
    v = v * 8 + static_cast<uint64_t>(p[i] - '0');
    any = true;
  }
  for (; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\0') return std::nullopt;
  if (!any) return std::nullopt;
  return v;
}

std::string field(const char* p, size_t n) { return std::string(p, strnlen(p, n)); }

std::string type_name(char t) {
  switch (t) {
    case '1': return "a hard link";
    case '2': return "a symbolic link";
    case '3': return "a character device";
    case '4': return "a block device";
    case '6': return "a FIFO";
    case '7': return "a contiguous file";
    case 'g': return "a global pax header";
    case 'K': return "a GNU long link name";
    case 'S': return "a GNU sparse file";
    case 'M': return "a GNU multi-volume part";
    case 'V': return "a GNU volume header";
    default: return std::string("an entry of type '") + t + "'";
  }
}

struct Pax {
  std::optional<std::string> path;
  std::optional<uint64_t> size;
};

// Parses pax extended records: "<len> <key>=<value>\n", len counting the whole record.
core::Result<Pax> parse_pax(const std::string& data, const std::string& where) {
  Pax pax;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data[pos] == '\0') break;  // some writers pad with NULs
    size_t sp = data.find(' ', pos);
    if (sp == std::string::npos || sp == pos)
      return core::make_error(core::code::kInvalidArgument, "malformed pax record", where);
    uint64_t len = 0;
    for (size_t i = pos; i < sp; ++i) {
      if (data[i] < '0' || data[i] > '9' || len > kMaxMetaSize)
        return core::make_error(core::code::kInvalidArgument, "malformed pax record", where);
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
    }
    if (len <= sp - pos + 1 || pos + len > data.size() || data[pos + len - 1] != '\n')
      return core::make_error(core::code::kInvalidArgument, "malformed pax record", where);
    std::string rec = data.substr(sp + 1, pos + len - sp - 2);
    pos += len;
    size_t eq = rec.find('=');
    if (eq == std::string::npos)
      return core::make_error(core::code::kInvalidArgument, "malformed pax record", where);
    std::string key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "path") {
      if (value.find('\0') != std::string::npos)
        return core::make_error(core::code::kInvalidArgument, "pax path holds a NUL", where);
      pax.path = value;
    } else if (key == "size") {
      uint64_t n = 0;
      bool ok = !value.empty() && value.size() <= 18;  // decimal, fits 64 bits
      for (char c : value) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!ok) return core::make_error(core::code::kInvalidArgument, "malformed pax size", where);
      pax.size = n;
    } else if (key == "mtime" || key == "atime" || key == "ctime" || key == "uid" ||
               key == "gid" || key == "uname" || key == "gname" || key == "comment" ||
               key == "charset" || key == "hdrcharset") {
      // Time, owner and notes: nothing a verified bundle depends on.
    } else {
      // linkpath, GNU.sparse.*, SCHILY.xattr.*, ...: each would change what the
      // entry is or how it is written out.
      return core::make_error(core::code::kInvalidArgument,
                              "unsupported pax key '" + key + "'", where);
    }
  }
  return pax;
}

}  // namespace

core::Result<std::string> normalise_path(std::string_view raw) {
  std::string where(raw);
  if (raw.empty()) return core::make_error(core::code::kInvalidArgument, "empty name", "(entry)");
  if (raw.front() == '/')
    return core::make_error(core::code::kInvalidArgument, "absolute path refused", where);
  std::string out;
  size_t pos = 0;
  while (pos <= raw.size()) {
    size_t slash = raw.find('/', pos);
    if (slash == std::string_view::npos) slash = raw.size();
    std::string_view comp = raw.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..")
      return core::make_error(core::code::kInvalidArgument, "path with '..' refused", where);
    if (!out.empty()) out += '/';
    out += comp;
  }
  return out;
}

core::Result<std::unique_ptr<TarReader>> TarReader::open(const std::string& file) {
  std::unique_ptr<TarReader> r(new TarReader());
  r->file_ = file;
  r->f_ = std::fopen(file.c_str(), "rb");
  if (r->f_ == nullptr)
    return core::make_error(errno == ENOENT ? core::code::kNotFound : core::code::kUnavailable,
                            std::string("cannot open: ") + std::strerror(errno), file);
  r->z_ = std::make_unique<z_stream>();
  std::memset(r->z_.get(), 0, sizeof(z_stream));
  // 16 + MAX_WBITS: a gzip wrapper (not zlib, not raw), its CRC-32 and length checked.
  if (inflateInit2(r->z_.get(), 16 + MAX_WBITS) != Z_OK)
    return core::make_error(core::code::kInternal, "zlib inflateInit2 failed", file);
  r->z_init_ = true;
  return r;
}

TarReader::~TarReader() {
  if (z_init_) inflateEnd(z_.get());
  if (f_ != nullptr) std::fclose(f_);
}

core::Error TarReader::error(const std::string& message) const {
  return core::make_error(core::code::kInvalidArgument, message, file_);
}

core::Status TarReader::read_exact(char* out, size_t n) {
  z_->next_out = reinterpret_cast<Bytef*>(out);
  z_->avail_out = static_cast<uInt>(n);
  while (z_->avail_out > 0) {
    if (z_end_) {
      return error(current_.empty() ? "truncated: the archive ends without its end-of-archive marker"
                                    : "truncated: the archive ends inside " + current_);
    }
    if (z_->avail_in == 0) {
      in_.resize(kChunk);
      size_t got = std::fread(in_.data(), 1, in_.size(), f_);
      if (got == 0) {
        if (std::ferror(f_)) return error(std::string("read error: ") + std::strerror(errno));
        return error("truncated: the gzip stream ends early");
      }
      z_->next_in = reinterpret_cast<Bytef*>(in_.data());
      z_->avail_in = static_cast<uInt>(got);
    }
    int rc = inflate(z_.get(), Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      z_end_ = true;
    } else if (rc == Z_BUF_ERROR) {
      continue;  // needs more input: read on
    } else if (rc != Z_OK) {
      return error(std::string("not a valid gzip stream (") + (z_->msg ? z_->msg : "zlib error") + ")");
    }
  }
  return {};
}

core::Result<bool> TarReader::at_stream_end() {
  if (!z_end_) return false;
  // Nothing may follow the gzip member: a second member or garbage would be
  // bytes no one verified.
  if (z_->avail_in > 0) return error("data after the end of the gzip stream");
  char c;
  if (std::fread(&c, 1, 1, f_) == 1) return error("data after the end of the gzip stream");
  return true;
}

core::Status TarReader::skip(uint64_t n) {
  char buf[kBlock * 16];
  while (n > 0) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(n, sizeof buf));
    if (auto s = read_exact(buf, k); !s) return s;
    n -= k;
  }
  return {};
}

core::Status TarReader::read_data(const std::function<core::Status(std::string_view)>& sink) {
  if (data_read_) return core::make_error(core::code::kInternal, "data already read", current_);
  data_read_ = true;
  std::string buf(kChunk, '\0');
  while (remaining_ > 0) {
    size_t k = static_cast<size_t>(std::min<uint64_t>(remaining_, buf.size()));
    if (auto s = read_exact(buf.data(), k); !s) return s;
    remaining_ -= k;
    if (auto s = sink(std::string_view(buf.data(), k)); !s) return s;
  }
  return skip(padding_);
}

core::Result<std::optional<TarEntry>> TarReader::next() {
  if (!data_read_) {
    data_read_ = true;
    if (auto s = skip(remaining_ + padding_); !s) return s.error();
    remaining_ = 0;
  }
  std::optional<std::string> long_name;
  Pax pax;
  bool have_pax = false;
  for (;;) {
    current_.clear();
    char h[kBlock];
    if (auto s = read_exact(h, kBlock); !s) return s.error();
    if (std::all_of(h, h + kBlock, [](char c) { return c == 0; })) {
      if (long_name || have_pax) return error("an extended header without its member");
      // End of archive: a second zero block, then only zeros (GNU tar pads to
      // its record size) until the gzip stream ends.
      if (auto s = read_exact(h, kBlock); !s) return s.error();
      if (!std::all_of(h, h + kBlock, [](char c) { return c == 0; }))
        return error("data after a zero block (not an end-of-archive marker)");
      for (;;) {
        auto end = at_stream_end();
        if (!end) return end.error();
        if (*end) return std::optional<TarEntry>();
        if (auto s = read_exact(h, kBlock); !s) return s.error();
        if (!std::all_of(h, h + kBlock, [](char c) { return c == 0; }))
          return error("data after the end-of-archive marker");
      }
    }
    std::string raw_name = field(h, 100);
    current_ = raw_name;
    // Checksum: the header's bytes summed with the checksum field read as spaces
    // (unsigned, as POSIX says; signed too, as some old writers summed).
    auto want = parse_octal(h + 148, 8);
    uint64_t sum_u = 0;
    int64_t sum_s = 0;
    for (size_t i = 0; i < kBlock; ++i) {
      char c = (i >= 148 && i < 156) ? ' ' : h[i];
      sum_u += static_cast<unsigned char>(c);
      sum_s += static_cast<signed char>(c);
    }
    if (!want || (*want != sum_u && static_cast<int64_t>(*want) != sum_s))
      return error("bad header checksum at " + (raw_name.empty() ? std::string("an entry") : raw_name) +
                   " (not a tar archive, or a corrupt one)");
    bool posix = std::memcmp(h + 257, "ustar\0" "00", 8) == 0;
    bool gnu = std::memcmp(h + 257, "ustar  \0", 8) == 0;
    if (!posix && !gnu) return error("not a ustar archive (entry " + raw_name + ")");
    auto size = parse_octal(h + 124, 12);
    if (!size) return error("bad size field at " + raw_name);
    auto mode = parse_octal(h + 100, 8);
    char type = h[156];

    if (type == 'L' || type == 'x') {
      if (*size > kMaxMetaSize) return error("extended header too large at " + raw_name);
      std::string data(*size, '\0');
      if (auto s = read_exact(data.data(), data.size()); !s) return s.error();
      if (auto s = skip((kBlock - *size % kBlock) % kBlock); !s) return s.error();
      if (type == 'L') {
        if (long_name) return error("two GNU long names for one member");
        long_name = std::string(data.c_str());  // NUL-terminated
      } else {
        if (have_pax) return error("two pax headers for one member");
        auto p = parse_pax(data, file_);
        if (!p) return p.error();
        pax = *p;
        have_pax = true;
      }
      continue;
    }

    std::string name;
    if (pax.path) {
      name = *pax.path;
    } else if (long_name) {
      name = *long_name;
    } else {
      name = raw_name;
      std::string prefix = field(h + 345, 155);
      if (posix && !prefix.empty()) name = prefix + "/" + name;
    }
    current_ = name;
    if (type != '0' && type != '\0' && type != '5')
      return core::make_error(core::code::kInvalidArgument,
                              type_name(type) + " refused (a bundle holds regular files and directories only)",
                              name);
    auto path = normalise_path(name);
    if (!path) return path.error();
    TarEntry e;
    e.directory = type == '5' || (!name.empty() && name.back() == '/' && type != '0');
    e.path = *path;
    e.size = pax.size ? *pax.size : *size;
    e.mode = mode ? static_cast<uint32_t>(*mode & 07777) : 0644;
    if (e.directory && e.size != 0) return error("a directory with data: " + name);
    current_ = e.path;
    remaining_ = e.size;
    padding_ = (kBlock - e.size % kBlock) % kBlock;
    data_read_ = false;
    return std::optional<TarEntry>(std::move(e));
  }
}

}  // namespace genesis::bundle
