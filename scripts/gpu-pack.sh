#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run HERE, on the build machine (nvcc, node, npm; no GPU). The GPU host has a GPU but no node.
# Builds the addon with CUDA and the TypeScript, then assembles the git-ignored folder .gpu/ that
# the device tool carries to the GPU host, where scripts/gpu-run.sh unpacks and uses it:
#   .gpu/node.xz               this machine's node binary, xz-compressed
#   .gpu/langevin.node         build/Release/langevin.node (CPU + CUDA backends, static cudart)
#   .gpu/dist/                 compiled JavaScript (lib + tests), built fresh from the sources
#   .gpu/node_modules.tar.xz   runtime dependencies + ava and fast-check (no build tools)
#   .gpu/MANIFEST.txt          what was packed, from which commit, with checksums
# Options: --skip-native (reuse build/Release/langevin.node), --skip-ts (reuse .gpu/dist),
#          --cpu-ok (accept an addon built without CUDA). Env: GPU_PACK_NODE (node binary to
#          pack; default `command -v node`), GPU_PACK_DROP (extra package names to leave out).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PACK="$ROOT/.gpu"
LIMIT_BYTES=$((60 * 1024 * 1024))   # .gpu/ must stay well under the tool's 64 MiB (tree included)

SKIP_NATIVE=0 SKIP_TS=0 CPU_OK=0
for a in "$@"; do
  case "$a" in
    --skip-native) SKIP_NATIVE=1 ;;
    --skip-ts) SKIP_TS=1 ;;
    --cpu-ok) CPU_OK=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "gpu-pack: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done

T0=$SECONDS
step() { printf '\n=== gpu-pack: %s  [+%ss]\n' "$*" "$((SECONDS - T0))"; }
die() { printf 'gpu-pack: ERROR: %s\n' "$*" >&2; exit 1; }
human() { numfmt --to=iec-i --suffix=B --format='%.1f' "$1" 2>/dev/null || echo "$1 B"; }

command -v node >/dev/null || die "node is not on PATH"
command -v npm >/dev/null || die "npm is not on PATH"
command -v xz >/dev/null || die "xz is not installed (apt-get install xz-utils)"
[[ -d node_modules/cmake-js ]] || die "node_modules is missing here: run 'npm install' first"

mkdir -p "$PACK"
if ! git check-ignore -q .gpu/node.xz; then
  echo '/.gpu/' >>.gitignore
  echo "gpu-pack: added /.gpu/ to .gitignore"
fi

# ---------------------------------------------------------------------------------------------
step "1/5 native addon (node scripts/build-native.mjs)"
if [[ $SKIP_NATIVE == 1 ]]; then
  echo "skipped (--skip-native)"
else
  node scripts/build-native.mjs || die "native build failed"
fi
ADDON="build/Release/langevin.node"
[[ -f $ADDON ]] || die "$ADDON not found"
INFO="$(node -e "const n=require('bindings')({bindings:'langevin',module_root:process.cwd()});console.log(JSON.stringify(n.buildInfo()))")" \
  || die "the built addon does not load here"
echo "buildInfo: $INFO"
if [[ $INFO != *'"cuda":true'* ]]; then
  [[ $CPU_OK == 1 ]] || die "the addon was built WITHOUT the CUDA backend (is nvcc on PATH? did cmake-js fall back to node-gyp?). Use --cpu-ok to pack it anyway."
  echo "WARNING: packing a CPU-only addon (--cpu-ok)"
fi
if command -v cuobjdump >/dev/null; then
  echo "embedded GPU code: $(cuobjdump --list-elf "$ADDON" 2>/dev/null | grep -o 'sm_[0-9a-z]*' | sort -u | tr '\n' ' ')$(cuobjdump --list-ptx "$ADDON" 2>/dev/null | grep -o 'sm_[0-9a-z]*' | sort -u | sed 's/^/ptx:/' | tr '\n' ' ')"
fi
cp -f "$ADDON" "$PACK/langevin.node"

