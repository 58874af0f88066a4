#!/usr/bin/env bash
# `xsvm cpuid check --against-log LOG`: a kernel log against the model, in
# each log format (dmesg, /dev/kmsg, the journal), a log that differs, and
# bad input.
#
# Usage: bash against_log_test.sh PATH_TO_XSVM TEST_DATA_DIR
set -u
X=${1:?usage: against_log_test.sh PATH_TO_XSVM TEST_DATA_DIR}
DATA=${2:?usage: against_log_test.sh PATH_TO_XSVM TEST_DATA_DIR}
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"

# Tiger Lake's table with leaf 0xD built for the state Linux 6.1 enters
dump=$tmp/tigerlake.txt
"$X" cpuid build --cpuid "$DATA/cpuid-dumps/intel-tigerlake.txt" --linux 6.1 >"$dump"
banner="Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)"

# The model's lines for Linux 6.1.119, as the kernel would log them.
"$X" cpuid check "$dump" --linux 6.1.119 | sed '/^-- xsvm cpuid check:/,$d' >"$tmp/lines"
nl=$(wc -l <"$tmp/lines")
{
	printf '[    0.000000] %s\n' "$banner"
	printf '[    0.000000] Command line: console=ttyS0\n'
	sed 's/^/[    0.021000] /' "$tmp/lines"
	printf '[    0.022000] Memory: 2048K/4096K available\n'
} >"$tmp/dmesg.log"

run "$X" cpuid check "$dump" --against-log "$tmp/dmesg.log"
expect_rc "dmesg" 0
expect_line "dmesg" "against $tmp/dmesg.log: Linux 6.1.119 model (from the log's banner): the model's $nl lines equal the kernel's"
if [ "$nl" -eq 13 ]; then ok "dmesg: 13 lines"; else bad "dmesg: $nl lines, want 13"; fi

# /dev/kmsg records
awk '{ sub(/^\[[^]]*\] /, ""); printf "6,%d,%d,-;%s\n", NR, NR * 1000, $0 }' \
	"$tmp/dmesg.log" >"$tmp/kmsg.log"
run "$X" cpuid check "$dump" --against-log "$tmp/kmsg.log"
expect_rc "kmsg" 0
expect_line "kmsg" "against $tmp/kmsg.log: Linux 6.1.119 model (from the log's banner): the model's 13 lines equal the kernel's"

# journalctl -k's short format
sed 's/^\[[^]]*\] /Dec 07 12:00:01 host kernel: /' "$tmp/dmesg.log" >"$tmp/journal.log"
run "$X" cpuid check "$dump" --against-log "$tmp/journal.log" --json
expect_rc "journal" 0
expect_contains "journal" '"linux": "6.1.119"'
expect_contains "journal" '"equal": true'
expect_contains "journal" '"model_lines": 13'

# --linux wins over the banner; 6.8 enters CET user state, 5.15 agrees
run "$X" cpuid check "$dump" --against-log "$tmp/dmesg.log" --linux 6.8
expect_rc "other release" 1
expect_line "other release" "against $tmp/dmesg.log: Linux 6.8 model (--linux): DIFFERS: 30 of the model's 30 lines are not in the log, 13 of the log's 13 are not predicted"
expect_line "other release" "- model line 1: XSAVE consistency problem: size 2456 != kernel_size 2440"
expect_line "other release" "+ log line 13: x86/fpu: Enabled xstate features 0x2e7, context size is 2440 bytes, using 'compacted' format."
run "$X" cpuid check "$dump" --against-log "$tmp/dmesg.log" --linux 5.15
expect_rc "5.15" 0

# one line changed, one line added
sed 's/context size is 2440 bytes/context size is 2448 bytes/' "$tmp/dmesg.log" >"$tmp/diff.log"
printf '[    0.030000] x86/fpu: Supporting XSAVE feature 0x800: '"'"'Control-flow User registers'"'"'\n' >>"$tmp/diff.log"
run "$X" cpuid check "$dump" --against-log "$tmp/diff.log"
expect_rc "differs" 1
expect_line "differs" "against $tmp/diff.log: Linux 6.1.119 model (from the log's banner): DIFFERS: 1 of the model's 13 lines are not in the log, 1 of the log's 13 are not predicted"
expect_line "differs" "- model line 13: x86/fpu: Enabled xstate features 0x2e7, context size is 2440 bytes, using 'compacted' format."
expect_line "differs" "+ log line 13: x86/fpu: Enabled xstate features 0x2e7, context size is 2448 bytes, using 'compacted' format."

# no banner: the default release, said so
grep -v 'Linux version' "$tmp/dmesg.log" >"$tmp/nobanner.log"
run "$X" cpuid check "$dump" --against-log "$tmp/nobanner.log"
expect_rc "no banner" 1
expect_line "no banner" "against $tmp/nobanner.log: Linux 6.8 model (the default: the log has no 'Linux version' line): DIFFERS: 30 of the model's 30 lines are not in the log, 13 of the log's 13 are not predicted"

# a release past the newest modelled: the newest model, named
sed 's/Debian 6.1.119-1/x/; s/6.1.0-28-amd64/7.4.2/' "$tmp/dmesg.log" >"$tmp/newer.log"
run "$X" cpuid check "$dump" --against-log "$tmp/newer.log"
expect_rc "newer" 1
expect_line "newer" "against $tmp/newer.log: Linux 7.3 model, the newest modelled (for 7.4.2) (from the log's banner): DIFFERS: 32 of the model's 32 lines are not in the log, 13 of the log's 13 are not predicted"
expect_line "newer" "- model line 1: XSAVE consistency problem: size 2480 != kernel_size 2440"

# bad input
printf '[    0.000000] %s\n[    0.1] Memory: 4096K\n' "$banner" >"$tmp/nofpu.log"
run "$X" cpuid check "$dump" --against-log "$tmp/nofpu.log"
expect_usage_error "no fpu lines" "xsvm: $tmp/nofpu.log: no x86/fpu lines (the kernel log may have been rotated, or reading it is not permitted: try dmesg as root, journalctl -k -b or /dev/kmsg)"
run "$X" cpuid check "$dump" --against-log "$tmp/missing.log"
expect_usage_error "missing log" "xsvm: $tmp/missing.log: No such file or directory"
run "$X" cpuid check --against-log -
expect_usage_error "two stdins" "xsvm: cpuid check: --against-log -: standard input already holds the table"
run "$X" cpuid check "$dump" --cpuid native --against-log "$tmp/dmesg.log"
expect_usage_error "file and source" "xsvm: cpuid check: give FILE or --cpuid SOURCE, not both"
run "$X" cpuid check "$dump" --against-log "$tmp/dmesg.log" --linux 6.1.x
expect_usage_error "bad release" "xsvm: --linux: '6.1.x' is not a kernel release: want X.Y or X.Y.Z, such as 6.1, 6.1.4 or 6.18"

# the log from standard input
run "<$tmp/dmesg.log" "$X" cpuid check "$dump" --against-log -
expect_rc "log on stdin" 0
expect_line "log on stdin" "against -: Linux 6.1.119 model (from the log's banner): the model's 13 lines equal the kernel's"

finish
