#!/usr/bin/env bash
# Build the libFuzzer targets (build-fuzz, clang) and run each for a fixed
# time on a scratch copy of its seed corpus (fuzz/corpus/<target>, never
# written). Usage: tools/fuzz.sh [SECONDS] [TARGET...]  (default 10 s, all)
# Crash inputs go to build-fuzz/findings/<target>/; exits 1 when any target
# found one. Runs for different targets may go on at the same time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build-fuzz
secs=${1:-10}
shift || true
all=(fuzz_parse fuzz_policy fuzz_loader fuzz_verdict fuzz_explain
	fuzz_service fuzz_exits fuzz_probe)
targets=("$@")
[ $# -gt 0 ] || targets=("${all[@]}")

# One build at a time: concurrent runs wait for each other here.
mkdir -p "$dir"
(
	flock 9
	CC=clang cmake -S "$root" -B "$dir" -DXSVM_FUZZ=ON -DXSVM_TESTS=OFF \
		>/dev/null
	cmake --build "$dir" -j"$(nproc)" -- --quiet >/dev/null
) 9>"$dir/.build.lock"

found=0
for t in "${targets[@]}"; do
	case $t in
	fuzz_loader) max_len=1048576 ;;
	*) max_len=65536 ;;
	esac
	[ -x "$dir/$t" ] || { echo "fuzz: no target $t" >&2; exit 2; }
	scratch=$(mktemp -d "$dir/scratch-$t.XXXXXX")
	findings=$dir/findings/$t
	mkdir -p "$scratch/corpus" "$findings"
	cp -r "$root/fuzz/corpus/$t/." "$scratch/corpus/" 2>/dev/null || true
	log=$dir/$t.log
	rc=0
	t0=$(date +%s)
	(cd "$scratch" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$dir/$t" -max_total_time="$secs" -max_len="$max_len" \
		-timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
		-artifact_prefix="$findings/" corpus) >"$log" 2>&1 || rc=$?
	took=$(($(date +%s) - t0))
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
	execs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" |
		grep -oE '[0-9]+$' || echo "?")
	rate=$(grep -oE '^stat::average_exec_per_sec: *[0-9]+' "$log" |
		grep -oE '[0-9]+$' || echo "?")
	cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | tail -n 1 || true)
	if [ "$rc" -ne 0 ]; then
		found=1
		what=$(grep -E 'ERROR: |invariant failed|runtime error' "$log" |
			head -n 1 || true)
		echo "$t: FOUND (exit $rc) ${what:-see $log}; inputs in $findings"
	else
		echo "$t: ok"
	fi
	echo "  ${took}s, $execs executions, $rate exec/s, ${cov:-cov: ?}, log $log"
	rm -rf "$scratch"
done
exit $found
