#!/usr/bin/env bash
# Integration test of `xsvm cpuid diff` and `xsvm cpuid build --format`:
# exit statuses, exact text lines and JSON fields of the diff, and round
# trips of every dump through kvm-json and cpuid -r files.
#
# Usage: bash diff_test.sh PATH_TO_XSVM TEST_DATA_DIR
set -u

X=${1:?usage: diff_test.sh PATH_TO_XSVM TEST_DATA_DIR}
DATA=${2:?usage: diff_test.sh PATH_TO_XSVM TEST_DATA_DIR}
SPR=$DATA/cpuid-dumps/intel-sapphirerapids.txt

. "$(dirname "$0")/lib.sh"

# jq-like field access without jq: json_field FILE EXPR prints
# EXPR evaluated on the parsed object j (Python syntax).
json_field() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

expect_field() { # NAME FILE EXPR WANT
	local got

	got=$(json_field "$2" "$3" 2>&1)
	if [ "$got" = "$4" ]; then
		ok "$1: $3 = $4"
	else
		bad "$1: $3 = $got, want $4"
	fi
}

# Table lines only (the dump format's '#' header names the source).
table_of() {
	grep -v '^#' "$1"
}

# ---------------------------------------------------------------- help

run "$X" cpuid diff --help
expect_rc "cpuid diff --help" 0
expect_line "cpuid diff --help" "usage: xsvm cpuid diff A B [--json]"
expect_contains "cpuid diff --help" "  --json"
run "$X" cpuid --help
expect_line "cpuid --help" "       xsvm cpuid diff   A B [--json]"
expect_line "cpuid --help" "                         [--format dump|kvm-json|cpuid-r] [--json]"
run "$X" cpuid build --help
expect_contains "build --help documents --format" "  --format FMT"

# ---------------------------------------------------------------- identical

run "$X" cpuid diff "$SPR" "$SPR"
expect_rc "diff identical" 0
expect_line "diff identical" \
	"# xsvm cpuid diff: a = $SPR (dump, 20 entries), b = $SPR (dump, 20 entries)"
expect_line "diff identical" "summary: identical"
[ "$(wc -l <<<"$out")" -eq 2 ] && ok "diff identical: 2 lines" ||
	bad "diff identical: $(wc -l <<<"$out") lines, want 2"

run "<$SPR" "$X" cpuid diff - "$SPR"
expect_rc "diff identical, a from stdin" 0
expect_line "diff identical, a from stdin" \
	"# xsvm cpuid diff: a = <stdin> (dump, 20 entries), b = $SPR (dump, 20 entries)"

# ---------------------------------------------------------------- PKRU removed

# Sapphire Rapids without PKRU (0xD.0 EAX bit 9, subleaf 9) and with
# TILEDATA 64 bytes larger.
sed -e 's/subleaf=0x0 eax=0x000602e7/subleaf=0x0 eax=0x000600e7/' \
	-e '/^leaf=0x0000000d subleaf=0x9 /d' \
	-e 's/subleaf=0x12 eax=0x00002000/subleaf=0x12 eax=0x00002040/' \
	"$SPR" >"$tmp/spr-nopkru.txt"

run "$X" cpuid diff "$SPR" "$tmp/spr-nopkru.txt"
expect_rc "diff no-pkru" 1
n="diff no-pkru"
expect_line "$n" "# xsvm cpuid diff: a = $SPR (dump, 20 entries), b = $tmp/spr-nopkru.txt (dump, 19 entries)"
expect_line "$n" "changed leaf 0x0000000d subleaf 0x0 eax: 0x000602e7 -> 0x000600e7"
expect_line "$n" "missing leaf 0x0000000d subleaf 0x9 (only in a)"
expect_line "$n" "changed leaf 0x0000000d subleaf 0x12 eax: 0x00002000 -> 0x00002040"
expect_line "$n" "xsave: user components (0xD.0 EDX:EAX): 0x602e7 -> 0x600e7"
expect_line "$n" "xsave: components removed: 0x200 (pkru)"
expect_line "$n" "xsave: component 9 (pkru): removed; subleaf 0xD.9 present -> absent; size 8 -> 0; offset 2688 -> 0"
expect_line "$n" "xsave: component 18 (tiledata): size 8192 -> 8256"
expect_line "$n" "xsave: standard size of 0xD.0 EDX:EAX: 11008 -> 11072"
expect_line "$n" "xsave: compacted size of 0xD.0 EDX:EAX | 0xD.1 EDX:ECX: 11776 -> 11840"
expect_line "$n" "summary: 3 register differences (2 changed, 1 missing, 0 added); xsave: 2 components, 2 sizes changed"
expect_no_line "$n" "summary: identical"
[ "$(wc -l <<<"$out")" -eq 11 ] && ok "$n: 11 lines" ||
	bad "$n: $(wc -l <<<"$out") lines, want 11"

