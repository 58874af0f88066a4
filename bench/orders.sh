#!/usr/bin/env bash
# Time the exact order analysis (orders_analyse) with bench_orders: the #708
# layout and 19-component tables. Prints figures; asserts nothing.
#
# Usage: bench/orders.sh BUILD_DIR [RUNS]
set -euo pipefail

dir=${1:?usage: orders.sh BUILD_DIR [RUNS]}
runs=${2:-101}
[ -f "$dir/CMakeCache.txt" ] || { echo "orders: $dir is not a configured build directory" >&2; exit 2; }
cmake --build "$dir" --target bench_orders >/dev/null
echo "orders_analyse on $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$dir/bench_orders" "$runs"
