#!/usr/bin/env bash
# `make bundle`: the air-gapped bundle (docs/operations.md, "The air-gapped bundle").
#   make-bundle.sh BUILD_DIR [DEB [OUT_DIR]]
# DEB defaults to the newest BUILD_DIR/genesis_*.deb (make package writes it),
# OUT_DIR to BUILD_DIR. Writes OUT_DIR/genesis-bundle-<version>-<arch>.tar.gz:
#   genesis-bundle-<version>-<arch>/
#     genesis_<version>_<arch>.deb
#     web/                     the shell               } taken from the package, so
#     content/{attack,policies,playbooks,models,sigma} } they are what it installs
#     docs/                    README.md and docs/     } under /usr/share
#     release.pub.pem, SHA256SUMS, SHA256SUMS.sig      (scripts/bundle/pack.sh)
# The release key is GENESIS_RELEASE_KEY (an Ed25519 private key in PEM). Unset,
# a development key is made once in OUT_DIR/release-dev-key.pem and used, and
# the output says so: such a bundle is for tests, not for shipping.
set -euo pipefail
die() { echo "make-bundle: $*" >&2; exit 1; }
[[ $# -ge 1 && $# -le 3 ]] || die "usage: make-bundle.sh BUILD_DIR [DEB [OUT_DIR]]"
build=$(cd "$1" && pwd)
deb=${2:-$(ls -t "$build"/genesis_*.deb 2>/dev/null | head -1)}
[[ -n $deb && -f $deb ]] || die "no package in $build (make package builds it)"
out_dir=$(mkdir -p "${3:-$build}" && cd "${3:-$build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg-deb -f "$deb" Architecture)
name=genesis-bundle-$version-$arch

dev=
key=${GENESIS_RELEASE_KEY:-}
if [[ -z $key ]]; then
  key=$out_dir/release-dev-key.pem
  if [[ ! -f $key ]]; then
    (umask 077 && openssl genpkey -algorithm ed25519 -out "$key")
  fi
  dev=1
fi

work=$(mktemp -d "$out_dir/.bundle-XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
top=$work/$name
mkdir -p "$top/content"
cp "$deb" "$top/"
share=$work/root/usr/share/genesis
[[ -f $share/web/index.html ]] || die "$deb holds no shell (/usr/share/genesis/web)"
cp -R "$share/web" "$top/web"
for d in attack policies playbooks models sigma; do
  [[ -d $share/$d ]] || die "$deb holds no /usr/share/genesis/$d"
  cp -R "$share/$d" "$top/content/$d"
done
cp -R "$work/root/usr/share/doc/genesis" "$top/docs"

bundle=$out_dir/$name.tar.gz
"$here/pack.sh" "$top" "$key" "$bundle"
fp=$(openssl pkey -in "$key" -pubout -outform DER | sha256sum | cut -d' ' -f1)
files=$(wc -l <"$top/SHA256SUMS")
echo "$bundle"
echo "  $((files + 2)) files, $(du -h "$bundle" | cut -f1), sha256 $(sha256sum "$bundle" | cut -d' ' -f1)"
echo "  SHA256SUMS signed with key SHA256:$fp ($key)"
if [[ -n $dev ]]; then
  echo "  WARNING: signed with a DEVELOPMENT key made on this machine, not a release key:"
  echo "  set GENESIS_RELEASE_KEY=/path/release-key.pem to sign a bundle for shipping."
fi
echo "  check it: genesis admin verify-bundle $bundle --key RELEASE.pub.pem"