# The other way round: added instead of removed, b from stdin.
run "<$SPR" "$X" cpuid diff "$tmp/spr-nopkru.txt" -
expect_rc "diff reversed" 1
expect_line "diff reversed" "added leaf 0x0000000d subleaf 0x9 (only in b)"
expect_line "diff reversed" "xsave: components added: 0x200 (pkru)"
expect_line "diff reversed" "xsave: component 9 (pkru): added; subleaf 0xD.9 absent -> present; size 0 -> 8; offset 0 -> 2688"

"$X" cpuid diff "$SPR" "$tmp/spr-nopkru.txt" --json >"$tmp/d.json" 2>"$tmp/stderr"
rc=$?
err=$(cat "$tmp/stderr")
expect_rc "diff --json" 1
n="diff --json"
expect_field "$n" "$tmp/d.json" "j['identical']" "False"
expect_field "$n" "$tmp/d.json" "j['differences_total']" "3"
expect_field "$n" "$tmp/d.json" "j['a']['nr_entries'], j['b']['nr_entries'], j['b']['format']" "(20, 19, 'dump')"
expect_field "$n" "$tmp/d.json" "j['differences'][1]" "{'kind': 'missing', 'leaf': '0xd', 'subleaf': '0x9'}"
expect_field "$n" "$tmp/d.json" "j['differences'][0]" "{'kind': 'changed', 'leaf': '0xd', 'subleaf': '0x0', 'reg': 'eax', 'a': '0x602e7', 'b': '0x600e7'}"
expect_field "$n" "$tmp/d.json" "j['xsave']['removed'], j['xsave']['added']" "('0x200', '0x0')"
expect_field "$n" "$tmp/d.json" "j['xsave']['user_a'], j['xsave']['user_b'], j['xsave']['supervisor_b']" "('0x602e7', '0x600e7', '0xdd00')"
expect_field "$n" "$tmp/d.json" "[(c['index'], c['name'], c['changes']) for c in j['xsave']['components']]" \
	"[(9, 'pkru', ['removed', 'subleaf', 'size', 'offset']), (18, 'tiledata', ['size'])]"
expect_field "$n" "$tmp/d.json" "j['xsave']['components'][0]['a']" \
	"{'supported': True, 'subleaf': True, 'size': 8, 'offset': 2688, 'align64': False, 'supervisor': False, 'xfd': False}"
expect_field "$n" "$tmp/d.json" "j['xsave']['components'][1]['b']['size']" "8256"
expect_field "$n" "$tmp/d.json" "j['xsave']['sizes']['standard_size']" "{'a': 11008, 'b': 11072, 'changed': True}"
expect_field "$n" "$tmp/d.json" "j['xsave']['sizes']['compacted_size']" "{'a': 11776, 'b': 11840, 'changed': True}"
expect_field "$n" "$tmp/d.json" "j['xsave']['sizes']['ebx0']" "{'a': 11008, 'b': 11008, 'changed': False}"
expect_field "$n" "$tmp/d.json" "j['xsave']['sizes']['ebx1']" "{'a': 10880, 'b': 10880, 'changed': False}"

"$X" cpuid diff "$SPR" "$SPR" --json >"$tmp/same.json"
rc=$?
expect_rc "diff --json identical" 0
expect_field "diff --json identical" "$tmp/same.json" "j['identical'], j['differences_total'], j['differences'], j['xsave']['components']" "(True, 0, [], [])"

# ---------------------------------------------------------------- bad input