# ---------------------------------------------------------------------------------------------
step "2/5 TypeScript -> .gpu/dist (fresh, so no stale files from deleted sources; ./dist untouched)"
if [[ $SKIP_TS == 1 ]]; then
  [[ -d $PACK/dist ]] || die "--skip-ts given but .gpu/dist does not exist"
  echo "skipped (--skip-ts)"
else
  TSOUT="$(mktemp -d "$PACK/dist.tmp.XXXXXX")"; chmod 755 "$TSOUT"
  if ! node node_modules/typescript/bin/tsc -p tsconfig.json --outDir "$TSOUT"; then
    rm -rf "$TSOUT"
    die "tsc failed (see errors above)"
  fi
  rm -rf "$PACK/dist"
  mv "$TSOUT" "$PACK/dist"
fi
echo "$(find "$PACK/dist" -name '*.test.js' | wc -l) test files, $(find "$PACK/dist" -name '*.js' | wc -l) JS files"

# ---------------------------------------------------------------------------------------------
step "3/5 node binary -> .gpu/node.xz"
NODE_BIN="$(readlink -f "${GPU_PACK_NODE:-$(command -v node)}")"
[[ -x $NODE_BIN ]] || die "node binary '$NODE_BIN' is not executable"
NODE_KEY="$("$NODE_BIN" --version) $(stat -c '%s %Y' "$NODE_BIN") $NODE_BIN"
if [[ -f $PACK/node.xz && -f $PACK/node.key && "$(cat "$PACK/node.key")" == "$NODE_KEY" ]]; then
  echo "up to date ($NODE_KEY)"
else
  echo "compressing $NODE_BIN ($("$NODE_BIN" --version), $(human "$(stat -c %s "$NODE_BIN")")) ..."
  xz -T2 -6 -c "$NODE_BIN" >"$PACK/node.xz.tmp"
  mv "$PACK/node.xz.tmp" "$PACK/node.xz"
  echo "$NODE_KEY" >"$PACK/node.key"
fi
echo "node needs: $(ldd "$NODE_BIN" 2>/dev/null | awk '/=>/{print $1}' | tr '\n' ' ')"

# ---------------------------------------------------------------------------------------------
step "4/5 node_modules (runtime deps + ava + fast-check; no build tools) -> .gpu/node_modules.tar.xz"
# Build-only packages, never needed on the GPU host (the addon is already built):
DROP="cmake-js node-gyp node-addon-api typescript tsx esbuild ${GPU_PACK_DROP:-}"
STAGE="$(mktemp -d /tmp/langevin-gpu-pack.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
DROP="$DROP" node -e '
  const fs = require("fs");
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const drop = new Set(process.env.DROP.split(/\s+/).filter(Boolean));
  const keep = (deps) => Object.fromEntries(Object.entries(deps || {})
    .filter(([n]) => !drop.has(n) && !n.startsWith("@types/")));
  const out = { name: pkg.name + "-gpu-runtime", version: pkg.version, private: true,
    type: pkg.type, dependencies: keep(pkg.dependencies), devDependencies: keep(pkg.devDependencies) };
  fs.writeFileSync(process.argv[1] + "/package.json", JSON.stringify(out, null, 2) + "\n");
  console.log("dependencies:   ", Object.keys(out.dependencies).join(" "));
  console.log("devDependencies:", Object.keys(out.devDependencies).join(" "));
' "$STAGE"
# The lock file pins the same versions as here; npm drops the entries no longer needed.
[[ -f package-lock.json ]] && cp package-lock.json "$STAGE/"
NM_KEY="$( (cat "$STAGE/package.json"; [[ -f $STAGE/package-lock.json ]] && cat "$STAGE/package-lock.json"; echo "$DROP") | sha256sum | cut -c1-16)"
if [[ -f $PACK/node_modules.tar.xz && -f $PACK/node_modules.key && "$(cat "$PACK/node_modules.key")" == "$NM_KEY" ]]; then
  echo "up to date (key $NM_KEY)"
