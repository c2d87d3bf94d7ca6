#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ASan + UBSan run of the native addon: builds it with `build-native.mjs --sanitize` (CPU backend,
# -O1 -g) in a scratch copy of the tree — build-native.mjs always writes <root>/build, so building
# in place would clobber the normal addon — then runs test/sanitize/suite.ts under node with the
# ASan runtime preloaded. Exits non-zero on a build failure, an unsanitized build, a failed check
# or any sanitizer report.
#
# Then the GPU kernels under SIMT emulation (native/simt/selftest.cc and image_selftest.cc,
# standalone, no node): once with ASan+UBSan and once with ThreadSanitizer (shared-memory races
# between emulated threads).
#
#   scripts/sanitize.sh            # needs node_modules (npm install) and gcc/g++ with libasan, libtsan
#   KEEP=1 scripts/sanitize.sh     # keep the scratch tree and log (path printed)
#
# Why detect_leaks=0: node is not built with ASan and, like most runtimes, does not free V8's heap,
# isolates or ICU/OpenSSL globals at exit; LeakSanitizer would report those (hundreds of
# allocations outside the addon) on every run. The addon's own per-run memory is checked instead
# by scripts/soak.mjs (RSS flat over thousands of runs) and by ASan's use-after-free/overflow checks.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
start=$(date +%s)
work="$(mktemp -d "${TMPDIR:-/tmp}/langevin-sanitize.XXXXXX")"
log="$work/sanitize.log"
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "sanitize: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

[ -d "$root/node_modules" ] || { echo "sanitize: run npm install first (node_modules missing)"; exit 1; }
asan="$(gcc -print-file-name=libasan.so)"
[ -e "$asan" ] || { echo "sanitize: libasan not found (gcc -print-file-name=libasan.so gave '$asan')"; exit 1; }

# 1. The tree as git sees it (tracked and untracked-but-not-ignored files), without build/, dist/.
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$work"
else
  tar --exclude=./node_modules --exclude=./build --exclude=./dist --exclude=./.git -cf - . | tar -xf - -C "$work"
fi
ln -s "$root/node_modules" "$work/node_modules"
cd "$work"

# 2. The sanitized addon. build-native.mjs falls back to node-gyp (unsanitized) if cmake-js fails:
#    insist on the ASan and UBSan runtime hooks being in the binary.
echo "== sanitize: building the addon with ASan+UBSan in $work"
node scripts/build-native.mjs --sanitize > "$work/build.log" 2>&1 || { cat "$work/build.log"; echo "sanitize: build failed"; exit 1; }
addon="$work/build/Release/langevin.node"
symbols="$(nm -D "$addon" 2>/dev/null || true)"
if ! grep -q '__asan_' <<<"$symbols" || ! grep -q '__ubsan_handle' <<<"$symbols"; then
  tail -n 30 "$work/build.log"
  echo "sanitize: $addon is not instrumented (cmake-js failed and node-gyp built a plain addon?)"
  exit 1
fi
built=$(date +%s)

# 3. The suite and what it imports, compiled alone.
printf '{ "extends": "./tsconfig.json", "include": ["test/sanitize/**/*.ts"] }\n' > tsconfig.sanitize.json
# Type errors are npm test's to report; the suite runs on whatever tsc emits.
node node_modules/typescript/bin/tsc -p tsconfig.sanitize.json > "$work/tsc.log" 2>&1 || { head -n 20 "$work/tsc.log"; echo "sanitize: tsc reported type errors (running what it emitted)"; }
[ -f dist/test/sanitize/suite.js ] || { echo "sanitize: tsc emitted no dist/test/sanitize/suite.js"; exit 1; }
compiled=$(date +%s)

# 4. Run it with the ASan runtime first in the library list; any report aborts with a distinct code.
echo "== sanitize: running test/sanitize/suite.ts under ASan+UBSan"
set +e
LD_PRELOAD="$asan" \
  ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87" \
  node dist/test/sanitize/suite.js > "$log" 2>&1
status=$?
set -e
cat "$log"
end=$(date +%s)
if grep -qE 'ERROR: AddressSanitizer|runtime error:|UndefinedBehaviorSanitizer|ERROR: LeakSanitizer' "$log"; then
  echo "sanitize: sanitizer report above"
  [ "$status" -ne 0 ] || status=1
fi
if ! grep -q "addon: $addon " "$log"; then
  echo "sanitize: the suite did not load $addon"
  [ "$status" -ne 0 ] || status=1
fi

# 5. The emulated GPU kernels: parity with the core loop (selftest.cc: phase kernels;
#    image_selftest.cc: imaging operators and patch prior), under ASan+UBSan and under TSan.
simt_flags=(-std=c++17 -O1 -g -fno-omit-frame-pointer -ffp-contract=off -pthread)
for prog in selftest image_selftest; do
  if [ "$prog" = selftest ]; then simt_src=(native/simt/selftest.cc native/simt/simt_backend.cc); else simt_src=(native/simt/image_selftest.cc); fi
  for mode in address thread; do
    if [ "$mode" = address ]; then san=(-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all); else san=(-fsanitize=thread); fi
    echo "== sanitize: emulated GPU kernels ($prog) under -fsanitize=${san[0]#-fsanitize=}"
    bin="$work/simt-$prog-$mode"
    if ! g++ "${simt_flags[@]}" "${san[@]}" "${simt_src[@]}" -o "$bin" > "$bin.build.log" 2>&1; then
      cat "$bin.build.log"; echo "sanitize: simt $prog ($mode) failed to build"; status=1; continue
    fi
    set +e
    LANGEVIN_SIMT_TSAN=$([ "$mode" = thread ] && echo 1) \
      ASAN_OPTIONS="halt_on_error=1:exitcode=86" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=87" \
      TSAN_OPTIONS="halt_on_error=1:exitcode=88" "$bin" > "$bin.log" 2>&1
    simt_status=$?
    set -e
    tail -n 4 "$bin.log"
    if [ "$simt_status" -ne 0 ] || grep -qE 'WARNING: ThreadSanitizer|ERROR: AddressSanitizer|runtime error:' "$bin.log"; then
      cat "$bin.log"; echo "sanitize: simt $prog ($mode) failed (exit $simt_status)"; status=1
    fi
  done
done
end=$(date +%s)
echo "sanitize: build $((built - start)) s, compile $((compiled - built)) s, suite+simt $((end - compiled)) s, total $((end - start)) s; exit $status"
exit "$status"
