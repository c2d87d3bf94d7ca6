#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run THERE: on the GPU host (no node installed), from the root of the copied working tree, with
# the folder .gpu/ made by scripts/gpu-pack.sh carried along. It unpacks node, node_modules, the
# built addon and the compiled JavaScript, prints the GPU and the addon's view of it, then:
#   test [AVA ARGS...]      the ava suite with LANGEVIN_REQUIRE_CUDA=1 (GPU tests must not skip)
#   sanitize [AVA ARGS...]  the suite under compute-sanitizer memcheck, then racecheck
#                           (--target-processes all; SANITIZE_TOOLS="memcheck racecheck" to choose,
#                           SANITIZE_LEAK_CHECK=1 adds memcheck --leak-check full)
#   bench [ARGS...]         node dist/lib/cli/main.js bench --device cuda --json [ARGS...]
#   shell CMD [ARGS...]     any command in this environment ('shell "a | b"': one string runs in bash)
#   setup                   only the unpacking and the checks
# Files for the caller go to $OUT (default ./gpu-out): env.txt plus one log per step, each kept
# under 16 MiB (the tool returns at most 8 files). Exit status: non-zero when any step fails.
# LANGEVIN_REQUIRE_CUDA=0 lets test/sanitize/bench run without a usable GPU (plumbing checks).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PACK="$ROOT/.gpu"
NODE_HOME=/tmp/langevin-node
OUT="${OUT:-$ROOT/gpu-out}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
MODE="${1:-test}"
[[ $# -gt 0 ]] && shift

T0=$SECONDS
step() { printf '\n=== gpu-run: %s  [+%ss]\n' "$*" "$((SECONDS - T0))"; }
warn() { printf 'gpu-run: WARNING: %s\n' "$*" >&2; }
die() { printf 'gpu-run: ERROR: %s\n' "$*" >&2; exit 1; }
# Keep a file returnable: the tool takes files up to 16 MiB; keep the head and the tail.
cap_file() {
  local f="$1" max=$((15 * 1024 * 1024))
  [[ -f $f ]] || return 0
  if (( $(stat -c %s "$f") > max )); then
    { head -c $((max / 4)) "$f"; printf '\n\n[... gpu-run: truncated ...]\n\n'; tail -c $((max / 2)) "$f"; } >"$f.cut"
    mv "$f.cut" "$f"
  fi
}
# xz may be missing on a minimal image: fall back to Python's lzma module.
unxz_to() {  # unxz_to SRC DEST
  if command -v xz >/dev/null; then xz -dc "$1" >"$2"
  else python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}
untar_xz() {  # untar_xz SRC DESTDIR
  if command -v xz >/dev/null; then xz -dc "$1" | tar -C "$2" -xf -
  else python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"
  fi
}

case "$MODE" in
  test|sanitize|bench|shell|setup) ;;
  -h|--help|help) sed -n '2,17p' "$0"; exit 0 ;;
  *) die "unknown mode '$MODE' (test | sanitize | bench | shell CMD... | setup)" ;;
esac

# ---------------------------------------------------------------------------------------------
step "setup: unpack .gpu/"
for f in node.xz langevin.node node_modules.tar.xz dist; do
  [[ -e $PACK/$f ]] || die ".gpu/$f is missing: run 'bash scripts/gpu-pack.sh' on the build machine and carry '.gpu'"
done
[[ -f $PACK/MANIFEST.txt ]] && sed 's/^/  /' "$PACK/MANIFEST.txt"

# node -> /tmp/langevin-node/bin/node (re-unpacked only when .gpu/node.xz changed)
NODE_SUM="$(sha256sum "$PACK/node.xz" | cut -c1-16)"
if [[ -x $NODE_HOME/bin/node && "$(cat "$NODE_HOME/key" 2>/dev/null)" == "$NODE_SUM" ]]; then
  echo "node: already unpacked in $NODE_HOME/bin"
else
  mkdir -p "$NODE_HOME/bin"
  unxz_to "$PACK/node.xz" "$NODE_HOME/bin/node.tmp"
  chmod +x "$NODE_HOME/bin/node.tmp"
  mv "$NODE_HOME/bin/node.tmp" "$NODE_HOME/bin/node"
  echo "$NODE_SUM" >"$NODE_HOME/key"
  echo "node: unpacked to $NODE_HOME/bin/node"
fi
export PATH="$NODE_HOME/bin:$ROOT/node_modules/.bin:$PATH"
[[ "$(command -v node)" == "$NODE_HOME/bin/node" ]] || die "PATH does not pick the unpacked node ($(command -v node))"
echo "node: $(command -v node) $(node --version)"

# node_modules (replaced when the packed tarball's key differs from the unpacked one)
NM_KEY="$(cat "$PACK/node_modules.key" 2>/dev/null || sha256sum "$PACK/node_modules.tar.xz" | cut -c1-16)"
if [[ -d node_modules && "$(cat node_modules/.langevin-gpu-key 2>/dev/null)" == "$NM_KEY" ]]; then
  echo "node_modules: up to date ($NM_KEY)"
else
  [[ -e node_modules ]] && echo "node_modules: replacing (key differs from .gpu's $NM_KEY)"
  rm -rf node_modules
  untar_xz "$PACK/node_modules.tar.xz" "$ROOT"
  echo "$NM_KEY" >node_modules/.langevin-gpu-key
  echo "node_modules: unpacked ($(ls node_modules | wc -l) top-level entries)"
fi

