#include "core/id.h"

#include <sys/random.h>

#include <array>
#include <cstdint>
#include <random>

namespace genesis::core {

std::string new_uuid() {
  // RAND-per-id costs a system call on the spawn path; a per-thread generator
  // seeded from the kernel's CSPRNG keeps ids unique and unguessable.
  thread_local std::mt19937_64 rng = [] {
    std::array<uint64_t, 4> seed{};
    if (getrandom(seed.data(), sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
      std::random_device rd;
      for (auto& s : seed) s = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }
    std::seed_seq seq{seed[0], seed[1], seed[2], seed[3]};
    return std::mt19937_64(seq);
  }();
  unsigned char b[16];
  uint64_t hi = rng(), lo = rng();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (i * 8));
    b[8 + i] = static_cast<unsigned char>(lo >> (i * 8));
  }
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xF];
  }
  return s;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < 36; ++i) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace genesis::core
