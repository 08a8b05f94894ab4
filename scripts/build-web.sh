#!/usr/bin/env bash
# Builds the browser shell into web/dist: installs npm packages (only when
# node_modules is missing or package-lock.json changed), compiles the C++ layout
# kernel (src/layout) to WebAssembly with Debian's clang, generates the API types
# from api/openapi.yaml, type-checks the TypeScript (strict) and bundles it with
# Vite. Skips steps that are up to date.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/web"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

stamp=node_modules/.genesis-lock
if [[ ! -d node_modules || ! -f $stamp ]] || ! cmp -s package-lock.json "$stamp"; then
  echo "build-web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

mkdir -p build
wasm=build/layout.wasm
wasm_srcs=("$root/src/layout/layout.cc" "$root/src/layout/layout_wasm.cc" "$root/src/layout/layout.h"
           "$root/src/core/result.h" "$0")
stale=0
[[ -f $wasm ]] || stale=1
for s in "${wasm_srcs[@]}"; do [[ $s -nt $wasm ]] && stale=1; done
if ((stale)); then
  echo "build-web: layout.wasm (clang --target=wasm32-wasi)"
  clang++ --target=wasm32-wasi -std=c++20 -O3 -msimd128 -fno-math-errno -fno-exceptions -mexec-model=reactor \
    -I"$root/src" -Wl,--no-entry -Wl,--strip-all \
    "$root/src/layout/layout.cc" "$root/src/layout/layout_wasm.cc" -o "$wasm.tmp"
  mv "$wasm.tmp" "$wasm"
fi

# The shell's API types come from the contract, never from a second copy.
api_spec="$root/api/openapi.yaml"
api_types=src/api.gen.ts
if [[ ! -f $api_types || $api_spec -nt $api_types || package-lock.json -nt $api_types ]]; then
  echo "build-web: src/api.gen.ts (openapi-typescript api/openapi.yaml)"
  npx openapi-typescript "$api_spec" --output "$api_types.tmp" >/dev/null
  mv "$api_types.tmp" "$api_types"
fi

if [[ -f dist/index.html ]] &&
   [[ -z $(find src index.html vite.config.ts tsconfig.json package-lock.json "$wasm" -newer dist/index.html -print -quit) ]]; then
  exit 0
fi
echo "build-web: tsc + vite build"
npx tsc --noEmit -p .
npx vite build --logLevel warn