# the addon and the compiled JS, where bindings and the tests look for them
mkdir -p build/Release
cp -f "$PACK/langevin.node" build/Release/langevin.node
rm -rf dist
cp -a "$PACK/dist" dist
echo "addon: build/Release/langevin.node; dist: $(find dist -name '*.test.js' | wc -l) test files"

# ---------------------------------------------------------------------------------------------
step "environment"
{
  echo "host:   $(uname -srm)"
  echo "node:   $(command -v node) $(node --version)"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,utilization.gpu,clocks.sm,clocks.max.sm \
      --format=csv 2>&1 || warn "nvidia-smi failed"
  else
    echo "nvidia-smi: not found (no NVIDIA driver here?)"
  fi
  for t in nvcc compute-sanitizer ncu; do
    printf '%-18s %s\n' "$t:" "$(command -v "$t" || echo 'not found')"
  done
} 2>&1 | tee "$OUT/env.txt"
command -v nvidia-smi >/dev/null || warn "nvidia-smi not found: is this the GPU host?"

echo "addon:"
ADDON_JS='
  const n = require("bindings")({ bindings: "langevin", module_root: process.cwd() });
  const b = n.buildInfo(), c = n.cudaInfo();
  console.log("  buildInfo():", JSON.stringify(b));
  console.log("  cudaInfo(): ", JSON.stringify(c));
  process.exitCode = b.cuda && c.count > 0 ? 0 : 3;'
set +e
node -e "$ADDON_JS" 2>&1 | tee -a "$OUT/env.txt"
ADDON_RC="${PIPESTATUS[0]}"
set -e
case "$ADDON_RC" in
  0) echo "  CUDA backend: usable" ;;
  3) if [[ $MODE == shell || $MODE == setup || ${LANGEVIN_REQUIRE_CUDA:-1} == 0 ]]; then
       warn "the addon reports no usable CUDA device (built without CUDA, or no GPU/driver)"
     else
       die "the addon reports no usable CUDA device (see cudaInfo above); set LANGEVIN_REQUIRE_CUDA=0 to go on anyway"
     fi ;;
  *) die "the addon does not load (exit $ADDON_RC)" ;;
esac

# ---------------------------------------------------------------------------------------------
AVA=(node node_modules/ava/entrypoints/cli.mjs)
export LANGEVIN_REQUIRE_CUDA="${LANGEVIN_REQUIRE_CUDA:-1}"
export FORCE_COLOR=0   # plain ava output in the logs

run_logged() {  # run_logged LOGFILE CMD...  -> the command's exit status
  local log="$1" rc=0; shift
  echo "+ $*" | tee "$log"
  set +e
  "$@" 2>&1 | tee -a "$log"
  rc="${PIPESTATUS[0]}"
  set -e
  echo "exit status: $rc" | tee -a "$log"
  cap_file "$log"
  return "$rc"
}

RC=0
case "$MODE" in
  setup)
    step "setup done"
    ;;

  test)
    step "test: ava (LANGEVIN_REQUIRE_CUDA=$LANGEVIN_REQUIRE_CUDA)"
    run_logged "$OUT/test.log" "${AVA[@]}" "$@" || RC=$?
    ;;

  sanitize)
    command -v compute-sanitizer >/dev/null || die "compute-sanitizer not found on PATH"
    SUMMARY="$OUT/sanitize-summary.txt"
    : >"$SUMMARY"
    for tool in ${SANITIZE_TOOLS:-memcheck racecheck}; do
      step "sanitize: compute-sanitizer --tool $tool (all processes)"
      extra=()
      [[ $tool == memcheck && ${SANITIZE_LEAK_CHECK:-0} == 1 ]] && extra=(--leak-check full)
      TRC=0
      run_logged "$OUT/sanitize-$tool.log" compute-sanitizer --tool "$tool" --target-processes all \
        --error-exitcode 86 --print-limit 200 "${extra[@]}" "${AVA[@]}" "$@" || TRC=$?
      {
        echo "== $tool: exit status $TRC"
        grep -E '(ERROR|RACECHECK|LEAK) SUMMARY|^[[:space:]]*[0-9]+ (tests?|known failures?|uncaught exceptions?|unhandled rejections?) |✘' \
          "$OUT/sanitize-$tool.log" | sort | uniq -c || echo "   (no summary lines found)"
      } | tee -a "$SUMMARY"
      ((TRC == 0)) || RC=$TRC
    done
    ;;

  bench)
    step "bench: node dist/lib/cli/main.js bench --device cuda --json $*"
    [[ -f dist/lib/cli/main.js ]] || die "dist/lib/cli/main.js does not exist: the CLI is not built yet (lib/cli/main.ts)"
    set +e
    node dist/lib/cli/main.js bench --device cuda --json "$@" 2>&1 >"$OUT/bench.json" | tee "$OUT/bench-stderr.log" >&2
    BRC="${PIPESTATUS[0]}"
    set -e
    cat "$OUT/bench.json"
    cap_file "$OUT/bench.json"; cap_file "$OUT/bench-stderr.log"
    ((BRC == 0)) || { warn "bench exited with status $BRC"; RC=$BRC; }
    ;;

  shell)
    [[ $# -gt 0 ]] || die "usage: gpu-run.sh shell CMD [ARGS...]"
    step "shell: $*"
    if [[ $# -eq 1 ]]; then bash -c "$1" || RC=$?; else "$@" || RC=$?; fi
    ;;
esac

step "done: $MODE exit status $RC (files in $OUT: $(ls "$OUT" | tr '\n' ' '))"
exit "$RC"