run "$X" cpuid diff "$SPR"
expect_usage_error "diff with one table" \
	"xsvm: cpuid diff: two tables are needed: A B (see xsvm cpuid diff --help)"
run "$X" cpuid diff - -
expect_usage_error "diff - -" "xsvm: cpuid diff: only one of A and B can be '-' (stdin)"
run "$X" cpuid diff "$SPR" "$SPR" "$SPR"
expect_usage_error "diff with three tables" \
	"xsvm: cpuid diff: unexpected argument '$SPR' (see xsvm cpuid diff --help)"
run "$X" cpuid diff "$SPR" "$tmp/nonexistent"
expect_usage_error "diff of a missing file" "xsvm: $tmp/nonexistent: No such file or directory"
run "$X" cpuid diff --xcr0 1 "$SPR" "$SPR"
expect_usage_error "diff --xcr0" "xsvm: cpuid diff: unknown option '--xcr0' (see xsvm cpuid diff --help)"
printf '{"nent": 2, "entries": [\n  {"function": 0, "index": 0, "flags": 0, "eax": 13, "ebx": 0, "ecx": 0, "edx": 0},\n  {"function": 13, "index": 0, "flags": 1, "eax": 7, "ebx": 0, "ecx": 0}\n]}\n' >"$tmp/bad.json"
run "$X" cpuid diff "$SPR" "$tmp/bad.json"
expect_usage_error "diff of bad kvm-json" "xsvm: $tmp/bad.json:3: entries[1]: missing key 'edx'"
printf '{"nent": 1, "entries": [{"function": 0, "index": 0, "flags": 0, "eax": 13, "ebx": 0, "ecx": 0, "edx": 0}]} trailing\n' >"$tmp/trail.json"
run "$X" cpuid build --cpuid "$tmp/trail.json"
expect_usage_error "build --cpuid with trailing garbage" \
	"xsvm: $tmp/trail.json:1: unexpected text after the JSON object"
"$X" cpuid build --cpuid "$SPR" --json >"$tmp/report.json"
run "$X" cpuid build --cpuid "$tmp/report.json"
expect_usage_error "build --cpuid of a build report" \
	"xsvm: $tmp/report.json:2: unknown key 'source' (expected 'nent' and 'entries')"

# ---------------------------------------------------------------- --format

run "$X" cpuid build --cpuid "$SPR" --format xml
expect_usage_error "build --format xml" "xsvm: --format 'xml': expected dump, kvm-json or cpuid-r"
run "$X" cpuid build --cpuid "$SPR" --format kvm-json --json
expect_usage_error "build --format kvm-json --json" \
	"xsvm: cpuid build: --json (the build report) and --format kvm-json cannot be combined"
run "$X" cpuid build --cpuid "$SPR" --format
expect_usage_error "build --format without a value" \
	"xsvm: cpuid build: option '--format' needs a value (see xsvm cpuid build --help)"

run "$X" cpuid build --cpuid "$SPR" --format kvm-json
expect_rc "build --format kvm-json" 0
expect_line "build --format kvm-json" '  "nent": 20,'
expect_line "build --format kvm-json" '    {"function": 13, "index": 1, "flags": 1, "eax": 31, "ebx": 10752, "ecx": 56576, "edx": 0},'
expect_line "build --format kvm-json" '    {"function": 13, "index": 18, "flags": 1, "eax": 8192, "ebx": 2816, "ecx": 6, "edx": 0}'
[ "$(head -n 1 <<<"$out")" = "{" ] && ok "kvm-json: first line '{'" || bad "kvm-json: first line '$(head -n 1 <<<"$out")'"
expect_no_line "build --format kvm-json" "# xsvm cpuid build"

run "$X" cpuid build --cpuid "$SPR" --format cpuid-r
expect_rc "build --format cpuid-r" 0
[ "$(head -n 1 <<<"$out")" = "CPU 0:" ] && ok "cpuid-r: first line 'CPU 0:'" || bad "cpuid-r: first line '$(head -n 1 <<<"$out")'"
expect_line "build --format cpuid-r" "   0x0000000d 0x01: eax=0x0000001f ebx=0x00002a00 ecx=0x0000dd00 edx=0x00000000"
expect_line "build --format cpuid-r" "   0x0000000d 0x12: eax=0x00002000 ebx=0x00000b00 ecx=0x00000006 edx=0x00000000"

