#!/usr/bin/env bash
# genesis admin verify-bundle on small bundles made by scripts/bundle/pack.sh
# (the code make bundle signs and packs with) and on tampered copies of them:
# each tampering must fail, exit 1, with its own message naming the file.
# Usage: bundle_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
genesis=$build/apps/genesis/genesis
pack=$src/scripts/bundle/pack.sh
tmp=$(mktemp -d /tmp/genesis-bundle-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export SOURCE_DATE_EPOCH=1700000000

openssl genpkey -algorithm ed25519 -out "$tmp/a.pem" 2>/dev/null
openssl pkey -in "$tmp/a.pem" -pubout -out "$tmp/a.pub"
openssl genpkey -algorithm ed25519 -out "$tmp/b.pem" 2>/dev/null
openssl pkey -in "$tmp/b.pem" -pubout -out "$tmp/b.pub"
fp_a=SHA256:$(openssl pkey -pubin -in "$tmp/a.pub" -outform DER | sha256sum | cut -d' ' -f1)

# A small bundle: nested directories, an executable, a name longer than
# ustar's 100 bytes (a GNU 'L' record), an empty file.
top=$tmp/stage/genesis-bundle-t
mkdir -p "$top/web/assets" "$top/content/sigma/rules/windows/process_creation" "$top/docs"
echo '<html>shell</html>' >"$top/web/index.html"
echo 'console.log(1)' >"$top/web/assets/app.js"
long=$top/content/sigma/rules/windows/process_creation/proc_creation_win_a_rule_with_a_name_long_enough_to_need_a_gnu_long_name_record.yml
echo 'title: long' >"$long"
: >"$top/docs/empty.md"
printf '#!/bin/sh\necho hi\n' >"$top/docs/run.sh" && chmod 755 "$top/docs/run.sh"
"$pack" "$top" "$tmp/a.pem" "$tmp/good.tar.gz"

# The same files and key give the same bytes.
"$pack" "$top" "$tmp/a.pem" "$tmp/again.tar.gz"
cmp -s "$tmp/good.tar.gz" "$tmp/again.tar.gz" || fail "two packs of the same files differ"
# (Listings go to a variable first: grep -q exiting early would kill tar with SIGPIPE.)
listing=$(tar -tzvf "$tmp/good.tar.gz")
grep -q ' 0/0 ' <<<"$listing" || fail "owner not normalised"
grep -q ' 2023-11-14 ' <<<"$listing" || fail "mtime not SOURCE_DATE_EPOCH: $listing"

# expect_ok BUNDLE [ARGS...]: verifies, prints the output.
expect_ok() {
  local b=$1; shift
  local out
  out=$("$genesis" admin verify-bundle "$b" --key "$tmp/a.pub" "$@" 2>&1) ||
    fail "$(basename "$b") refused: $out"
  grep -qF "key $fp_a" <<<"$out" || fail "the output does not name the key's fingerprint: $out"
  echo "$out"
}
# expect_refused CASE BUNDLE TEXT [KEY]: exit 1 and TEXT on stderr.
expect_refused() {
  local name=$1 b=$2 text=$3 key=${4:-$tmp/a.pub} out rc=0
  out=$("$genesis" admin verify-bundle "$b" --key "$key" --extract "$tmp/x-$name" 2>&1) || rc=$?
  [[ $rc -eq 1 ]] || fail "$name: exit $rc (want 1): $out"
  grep -qF -- "$text" <<<"$out" || fail "$name: want '$text', got: $out"
  [[ ! -e $tmp/x-$name ]] || fail "$name: files extracted from a refused bundle"
  ls -a "$tmp" | grep -q '^\.x-' && fail "$name: a partial extraction was left behind"
  echo "ok: $name refused: $out"
}
# retar STAGE OUT: packs STAGE as pack.sh does, without signing again.
retar() {
  tar --sort=name --format="${3:-gnu}" --mtime=@1700000000 --owner=0 --group=0 --numeric-owner \
      -C "$1" -cf - genesis-bundle-t | gzip -n >"$2"
}
# tampered NAME: a copy of the signed stage to change.
tampered() { rm -rf "$tmp/$1" && mkdir -p "$tmp/$1" && cp -a "$tmp/stage/genesis-bundle-t" "$tmp/$1/"; }

# 1. The good bundle verifies, and extracts.
expect_ok "$tmp/good.tar.gz"
out=$(expect_ok "$tmp/good.tar.gz" --extract "$tmp/out")
grep -q "^verified .*: 8 files" <<<"$out" || fail "file count: $out"
(cd "$tmp/out" && sha256sum --quiet -c SHA256SUMS) || fail "extracted files do not match SHA256SUMS"
[[ -f $tmp/out/release.pub.pem && -f $tmp/out/SHA256SUMS.sig ]] || fail "extraction incomplete"
[[ -x $tmp/out/docs/run.sh && ! -x $tmp/out/web/index.html ]] || fail "modes not kept"
openssl pkeyutl -verify -pubin -inkey "$tmp/a.pub" -rawin -in "$tmp/out/SHA256SUMS" \
  -sigfile "$tmp/out/SHA256SUMS.sig" >/dev/null || fail "openssl does not verify the signature"
rc=0; out=$("$genesis" admin verify-bundle "$tmp/good.tar.gz" --key "$tmp/a.pub" --extract "$tmp/out" 2>&1) || rc=$?
[[ $rc -eq 1 ]] && grep -q 'exists and is not an empty directory' <<<"$out" || fail "extract over a full dir: $out"
json=$("$genesis" --json admin verify-bundle "$tmp/good.tar.gz" --key "$tmp/a.pub")
grep -qF "\"key_fingerprint\":\"$fp_a\"" <<<"$json" || fail "--json: $json"

# 2. pax format ('x' records for long names) verifies too.
retar "$tmp/stage" "$tmp/pax.tar.gz" pax
tar -tvzf "$tmp/pax.tar.gz" >/dev/null
expect_ok "$tmp/pax.tar.gz" >/dev/null && echo "ok: pax format verifies"

# 3. Tampering.
tampered changed && echo '<html>evil</html>' >"$tmp/changed/genesis-bundle-t/web/index.html"
retar "$tmp/changed" "$tmp/changed.tar.gz"
expect_refused changed "$tmp/changed.tar.gz" \
  "genesis-bundle-t/web/index.html: SHA-256 does not match SHA256SUMS"

tampered added && echo 'evil()' >"$tmp/added/genesis-bundle-t/web/assets/extra.js"
retar "$tmp/added" "$tmp/added.tar.gz"
expect_refused added "$tmp/added.tar.gz" "genesis-bundle-t/web/assets/extra.js: not listed in SHA256SUMS"

tampered removed && rm "$tmp/removed/genesis-bundle-t/web/assets/app.js"
retar "$tmp/removed" "$tmp/removed.tar.gz"
expect_refused removed "$tmp/removed.tar.gz" \
  "genesis-bundle-t/web/assets/app.js: listed in SHA256SUMS but missing from the bundle"

# A file replaced and its line in SHA256SUMS edited to match: the signature fails.
tampered sums && d=$tmp/sums/genesis-bundle-t
echo '<html>evil</html>' >"$d/web/index.html"
new=$(sha256sum "$d/web/index.html" | cut -d' ' -f1)
sed -i "s|^[0-9a-f]*  web/index.html\$|$new  web/index.html|" "$d/SHA256SUMS"
retar "$tmp/sums" "$tmp/sums.tar.gz"
expect_refused sums "$tmp/sums.tar.gz" \
  "genesis-bundle-t/SHA256SUMS: the signature does not verify with key $fp_a"

# Signed with another key (whose public half the bundle carries): refused with
# the trusted key, accepted with the other one.
rm -rf "$tmp/other" && mkdir -p "$tmp/other" && cp -a "$top" "$tmp/other/"
"$pack" "$tmp/other/genesis-bundle-t" "$tmp/b.pem" "$tmp/other.tar.gz"
expect_refused otherkey "$tmp/other.tar.gz" \
  "genesis-bundle-t/SHA256SUMS: the signature does not verify with key $fp_a"
"$genesis" admin verify-bundle "$tmp/other.tar.gz" --key "$tmp/b.pub" >/dev/null ||
  fail "the other key's bundle does not verify with the other key"

size=$(stat -c %s "$tmp/good.tar.gz")
head -c $((size / 2)) "$tmp/good.tar.gz" >"$tmp/truncated.tar.gz"
expect_refused truncated "$tmp/truncated.tar.gz" "truncated.tar.gz: truncated: the gzip stream ends early"
head -c $((size - 4)) "$tmp/good.tar.gz" >"$tmp/short.tar.gz"
expect_refused short "$tmp/short.tar.gz" "short.tar.gz: truncated"
{ cat "$tmp/good.tar.gz"; echo junk; } >"$tmp/trailing.tar.gz"
expect_refused trailing "$tmp/trailing.tar.gz" "trailing.tar.gz: data after the end of the gzip stream"
cp "$tmp/good.tar.gz" "$tmp/flipped.tar.gz"
printf '\xff' | dd of="$tmp/flipped.tar.gz" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_refused flipped "$tmp/flipped.tar.gz" "flipped.tar.gz: "

# Archives no tar tool writes from a directory: made member by member.
craft() {  # craft OUT FORMAT NAME [TYPE [LINK]]: the good bundle's members, plus one.
  python3 - "$tmp/good.tar.gz" "$@" <<'PY'
import io, sys, tarfile
src, out, fmt, name = sys.argv[1:5]
kind = sys.argv[5] if len(sys.argv) > 5 else "file"
link = sys.argv[6] if len(sys.argv) > 6 else ""
with tarfile.open(src, "r:gz") as t, tarfile.open(out, "w:gz", format=getattr(tarfile, fmt)) as o:
    for m in t.getmembers():
        o.addfile(m, t.extractfile(m) if m.isfile() else None)
    i = tarfile.TarInfo(name)
    if kind == "symlink":
        i.type, i.linkname = tarfile.SYMTYPE, link
        o.addfile(i)
    elif kind == "hardlink":
        i.type, i.linkname = tarfile.LNKTYPE, link
        o.addfile(i)
    else:
        data = b"evil\n"
        i.size = len(data)
        o.addfile(i, io.BytesIO(data))
PY
}
craft "$tmp/dotdot.tar.gz" GNU_FORMAT "genesis-bundle-t/web/../../evil.sh"
expect_refused dotdot "$tmp/dotdot.tar.gz" "genesis-bundle-t/web/../../evil.sh: path with '..' refused"
craft "$tmp/dotdotpax.tar.gz" PAX_FORMAT "genesis-bundle-t/$(printf 'd%.0s' {1..120})/../../../evil.sh"
expect_refused dotdotpax "$tmp/dotdotpax.tar.gz" "/../../../evil.sh: path with '..' refused"
craft "$tmp/absolute.tar.gz" GNU_FORMAT "/etc/cron.d/evil"
expect_refused absolute "$tmp/absolute.tar.gz" "/etc/cron.d/evil: absolute path refused"
craft "$tmp/symlink.tar.gz" GNU_FORMAT "genesis-bundle-t/web/passwd" symlink /etc/passwd
expect_refused symlink "$tmp/symlink.tar.gz" "genesis-bundle-t/web/passwd: a symbolic link refused"
craft "$tmp/hardlink.tar.gz" GNU_FORMAT "genesis-bundle-t/web/shadow" hardlink ../../etc/shadow
expect_refused hardlink "$tmp/hardlink.tar.gz" "genesis-bundle-t/web/shadow: a hard link refused"
craft "$tmp/twice.tar.gz" GNU_FORMAT "genesis-bundle-t/web/index.html"
expect_refused twice "$tmp/twice.tar.gz" "genesis-bundle-t/web/index.html: appears twice in the archive"
craft "$tmp/belowfile.tar.gz" GNU_FORMAT "genesis-bundle-t/web/index.html/x.js"
expect_refused belowfile "$tmp/belowfile.tar.gz" "inside genesis-bundle-t/web/index.html, which is a file"
craft "$tmp/dirfile.tar.gz" GNU_FORMAT "genesis-bundle-t/web/assets"
expect_refused dirfile "$tmp/dirfile.tar.gz" "genesis-bundle-t/web/assets: appears twice in the archive"
craft "$tmp/outside.tar.gz" GNU_FORMAT "elsewhere/evil.sh"
expect_refused outside "$tmp/outside.tar.gz" "elsewhere/evil.sh: outside the bundle's top directory genesis-bundle-t/"

# Not a bundle, not a key.
echo 'not gzip' >"$tmp/plain.tar.gz"
expect_refused notgzip "$tmp/plain.tar.gz" "plain.tar.gz: not a valid gzip stream"
expect_refused nofile "$tmp/none.tar.gz" "none.tar.gz: cannot open"
expect_refused badkey "$tmp/good.tar.gz" "a.pem: not a PEM public key" "$tmp/a.pem"
echo "ok: every tampered bundle refused"
