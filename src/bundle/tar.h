// Internal to src/bundle: a streaming reader of gzip'd tar archives that
// refuses what a bundle must not hold (bundle.h lists it).
//
//   archive := { [pax 'x' header] [GNU 'L' header] member } end
//   member  := header(512) data padded to 512   (regular file '0'/'\0', directory '5')
//   end     := two zero blocks, then zero padding up to the end of the gzip stream
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

typedef struct z_stream_s z_stream;

namespace genesis::bundle {

struct TarEntry {
  bool directory = false;  // else a regular file
  std::string path;        // normalised: relative, no '.', '..' or empty components
  uint64_t size = 0;
  uint32_t mode = 0;
};

// Normalises an archive path: drops "." and empty components; refuses an
// absolute path, a '..' component or an empty name (errors name `raw`).
core::Result<std::string> normalise_path(std::string_view raw);

class TarReader {
 public:
  // Opens FILE (a gzip'd tar). Errors: not_found / unavailable.
  static core::Result<std::unique_ptr<TarReader>> open(const std::string& file);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next member, or nullopt after the end-of-archive marker (and a check
  // that the gzip stream ends there, CRC included). The previous member's data
  // is skipped when it was not read.
  core::Result<std::optional<TarEntry>> next();

  // Passes the current member's data to `sink` in chunks; once per member.
  core::Status read_data(const std::function<core::Status(std::string_view)>& sink);

 private:
  TarReader() = default;
  // Fills `out` with exactly n decompressed bytes; errors on a truncated,
  // corrupt or over-long stream.
  core::Status read_exact(char* out, size_t n);
  // True when the gzip stream has ended (no byte left), after checking nothing follows it.
  core::Result<bool> at_stream_end();
  core::Status skip(uint64_t n);
  core::Error error(const std::string& message) const;

  std::string file_;
  std::FILE* f_ = nullptr;
  std::unique_ptr<z_stream> z_;
  bool z_init_ = false;
  bool z_end_ = false;
  std::string in_;        // compressed input buffer (z_->next_in points into it)
  uint64_t remaining_ = 0;  // data bytes of the current member not yet read
  uint64_t padding_ = 0;    // its padding to 512
  bool data_read_ = true;
  std::string current_;    // the current member's path, for errors
};

}  // namespace genesis::bundle
