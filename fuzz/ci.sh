#!/usr/bin/env bash
# CI for the fuzz targets, on stable and without cargo-fuzz: build them plainly
# (libFuzzer without instrumentation) and run each once over its committed
# seeds and past crashes. Proves the targets compile and no known input
# panics or hangs; finding new inputs is for `cargo fuzz run` (README.md).
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v c++ >/dev/null; then
  echo "fuzz: no C++ compiler for libFuzzer, targets not built"
  exit 0
fi
# The main crate's target folder: `cargo test` has built every dependency there.
cargo build --quiet --target-dir ../target
for target in parse_json post_html input_reader html_repeat; do
  dirs=("corpus/$target")
  [ -d "regressions/$target" ] && dirs+=("regressions/$target")
  # -runs=0: execute every file given, generate nothing; -timeout turns a hang into a failure.
  if ! out=$("../target/debug/$target" -runs=0 -timeout=60 -rss_limit_mb=2048 "${dirs[@]}" 2>&1); then
    printf '%s\n' "$out" | tail -n 40
    echo "fuzz: $target failed on a committed input"
    exit 1
  fi
  echo "fuzz: $target: $(printf '%s\n' "$out" | tail -n 1)"
done
echo "fuzz: targets built; seeds and regressions replayed"
