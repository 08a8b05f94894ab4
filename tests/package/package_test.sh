#!/usr/bin/env bash
# The Debian package (make package): builds it from this build directory with
# CPack into a temp dir, checks its control data and contents, extracts it into
# a temp root and starts genesisd from that layout with the shipped
# configuration (re-rooted into the temp root, then pointed at a temp data dir
# and an ephemeral port through the environment) and checks /healthz, the shell
# and the shipped content. Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
tmp=$(mktemp -d /tmp/genesis-package-XXXXXX)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
src=$(cd "$(dirname "$0")/../.." && pwd)
if [[ ! -f $src/web/dist/index.html ]]; then
  echo "SKIPPED: the shell is not built (web/dist; make web or make test build it); no package made"
  exit 77
fi

# 1. Build the package (the binaries are already built; cpack only installs and packs).
(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/out/genesis_*.deb)
echo "package: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# 2. Control data: name, dependencies found by shlibdeps, maintainer scripts, conffiles.
info=$(dpkg-deb -I "$deb")
grep -q '^ Package: genesis$' <<<"$info" || fail "Package field: $info"
grep -q '^ Depends:.*adduser' <<<"$info" || fail "Depends lacks adduser: $info"
grep -q '^ Depends:.*libsqlite3' <<<"$info" || fail "Depends lacks libsqlite3 (shlibdeps): $info"
for f in postinst prerm postrm conffiles; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$f" <<<"$info" || fail "control member $f missing: $info"
done
# Pipelines end in a variable, not in grep -q: grep -q exits at the first match,
# the writer then dies of SIGPIPE and pipefail fails the test at random.
conffiles=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
grep -qx /etc/genesis/genesisd.conf <<<"$conffiles" || fail "genesisd.conf is not a conffile"
mkdir -p "$tmp/ctrl" && dpkg-deb -e "$deb" "$tmp/ctrl"
for f in postinst prerm postrm; do sh -n "$tmp/ctrl/$f" || fail "$f does not parse"; done
grep -q 'adduser --system' "$tmp/ctrl/postinst" || fail "postinst does not create the genesis user"

# 3. Contents: binaries, unit, configuration, shell, shipped content, docs.
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for path in ./usr/bin/genesisd ./usr/bin/genesis ./usr/lib/systemd/system/genesisd.service \
            ./etc/genesis/genesisd.conf ./usr/share/genesis/web/index.html \
            ./usr/share/genesis/attack/catalogue.json ./usr/share/genesis/playbooks/T1490.json \
            ./usr/share/genesis/policies/mitre/ ./usr/share/genesis/models/emotion.bin \
            ./usr/share/genesis/sigma/rules/ ./usr/share/genesis/sigma/LICENSE \
            ./usr/share/doc/genesis/configuration.md ./usr/share/doc/genesis/operations.md; do
  grep -qxF "$path" <<<"$contents" || fail "$path not in the package"
done
unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/systemd/system/genesisd.service)
for line in 'User=genesis' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'PrivateTmp=yes' \
            'StateDirectory=genesis' 'ExecStart=/usr/bin/genesisd --config /etc/genesis/genesisd.conf'; do
  grep -qxF "$line" <<<"$unit" || fail "the unit lacks $line"
done

# 4. Extract and run from the extracted layout with the shipped configuration.
root=$tmp/root
dpkg-deb -x "$deb" "$root"
conf=$tmp/genesisd.conf
sed "s|/usr/share/genesis|$root/usr/share/genesis|g" "$root/etc/genesis/genesisd.conf" >"$conf"
grep -q "^store: sqlite:/var/lib/genesis/genesis.db$" "$conf" || fail "the shipped store is not in /var/lib/genesis"
grep -q "^sigma_rules: $root/usr/share/genesis/sigma/rules$" "$conf" || fail "the shipped configuration does not name the packaged Sigma rules"
export GENESIS_STORE=sqlite:$tmp/data/genesis.db GENESIS_LISTEN=127.0.0.1:0
"$root/usr/bin/genesisd" --config "$conf" --check-config >"$tmp/check.out" 2>&1 ||
  { cat "$tmp/check.out"; fail "--check-config refused the shipped configuration"; }
grep -q 'store: "sqlite:'"$tmp"'/data/genesis.db"  # environment GENESIS_STORE' "$tmp/check.out" ||
  { cat "$tmp/check.out"; fail "the environment does not override the file"; }
"$root/usr/bin/genesisd" --config "$conf" >"$tmp/genesisd.out" 2>"$tmp/genesisd.err" &
pid=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/genesisd.out")
  [[ -n $port ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/genesisd.err"; fail "genesisd exited"; }
  sleep 0.05
done
[[ -n $port ]] || { cat "$tmp/genesisd.err"; fail "genesisd did not say where it listens"; }
health=$(curl -sf "http://127.0.0.1:$port/healthz") || fail "/healthz did not answer"
[[ $health == '{"status":"ok"}' ]] || fail "/healthz answered $health"
shell=$(curl -sf "http://127.0.0.1:$port/") || fail "/ did not answer"
grep -qi '<html' <<<"$shell" || fail "the packaged shell is not served at /"
playbooks=$(curl -sf "http://127.0.0.1:$port/v1/playbooks") || fail "/v1/playbooks did not answer"
shipped=$(ls "$root/usr/share/genesis/playbooks" | wc -l)
served=$(grep -o '"technique"' <<<"$playbooks" | wc -l)
[[ $served -eq $shipped ]] || fail "genesisd serves $served playbooks, the package ships $shipped"
[[ -f $tmp/data/genesis.db ]] || fail "the store is not in the data dir"
kill -TERM "$pid"; wait "$pid" || fail "genesisd did not stop cleanly"
pid=
echo "ok: package contents, control data, and genesisd from the extracted layout (port $port)"
