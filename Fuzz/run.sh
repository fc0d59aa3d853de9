#!/usr/bin/env bash
# Builds one libFuzzer target (release, -sanitize=fuzzer,address, every Swift module
# instrumented) and runs it for a bounded time.
#
#   Fuzz/run.sh [target] [seconds] [extra libFuzzer flags...]
#   Fuzz/run.sh FuzzHTTPParser 60
#
# Seeds come from Fuzz/Seeds/<target>/ into the working corpus Fuzz/corpus-<target>/
# (git-ignored, kept between runs); crashes are written to Fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
TARGET=${1:-FuzzHTTPParser}
SECONDS_TO_RUN=${2:-60}
shift $(( $# > 2 ? 2 : $# )) || true
export SWIFT_BACKTRACE=enable=no

# lld: gold (the default) fails with an internal error on the sanitizer objects.
FLAGS=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
swift build "${FLAGS[@]}" --product "$TARGET" 2>&1 | grep -E "error|warning|Build" | tail -3
BIN=$(swift build "${FLAGS[@]}" --show-bin-path)/$TARGET

CORPUS="corpus-$TARGET"
ARTIFACTS="artifacts/$TARGET/"
mkdir -p "$CORPUS" "$ARTIFACTS"
[ -d "Seeds/$TARGET" ] && cp -n "Seeds/$TARGET"/* "$CORPUS"/ 2>/dev/null || true
DICT=()
[ -f "Dictionaries/$TARGET.dict" ] && DICT=(-dict="Dictionaries/$TARGET.dict")

echo "[fuzz] $TARGET for ${SECONDS_TO_RUN}s (corpus $CORPUS, $(ls "$CORPUS" | wc -l) inputs)"
"$BIN" "$CORPUS" "${DICT[@]}" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$ARTIFACTS" -print_final_stats=1 "$@"
