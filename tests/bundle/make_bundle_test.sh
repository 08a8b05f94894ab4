#!/usr/bin/env bash
# make bundle on this build: the package from cpack (into a temp dir), then
# scripts/bundle/make-bundle.sh twice with a development key made in a temp
# dir (the second run reuses it and gives the same bytes), once with a key
# given by GENESIS_RELEASE_KEY; genesis admin verify-bundle accepts each with
# its key and extracts a bundle whose files are those the package installs.
# Usage: make_bundle_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
genesis=$build/apps/genesis/genesis
tmp=$(mktemp -d /tmp/genesis-make-bundle-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
if [[ ! -f $src/web/dist/index.html ]]; then
  echo "SKIPPED: the shell is not built (web/dist; make web or make test build it); no bundle made"
  exit 77
fi
(cd "$build" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/pkg/genesis_*.deb)
version=$(dpkg-deb -f "$deb" Version) arch=$(dpkg-deb -f "$deb" Architecture)
name=genesis-bundle-$version-$arch

# 1. No GENESIS_RELEASE_KEY: a development key, made once, and said so.
out=$(env -u GENESIS_RELEASE_KEY "$src/scripts/bundle/make-bundle.sh" "$build" "$deb" "$tmp/dev")
echo "$out"
bundle=$tmp/dev/$name.tar.gz
[[ -f $bundle ]] || fail "no $bundle"
grep -q 'WARNING: signed with a DEVELOPMENT key' <<<"$out" || fail "the development key is not announced"
[[ $(stat -c %a "$tmp/dev/release-dev-key.pem") == 600 ]] || fail "the development key is not private to its owner"
openssl pkey -in "$tmp/dev/release-dev-key.pem" -pubout -out "$tmp/dev.pub"
cp "$bundle" "$tmp/first.tar.gz"
env -u GENESIS_RELEASE_KEY "$src/scripts/bundle/make-bundle.sh" "$build" "$deb" "$tmp/dev" >/dev/null
cmp -s "$bundle" "$tmp/first.tar.gz" || fail "the same package and key gave a different bundle"

verified=$("$genesis" admin verify-bundle "$bundle" --key "$tmp/dev.pub" --extract "$tmp/x") ||
  fail "verify-bundle refused make bundle's output: $verified"
echo "$verified"
x=$tmp/x
for f in "$(basename "$deb")" web/index.html content/attack/catalogue.json content/playbooks/T1490.json \
         content/policies/mitre content/models/emotion.bin content/sigma/rules content/sigma/LICENSE \
         docs/README.md docs/operations.md release.pub.pem SHA256SUMS SHA256SUMS.sig; do
  [[ -e $x/$f ]] || fail "$f not in the bundle"
done
cmp -s "$x/$(basename "$deb")" "$deb" || fail "the bundle's package is not the package"
# The content is what the package installs, file for file.
dpkg-deb -x "$deb" "$tmp/root"
diff -r "$tmp/root/usr/share/genesis/web" "$x/web" >/dev/null || fail "web differs from the package's"
for d in attack policies playbooks models sigma; do
  diff -r "$tmp/root/usr/share/genesis/$d" "$x/content/$d" >/dev/null || fail "content/$d differs from the package's"
done
(cd "$x" && sha256sum --quiet -c SHA256SUMS) || fail "sha256sum -c fails on the extracted bundle"
listed=$(wc -l <"$x/SHA256SUMS") present=$(cd "$x" && find . -type f | wc -l)
[[ $present -eq $((listed + 2)) ]] || fail "$present files, SHA256SUMS lists $listed (+ itself and its signature)"

# 2. GENESIS_RELEASE_KEY: that key signs, no warning.
openssl genpkey -algorithm ed25519 -out "$tmp/release.pem" 2>/dev/null
openssl pkey -in "$tmp/release.pem" -pubout -out "$tmp/release.pub"
out=$(GENESIS_RELEASE_KEY=$tmp/release.pem "$src/scripts/bundle/make-bundle.sh" "$build" "$deb" "$tmp/rel")
grep -q WARNING <<<"$out" && fail "a release-key bundle warns: $out"
[[ ! -e $tmp/rel/release-dev-key.pem ]] || fail "a development key was made although a release key was given"
"$genesis" admin verify-bundle "$tmp/rel/$name.tar.gz" --key "$tmp/release.pub" >/dev/null ||
  fail "the release-key bundle does not verify"
rc=0; msg=$("$genesis" admin verify-bundle "$tmp/rel/$name.tar.gz" --key "$tmp/dev.pub" 2>&1) || rc=$?
[[ $rc -eq 1 ]] && grep -q 'SHA256SUMS: the signature does not verify' <<<"$msg" ||
  fail "the release-key bundle verified with the development key: $msg"
echo "ok: make bundle ($(du -h "$bundle" | cut -f1), $listed files listed), deterministic, verified and extracted"
