// The air-gapped bundle: one gzip'd tar (made by `make bundle`,
// scripts/bundle/pack.sh) checked offline against a release public key.
//
// What a bundle is (docs/operations.md, "The air-gapped bundle"):
//
//   TOP/                       one top directory, e.g. genesis-bundle-0.1.0-amd64/
//     SHA256SUMS               "<64 hex>  <path>" per line, sha256sum's format, one line
//                              for every other file of the bundle (paths relative to TOP)
//     SHA256SUMS.sig           the raw 64-byte Ed25519 signature of SHA256SUMS
//     ...                      everything else: regular files and directories only
//
// The archive is read as a stream: ustar headers (POSIX "ustar\0" or GNU "ustar  "
// magic), GNU 'L' long names, pax 'x' records (path and size honoured, time and
// owner keys ignored, any other key refused). Refused, each with one error that
// names the entry: absolute paths, '..' components, links of any kind (a link is
// an unsigned second name for other content, inside the bundle or not), devices,
// FIFOs, sparse or global-pax entries, a name that appears twice, a file inside a
// file, entries outside TOP, a bad header checksum, a truncated or corrupt gzip
// stream, data after the end of the gzip stream.
//
// Trust: only the public key the caller passes is trusted. A copy of the release
// key inside the bundle (TOP/release.pub.pem) is covered by SHA256SUMS like any
// other file but never used to verify.
//
// Thread-safety: the functions share no state; call them from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace genesis::bundle {

// One regular file of a verified bundle.
struct File {
  std::string path;    // relative to the bundle's top directory, '/'-separated
  std::string sha256;  // lowercase hex
  uint64_t size = 0;
  bool executable = false;  // the owner-execute bit of the archive's mode
};

struct Verified {
  std::string top;              // the bundle's top directory in the archive
  std::string key_fingerprint;  // "SHA256:<hex>" of the DER SubjectPublicKeyInfo of the key used
  std::vector<File> files;      // every file (SHA256SUMS and its signature too), sorted by path
  uint64_t bytes = 0;           // their total size
  // The bundle's own TOP/release.pub.pem: "" when absent, else its fingerprint
  // (informational only; it played no part in the verification).
  std::string bundled_key_fingerprint;
};

// The fingerprint of an Ed25519 public key in PEM (SubjectPublicKeyInfo):
// "SHA256:" + hex SHA-256 of its DER form, as
// `openssl pkey -pubin -in KEY -outform DER | sha256sum` prints it.
// Errors: invalid_argument (not a PEM public key, not Ed25519), not_found.
core::Result<std::string> key_fingerprint(const std::string& public_key_pem_file);

// Verifies BUNDLE (a .tar.gz) with the Ed25519 public key in PUBLIC_KEY_PEM_FILE:
// the archive's structure, the signature of SHA256SUMS, then every file's
// SHA-256 against it; a file the archive holds but SHA256SUMS does not list, or
// one listed but absent, fails it. On failure every problem found is appended
// to *problems (one Error each, `where` naming the file: the archive, an entry,
// SHA256SUMS or the key) and the first is returned; structural problems (a
// corrupt archive, a bad signature) stop at once, per-file ones are all listed.
core::Result<Verified> verify(const std::string& bundle, const std::string& public_key_pem_file,
                              std::vector<core::Error>* problems);

// Writes the files of a bundle that verify() accepted into DIR (which must not
// exist, or be empty), without the top directory: DIR/SHA256SUMS, DIR/... . The
// archive is read again and every file hashed again against `verified` (the
// file on disk may have changed since); the files go to a temporary sibling of
// DIR that is renamed to DIR only when all matched, so DIR never holds a
// partial or unverified bundle. Modes: 0755 for files the archive marks
// owner-executable, else 0644; directories 0755.
core::Status extract(const std::string& bundle, const Verified& verified, const std::string& dir);

}  // namespace genesis::bundle