run "$X" cpuid build --cpuid "$SPR" --format dump
expect_line "build --format dump" "# xsvm cpuid build"
expect_line "build --format dump" "leaf=0x0000000d subleaf=0x1 eax=0x0000001f ebx=0x00002a00 ecx=0x0000dd00 edx=0x00000000"

# check reads what build exports
"$X" cpuid build --cpuid "$SPR" --format kvm-json | "$X" cpuid check - >"$tmp/out" 2>"$tmp/stderr"
rc=$?
out=$(cat "$tmp/out")
expect_line "check - of kvm-json" "-- xsvm cpuid check: Linux 6.8 model of <stdin> (kvm-json format)"

# ---------------------------------------------------------------- round trips

# Every dump, and the host: build --format F > f; build --cpuid f gives the
# same table, and exporting that again gives the same bytes.
round_trip() { # NAME SOURCE FORMAT
	local name=$1 src=$2 fmt=$3 f=$tmp/rt.$3

	if ! "$X" cpuid build --cpuid "$src" >"$tmp/rt-want.txt" 2>"$tmp/stderr" ||
		! "$X" cpuid build --cpuid "$src" --format "$fmt" >"$f" 2>>"$tmp/stderr" ||
		! "$X" cpuid build --cpuid "$f" >"$tmp/rt-got.txt" 2>>"$tmp/stderr" ||
		! "$X" cpuid build --cpuid "$f" --format "$fmt" >"$f.again" 2>>"$tmp/stderr"; then
		bad "round trip $fmt $name: a command failed" "$(cat "$tmp/stderr")"
		return
	fi
	if [ "$(table_of "$tmp/rt-want.txt")" != "$(table_of "$tmp/rt-got.txt")" ]; then
		bad "round trip $fmt $name: tables differ" \
			"$(diff <(table_of "$tmp/rt-want.txt") <(table_of "$tmp/rt-got.txt") | head -n 4)"
		return
	fi
	if ! cmp -s "$f" "$f.again"; then
		bad "round trip $fmt $name: second export differs"
		return
	fi
	"$X" cpuid diff "$tmp/rt-want.txt" "$f" >/dev/null 2>&1
	if [ $? -ne 0 ]; then
		bad "round trip $fmt $name: xsvm cpuid diff does not find them identical"
		return
	fi
	ok "round trip $fmt $name"
}

for fmt in kvm-json cpuid-r; do
	for d in "$DATA"/cpuid-dumps/*.txt; do
		round_trip "$(basename "$d")" "$d" "$fmt"
	done
	round_trip host host "$fmt"
done
nr_dumps=$(ls "$DATA"/cpuid-dumps/*.txt | wc -l)
[ "$nr_dumps" -eq 25 ] && ok "25 dumps round-tripped" || bad "$nr_dumps dumps, want 25"

# The three exports of one table are the same table to diff.
"$X" cpuid build --cpuid "$SPR" >"$tmp/x.dump"
"$X" cpuid build --cpuid "$SPR" --format kvm-json >"$tmp/x.json"
"$X" cpuid build --cpuid "$SPR" --format cpuid-r >"$tmp/x.raw"
run "$X" cpuid diff "$tmp/x.json" "$tmp/x.raw"
expect_rc "diff kvm-json vs cpuid-r" 0
expect_line "diff kvm-json vs cpuid-r" \
	"# xsvm cpuid diff: a = $tmp/x.json (kvm-json, 20 entries), b = $tmp/x.raw (cpuid -r, 20 entries)"
run "$X" cpuid diff "$tmp/x.dump" "$tmp/x.json"
expect_rc "diff dump vs kvm-json" 0
# The builder rewrote 0xD.1 EBX for Linux's state: one difference.
run "$X" cpuid diff "$SPR" "$tmp/x.json"
expect_rc "diff source vs built" 1
expect_line "diff source vs built" "changed leaf 0x0000000d subleaf 0x1 ebx: 0x00002a80 -> 0x00002a00"
expect_line "diff source vs built" "xsave: 0xD.1 EBX: 10880 -> 10752"

finish
