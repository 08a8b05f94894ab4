#!/usr/bin/env bash
# Signs and packs one bundle directory (docs/operations.md, "The air-gapped
# bundle"; src/bundle/bundle.h says what genesis admin verify-bundle accepts).
#   pack.sh DIR KEY OUT.tar.gz
# DIR is the bundle's top directory (its name is the archive's top directory);
# KEY an Ed25519 private key in PEM. Writes into DIR release.pub.pem (KEY's
# public half), SHA256SUMS (sha256sum's format, every file of DIR but
# SHA256SUMS and SHA256SUMS.sig, sorted by path) and SHA256SUMS.sig (the raw
# 64-byte Ed25519 signature, made with OpenSSL's pkeyutl -sign -rawin), then a
# deterministic tar: names sorted, mtime SOURCE_DATE_EPOCH (default: the last
# commit's time, else 0), owner 0:0, modes normalised, gzip without a name or
# time, so the same files and key give the same bytes.
set -euo pipefail
die() { echo "pack.sh: $*" >&2; exit 1; }
[[ $# -eq 3 ]] || die "usage: pack.sh DIR KEY OUT.tar.gz"
dir=$(cd "$1" && pwd) key=$2 out=$3
[[ -f $key ]] || die "no key at $key"
keytext=$(openssl pkey -in "$key" -noout -text 2>/dev/null || true)
[[ $keytext == "ED25519 Private-Key"* ]] ||
  die "$key is not an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)"
# A bundle holds regular files and directories only (genesis admin verify-bundle refuses links).
odd=$(find "$dir" ! -type f ! -type d)
[[ -z $odd ]] || die "not a regular file or directory: $odd"
# sha256sum escapes names holding a backslash or a newline; the verifier reads no escapes.
bad=$(find "$dir" -name '*\\*' -o -name "*"$'\n'"*")
[[ -z $bad ]] || die "a name sha256sum would escape: $bad"

rm -f "$dir/SHA256SUMS" "$dir/SHA256SUMS.sig"
openssl pkey -in "$key" -pubout -out "$dir/release.pub.pem"
sums=$(mktemp)
trap 'rm -f "$sums"' EXIT
(cd "$dir" && find . -type f -printf '%P\n' | LC_ALL=C sort |
   xargs -r -d '\n' sha256sum --) >"$sums"
cp "$sums" "$dir/SHA256SUMS"
openssl pkeyutl -sign -rawin -inkey "$key" -in "$dir/SHA256SUMS" -out "$dir/SHA256SUMS.sig"

src=$(cd "$(dirname "$0")/../.." && pwd)
mtime=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)}
tar --sort=name --format=gnu --mtime="@$mtime" --owner=0 --group=0 --numeric-owner \
    --mode='go-w,a+rX,u+w' -C "$(dirname "$dir")" -cf - "$(basename "$dir")" |
  gzip -9n >"$out.part"
mv "$out.part" "$out"