else
  NPM_RC=0
  (cd "$STAGE" && npm install --omit=optional --ignore-scripts --no-audit --no-fund --prefer-offline \
      --loglevel=error >"$STAGE/npm.log" 2>&1) || NPM_RC=$?
  grep -v 'Unknown user config "nodedir"' "$STAGE/npm.log" || true
  [[ $NPM_RC == 0 ]] || die "npm install in $STAGE failed (exit $NPM_RC)"
  [[ -d $STAGE/node_modules/ava ]] || die "npm install in $STAGE did not install ava"
  BEFORE="$(du -sb "$STAGE/node_modules" | cut -f1)"
  # Prune what nothing loads at run time: docs, type declarations, source maps, and the top-level
  # test/doc/example folders of each package.
  find "$STAGE/node_modules" -type f \( -iname '*.md' -o -iname '*.markdown' -o -name '*.map' \
      -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.tsbuildinfo' \
      -o -name '.npmignore' -o -name '.eslintrc*' -o -name '.prettierrc*' -o -name '.editorconfig' \
      -o -name '.travis.yml' -o -name 'tsconfig*.json' \) -delete
  for pkgdir in "$STAGE"/node_modules/* "$STAGE"/node_modules/@*/*; do
    [[ -f $pkgdir/package.json ]] || continue
    rm -rf "$pkgdir"/{test,tests,__tests__,doc,docs,example,examples,.github,coverage,benchmark,benchmarks}
  done
  AFTER="$(du -sb "$STAGE/node_modules" | cut -f1)"
  echo "node_modules: $(ls "$STAGE/node_modules" | wc -l) top-level entries, $(human "$BEFORE") -> $(human "$AFTER") after pruning"
  # Smoke test of the pruned tree: ava's CLI and every runtime dependency must still load.
  (cd "$STAGE" && node node_modules/ava/entrypoints/cli.mjs --version >/dev/null) || die "pruned ava does not start"
  (cd "$STAGE" && node -e '
     const deps = Object.keys(require("./package.json").dependencies || {});
     for (const d of deps) require.resolve(d);
     require("fast-check"); console.log("resolved:", deps.concat("fast-check").join(" "));') \
    || die "pruned node_modules misses a dependency"
  echo "$NM_KEY" >"$STAGE/node_modules/.langevin-gpu-key"
  tar -C "$STAGE" -cf - node_modules | xz -T2 -6 -c >"$PACK/node_modules.tar.xz.tmp"
  mv "$PACK/node_modules.tar.xz.tmp" "$PACK/node_modules.tar.xz"
  echo "$NM_KEY" >"$PACK/node_modules.key"
fi

# ---------------------------------------------------------------------------------------------
step "5/5 manifest and sizes"
{
  echo "packed:     $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
  echo "commit:     $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($(git status --porcelain 2>/dev/null | wc -l) changed/untracked paths)"
  echo "node:       $("$NODE_BIN" --version) ($NODE_BIN)"
  echo "buildInfo:  $INFO"
  echo "sha256:"
  (cd "$PACK" && sha256sum node.xz langevin.node node_modules.tar.xz | sed 's/^/  /')
} >"$PACK/MANIFEST.txt"
cat "$PACK/MANIFEST.txt"
echo
printf '%-28s %12s\n' file size
for f in node.xz langevin.node node_modules.tar.xz dist MANIFEST.txt; do
  printf '%-28s %12s\n' ".gpu/$f" "$(human "$(du -sb "$PACK/$f" | cut -f1)")"
done
TOTAL="$(du -sb "$PACK" | cut -f1)"
printf '%-28s %12s\n' ".gpu/ (total)" "$(human "$TOTAL")"
TREE="$(git ls-files -co --exclude-standard -z | du -cb --files0-from=- 2>/dev/null | tail -1 | cut -f1)"
printf '%-28s %12s\n' "working tree that travels" "$(human "$TREE")"
printf '%-28s %12s   (tool limit: 64 MiB)\n' "tree + .gpu" "$(human $((TREE + TOTAL)))"
((TOTAL < LIMIT_BYTES)) || die ".gpu/ is $(human "$TOTAL"), over the 60 MiB budget: prune node_modules further"
((TREE + TOTAL < 64 * 1024 * 1024)) || die "working tree + .gpu/ exceed the tool's 64 MiB"
echo
echo "gpu-pack: done in $((SECONDS - T0))s. On the GPU host: bash scripts/gpu-run.sh test   (carry: .gpu)"
