#!/usr/bin/env bash
# Integration test: xsvm's Linux model against real Linux kernels, on every
# XSAVE-capable CPU model of QEMU's TCG (no KVM needed).
#
# For every -cpu model that `qemu-system-x86_64 -cpu help` lists, a bare
# 32-bit guest (tests/qemu/cpuid_dump_pvh.S) prints the model's CPUID table.
# The 64-bit models (CPUID.80000001H:EDX.LM) whose table has
# CPUID.1:ECX.XSAVE are the XSAVE-capable ones; models whose tables are
# byte-identical are run once, under the first name QEMU lists that is not
# an alias. Each GUEST_DIR's kernel (tools/fetch-guest.sh: Debian's 6.1 and
# 6.12 series) then boots on each of them, entered at its PVH entry point,
# with an initramfs whose /init runs a static program that prints the CPUID
# table that kernel saw (at the XCR0 the kernel set: 0xD.0 EBX depends on
# it) and then the kernel's dmesg. The kernel's x86/fpu lines (with any
# "XSAVE consistency problem" and CPUID dump lines), timestamps stripped,
# must be byte for byte what `xsvm cpuid check TABLE --linux V` predicts,
# V the release in the kernel's banner, by linux_model() below.
#
# A model whose kernel never reaches an x86/fpu line passes only when the
# reason is the one known and asserted here (stall_reason()); any other
# boot that does not end in /init's output fails. Logs of the last run are
# kept in BUILD/qemu-models/logs/.
#
# Usage: bash linux_qemu_models.sh PATH_TO_XSVM GUEST_DIR...
#
# Environment: XSVM_QEMU_JOBS (QEMU processes at a time, default 2),
# XSVM_QEMU_BOOT_TIMEOUT (seconds per boot, default 150).
set -u

usage="usage: linux_qemu_models.sh PATH_TO_XSVM GUEST_DIR..."
X=${1:?$usage}
shift
[ $# -ge 1 ] || { echo "$usage" >&2; exit 2; }
guests=("$@")

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
# shellcheck source=tests/cli/lib.sh
. "$here/lib.sh"
# box_vmlinux: a bzImage's uncompressed ELF kernel, for the PVH entry
# shellcheck source=tools/box/lib.sh
. "$src/tools/box/lib.sh"
# shellcheck source=tools/box/debian.sh
. "$src/tools/box/debian.sh"

X=$(cd "$(dirname "$X")" && pwd)/$(basename "$X")
max_jobs=${XSVM_QEMU_JOBS:-2}
boot_timeout=${XSVM_QEMU_BOOT_TIMEOUT:-150}
work=$(dirname "$X")/qemu-models
logs=$work/logs
qemu=(qemu-system-x86_64 -accel tcg -M pc -m 256 -smp 1 -nodefaults
	-no-user-config -display none -no-reboot)
# loglevel=1: only panics on the console, between /init's lines.
# no_timer_check: on a loaded host TCG can miss the window of the IO-APIC
# timer check, and the kernel then panics ("IO-APIC + timer doesn't
# work!"); the parameter exists for virtual machines and skips only that.
append="console=ttyS0 loglevel=1 no_timer_check panic=-1"

cleanup() {
	local p

	for p in $(jobs -p); do
		kill -TERM "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# now_ms: the time in milliseconds.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# secs MS: MS milliseconds as seconds with one decimal.
secs() {
	printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100))
}

die() {
	bad "$@"
	finish
	exit 1
}

# The release `xsvm cpuid check --linux` is given for a kernel, from its
# banner: Debian's "Debian X.Y.Z-N" names the stable sublevel its
# "X.Y.0-N-amd64" release string hides; any other banner gives its
# release's X.Y.Z.
linux_model() { # BANNER
	local v

	v=$(sed -nE 's/.* Debian ([0-9]+\.[0-9]+\.[0-9]+)[-+ ].*/\1/p' <<<"$1")
	[ -n "$v" ] || v=$(awk '{ print $3 }' <<<"$1" | sed -nE 's/^([0-9]+\.[0-9]+\.[0-9]+).*/\1/p')
	[ -n "$v" ] || return 1
	echo "$v"
}

# pool_start CMD...: CMD in the background, at most max_jobs at a time.
pool_start() {
	while (($(jobs -rp | wc -l) >= max_jobs)); do
		wait -n
	done
	"$@" &
}

# reg TABLE LEAF SUBLEAF REG: a register (eax..edx) of a `cpuid -r` table,
# as a number; empty when the table has no such leaf.
reg() {
	local v

	v=$(awk -v l="$(printf '0x%08x' "$2")" -v s="$(printf '0x%02x:' "$3")" -v r="$4=" '
		$1 == l && $2 == s { for (i = 3; i <= 6; i++) if (index($i, r) == 1) print substr($i, 5) }' "$1")
	[ -z "$v" ] || echo $((v))
}

bit() { # VALUE BIT: true when BIT of VALUE is set
	[ -n "$1" ] && (((($1) >> $2) & 1))
}

# stall_reason TABLE: when a kernel on this table is known never to reach
# its x86/fpu lines, the reason, else nothing.
#
# QEMU's TCG (7.2) tests CR4.OSXSAVE against the feature word of
# CPUID.(EAX=0DH,ECX=1):EAX (XSAVEOPT, XSAVEC, ...), not against
# CPUID.1:ECX.XSAVE. On a model with XSAVE but none of those (0xD.1 EAX =
# 0: Opteron_G4, Opteron_G5) CR4.OSXSAVE counts as a reserved bit, and
# outside an SVM guest QEMU's reserved-bit path restarts the MOV to CR4
# forever instead of raising #GP. The kernel sets CR4.OSXSAVE before it
# prints its first x86/fpu line, so the boot stops there, interrupts off.
stall_reason() {
	local ecx1 eax_d1

	ecx1=$(reg "$1" 1 0 ecx)
	eax_d1=$(reg "$1" 0xd 1 eax)
	if bit "$ecx1" 26 && [ -n "$eax_d1" ] && ((eax_d1 == 0)); then
		echo "QEMU TCG treats CR4.OSXSAVE as reserved when CPUID.0xD.1 EAX is 0 and restarts the kernel's MOV to CR4 forever"
	fi
}

for t in qemu-system-x86_64 cc cpio gzip python3 readelf; do
	command -v "$t" >/dev/null || die "$t is missing (tools/setup.sh installs it)"
done
for g in "${guests[@]}"; do
	if [ ! -f "$g/vmlinuz" ] || [ ! -f "$g/initramfs.cpio.gz" ] || [ ! -f "$g/version" ]; then
		die "$g has no vmlinuz/initramfs.cpio.gz/version: run tools/fetch-guest.sh first"
	fi
done

start_ms=$(now_ms)
rm -rf -- "$logs"
mkdir -p "$logs/tables" "$work/bin"

# The two dump programs.
qsrc=$src/tests/qemu
cflags=(-O2 -Wall -Wextra -Werror)
if ! cc -static "${cflags[@]}" -o "$work/bin/cpuid-dump" \
	"$qsrc/cpuid_dump_linux.c" "$qsrc/cpuid_dump.c" 2>"$tmp/cc.err"; then
	die "cannot build cpuid-dump (a static Linux program)" "$(cat "$tmp/cc.err")"
fi
if ! cc -m32 -march=i386 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables "${cflags[@]}" -nostdlib -static -no-pie \
	-Wl,-T,"$qsrc/cpuid_dump_pvh.ld" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
	-o "$work/bin/cpuid-dump-pvh" "$qsrc/cpuid_dump_pvh.S" "$qsrc/cpuid_dump_pvh.c" \
	"$qsrc/cpuid_dump.c" 2>"$tmp/cc.err"; then
	die "cannot build cpuid-dump-pvh (a bare 32-bit PVH guest)" "$(cat "$tmp/cc.err")"
fi

# The initramfs: each guest's busybox archive, then one whose /init
# replaces it (the kernel unpacks both, in order).
ov=$tmp/overlay
mkdir -p "$ov/bin"
cp "$work/bin/cpuid-dump" "$ov/bin/cpuid-dump"
cat >"$ov/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
echo "xsvm-models: cpuid begin"
/bin/cpuid-dump
echo "xsvm-models: cpuid end $?"
echo "xsvm-models: dmesg begin"
dmesg
echo "xsvm-models: dmesg end"
poweroff -f
EOF
chmod 755 "$ov" "$ov/bin" "$ov/init" "$ov/bin/cpuid-dump"
(cd "$ov" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -1 >"$tmp/overlay.cpio.gz"

# Each kernel's vmlinux (cached by the bzImage's hash) and initramfs.
kernels=()
declare -A vmlinux initrd
for g in "${guests[@]}"; do
	release=$(cat "$g/version")
	BOX_DEBIAN_DIR=$work/kernels/$(sha256sum <"$g/vmlinuz" | cut -c1-16)
	BOX_VMLINUZ=$g/vmlinuz
	mkdir -p "$BOX_DEBIAN_DIR"
	box_vmlinux || die "$g/vmlinuz: no vmlinux with a PVH entry point could be extracted"
	cat "$g/initramfs.cpio.gz" "$tmp/overlay.cpio.gz" >"$BOX_DEBIAN_DIR/initrd"
	kernels+=("$release")
	vmlinux[$release]=$BOX_VMLINUX
	initrd[$release]=$BOX_DEBIAN_DIR/initrd
	mkdir -p "$logs/$release"
done

# Every model QEMU lists, and which are aliases.
declare -A alias
models=()
while read -r name desc; do
	models+=("$name")
	[[ $desc != "(alias "* ]] || alias[$name]=1
done < <(qemu-system-x86_64 -cpu help |
	awk '/^Available CPUs:/ { f = 1; next } f && /^$/ { exit } f && $1 == "x86" {
		n = $2; $1 = ""; $2 = ""; sub(/^ +/, ""); print n, $0 }')
((${#models[@]} > 0)) || die "qemu-system-x86_64 -cpu help lists no x86 model"

# dump_table MODEL: the bare guest's table of MODEL in tables/MODEL.txt.
dump_table() {
	local m=$1 rc

	timeout 60 "${qemu[@]}" -cpu "$m" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-serial "file:$logs/tables/$m.txt" -kernel "$work/bin/cpuid-dump-pvh" \
		</dev/null >"$logs/tables/$m.qemu" 2>&1
	rc=$?
	echo "$rc" >"$logs/tables/$m.rc"
}

table_ms=$(now_ms)
for m in "${models[@]}"; do
	[ "$m" = host ] || pool_start dump_table "$m"
done
wait
table_ms=$(($(now_ms) - table_ms))

# Sort the models: host (needs KVM), 32-bit, no XSAVE, XSAVE-capable.
declare -A rep_of members
no_lm=()
no_xsave=()
xsave=()
reps=()
for m in "${models[@]}"; do
	if [ "$m" = host ]; then
		if run "${qemu[@]}" -cpu host -kernel "$work/bin/cpuid-dump-pvh" &&
			[ "$rc" -ne 0 ] && grep -q "requires KVM" <<<"$err"; then
			ok "host: not a TCG model (QEMU: ${err##*: })"
		else
			bad "host: expected QEMU to refuse it without KVM" "exit $rc: $err"
		fi
		continue
	fi
	f=$logs/tables/$m.txt
	# isa-debug-exit: QEMU exits with (0 << 1) | 1 when the guest is done
	if [ "$(cat "$logs/tables/$m.rc")" != 1 ] || [ "$(head -n 1 "$f" 2>/dev/null)" != "CPU 0:" ]; then
		bad "$m: the bare guest printed no CPUID table" \
			"exit $(cat "$logs/tables/$m.rc"), see $f and $logs/tables/$m.qemu"
		continue
	fi
	if ! bit "$(reg "$f" 0x80000001 0 edx)" 29; then
		no_lm+=("$m")
	elif ! bit "$(reg "$f" 1 0 ecx)" 26; then
		no_xsave+=("$m")
	else
		xsave+=("$m")
		h=$(sha256sum <"$f" | cut -d' ' -f1)
		r=${rep_of[$h]:-}
		if [ -z "$r" ] || { [ -n "${alias[$r]:-}" ] && [ -z "${alias[$m]:-}" ]; }; then
			rep_of[$h]=$m
		fi
		members[$h]+="${members[$h]:+ }$m"
	fi
done
((${#xsave[@]} > 0)) || die "no XSAVE-capable model"
for h in "${!rep_of[@]}"; do
	reps+=("${rep_of[$h]}")
done
mapfile -t reps < <(printf '%s\n' "${reps[@]}" | LC_ALL=C sort)
deduped=$((${#xsave[@]} - ${#reps[@]}))

echo "models: ${#models[@]} listed; tables of $((${#models[@]} - 1)) in $(secs "$table_ms") s"
echo "  host: needs KVM or HVF, not run"
echo "  32-bit (no CPUID.80000001H:EDX.LM), not run (${#no_lm[@]}): ${no_lm[*]}"
echo "  64-bit without CPUID.1:ECX.XSAVE, not run (${#no_xsave[@]}): ${no_xsave[*]}"
echo "  XSAVE-capable: ${#xsave[@]}, ${#reps[@]} distinct tables ($deduped deduped)"
for h in "${!rep_of[@]}"; do
	r=${rep_of[$h]}
	others=$(tr ' ' '\n' <<<"${members[$h]}" | grep -vx -- "$r" | tr '\n' ' ')
	[ -z "$others" ] || echo "    $r runs for: ${others% }"
done | LC_ALL=C sort

# boot_one RELEASE MODEL: boot the kernel on MODEL; the console goes to
# RELEASE/MODEL.log, the outcome to RELEASE/MODEL.state:
#   exited MS STATUS              QEMU exited (the guest powered off)
#   stalled MS cr4_stall.py-line  the guest stays on one MOV to CR4
#   timeout MS [cr4_stall.py-line]
boot_one() {
	local k=$1 m=$2 d=$logs/$1 qpid t0 ticks=0 now="" last="" state="" rc

	t0=$(now_ms)
	"${qemu[@]}" -cpu "$m" -serial "file:$d/$m.log" \
		-monitor "unix:$d/$m.mon,server,nowait" -kernel "${vmlinux[$k]}" \
		-initrd "${initrd[$k]}" -append "$append" </dev/null >"$d/$m.qemu" 2>&1 &
	qpid=$!
	trap 'kill "$qpid" 2>/dev/null; exit 143' TERM INT
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 0.5
		ticks=$((ticks + 1))
		if ((ticks >= 2 * boot_timeout)); then
			state=timeout
			now=$(python3 "$qsrc/cr4_stall.py" "$d/$m.mon" 2>&1)
			break
		fi
		# Past 4 s, every 2 s: the same MOV to CR4 twice is a stall.
		if ((ticks >= 8 && ticks % 4 == 0)); then
			now=$(python3 "$qsrc/cr4_stall.py" "$d/$m.mon" 2>/dev/null) || now=""
			if [[ $now == *" cr4_write="* && $now == "$last" ]]; then
				state=stalled
				break
			fi
			last=$now
		fi
	done
	if [ -n "$state" ]; then
		kill "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		echo "$state $(($(now_ms) - t0)) $now" >"$d/$m.state"
	else
		wait "$qpid"
		rc=$?
		echo "exited $(($(now_ms) - t0)) $rc" >"$d/$m.state"
	fi
}

# section LOG NAME: the console lines between "xsvm-models: NAME begin"
# and "xsvm-models: NAME end ..." (without either).
section() {
	awk -v b="xsvm-models: $2 begin" -v e="xsvm-models: $2 end" '
		$0 == b { f = 1; next } f && index($0, e) == 1 { exit } f' "$1"
}

# os_free TABLE: the table without the fields an operating system changes
# (CPUID.1:ECX.OSXSAVE, CPUID.7.0:ECX.OSPKE, 0xD.0 EBX and 0xD.1 EBX).
os_free() {
	local leaf sub a b c d

	while read -r leaf sub a b c d; do
		case "$leaf $sub" in
		"0x00000001 0x00:")
			c=$(printf 'ecx=0x%08x' $((${c#ecx=} & ~(1 << 27))))
			;;
		"0x00000007 0x00:")
			c=$(printf 'ecx=0x%08x' $((${c#ecx=} & ~(1 << 4))))
			;;
		"0x0000000d 0x00:" | "0x0000000d 0x01:")
			b="ebx=-"
			;;
		esac
		echo "$leaf $sub $a $b $c $d"
	done <"$1"
}

# kernel_lines DMESG: the x86/fpu lines and the XSAVE check's warning and
# dumps, without the timestamps.
kernel_lines() {
	sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' "$1" |
		grep -E '^(x86/fpu: |XSAVE consistency problem|CPUID\[|XFEATURE_|no structure for xstate|No fixed offset for xstate|\[[^]]*\]: struct is )'
}

# check_one RELEASE MODEL: the assertions on one boot. Sets outcome to
# equal, differ, stalled or failed.
check_one() {
	local k=$1 m=$2 b=$logs/$1/$2 state ms info reason banner rel lm n panic
	local -a diff_lines

	outcome=failed
	read -r state ms info <"$b.state"
	boot_ms+=("$ms")
	tr -d '\r' <"$b.log" >"$b.console"
	reason=$(stall_reason "$logs/tables/$m.txt")
	if [ "$state" = stalled ] && [ -n "$reason" ] &&
		! grep -q 'x86/fpu' "$b.console" &&
		[[ $info =~ cr4=0x([0-9a-f]+).*cr4_write=0x([0-9a-f]+) ]] &&
		! bit "0x${BASH_REMATCH[1]}" 18 && bit "0x${BASH_REMATCH[2]}" 18; then
		ok "$m on $k: never reaches an x86/fpu line: $reason (stalled at $info)"
		outcome=stalled
		return
	fi
	panic=$(grep -m 1 'Kernel panic' "$b.console")
	if [ "$state" != exited ]; then
		bad "$m on $k: no x86/fpu line, the boot $state after $(secs "$ms") s${reason:+ (expected: $reason)}" \
			"${info:-}" ${panic:+"$panic"} "console: $b.console" "$(tail -n 5 "$b.console")"
		return
	fi
	section "$b.console" cpuid >"$b.cpuid"
	section "$b.console" dmesg >"$b.dmesg"
	if ! grep -qx 'xsvm-models: cpuid end 0' "$b.console" || [ "$(head -n 1 "$b.cpuid")" != "CPU 0:" ]; then
		bad "$m on $k: /init printed no complete CPUID table (QEMU exit $info)" \
			${panic:+"$panic"} "console: $b.console" "$(tail -n 5 "$b.console")"
		return
	fi
	# The table the kernel saw is the bare guest's but for what the kernel
	# set: so models with one bare table are one model to every kernel.
	if ! diff -u --label "bare guest, -cpu $m" --label "Linux $k, -cpu $m" \
		<(os_free "$logs/tables/$m.txt") <(os_free "$b.cpuid") >"$b.os-diff"; then
		mapfile -t diff_lines <"$b.os-diff"
		bad "$m on $k: the kernel's table differs from the bare guest's beyond OSXSAVE, OSPKE and 0xD.0/0xD.1 EBX" \
			"${diff_lines[@]}"
		return
	fi
	if ! grep -qx 'xsvm-models: dmesg end' "$b.console"; then
		bad "$m on $k: /init printed no complete dmesg" "console: $b.console"
		return
	fi
	banner=$(sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' "$b.dmesg" | grep -m 1 '^Linux version ')
	rel=$(awk '{ print $3 }' <<<"$banner")
	if [ "$rel" != "$k" ]; then
		bad "$m on $k: the kernel's banner names another release" "$banner"
		return
	fi
	if ! lm=$(linux_model "$banner"); then
		bad "$m on $k: no release in the kernel's banner" "$banner"
		return
	fi
	k_model=$lm
	kernel_lines "$b.dmesg" >"$b.kernel"
	n=$(wc -l <"$b.kernel")
	if ((n == 0)); then
		bad "$m on $k: no x86/fpu line in the kernel's dmesg" "dmesg: $b.dmesg"
		return
	fi
	"$X" cpuid check "$b.cpuid" --linux "$lm" >"$b.check" 2>"$b.check-err"
	rc=$?
	if ((rc > 1)) || ! grep -q '^-- xsvm cpuid check:' "$b.check"; then
		bad "$m on $k: xsvm cpuid check --linux $lm failed (exit $rc)" "$(cat "$b.check-err")"
		return
	fi
	sed '/^-- xsvm cpuid check:/,$d' "$b.check" >"$b.predicted"
	if cmp -s "$b.kernel" "$b.predicted"; then
		ok "$m on $k: the kernel's $n lines are the --linux $lm prediction"
		outcome=equal
		[ -z "$reason" ] || echo "     note: $m booted although $reason"
		return
	fi
	mapfile -t diff_lines < <(diff -u --label "Linux $k on -cpu $m" \
		--label "xsvm cpuid check --linux $lm" "$b.kernel" "$b.predicted")
	bad "$m on $k: the kernel's lines differ from the --linux $lm prediction (table: $b.cpuid)" \
		"${diff_lines[@]}"
	outcome=differ
}

total_equal=0
for k in "${kernels[@]}"; do
	k_ms=$(now_ms)
	for m in "${reps[@]}"; do
		pool_start boot_one "$k" "$m"
	done
	wait
	declare -A count=([equal]=0 [differ]=0 [stalled]=0 [failed]=0)
	k_model=none
	boot_ms=()
	for m in "${reps[@]}"; do
		check_one "$k" "$m"
		count[$outcome]=$((count[$outcome] + 1))
	done
	k_ms=$(($(now_ms) - k_ms))
	mapfile -t boot_ms < <(printf '%s\n' "${boot_ms[@]}" | sort -n)
	compared=$((count[equal] + count[differ]))
	total_equal=$((total_equal + count[equal]))
	echo "linux_qemu_models: Linux $k (--linux $k_model):" \
		"${#reps[@]} models run ($deduped deduped of ${#xsave[@]} XSAVE-capable)," \
		"$compared compared, ${count[equal]} equal, ${count[differ]} differ," \
		"${count[stalled]} stalled as explained, ${count[failed]} failed;" \
		"$(secs "$k_ms") s (boots $(secs "${boot_ms[0]}")-$(secs "${boot_ms[-1]}") s, $max_jobs at a time)"
done
echo "linux_qemu_models: ${#kernels[@]} kernels, $total_equal (model, kernel) pairs equal;" \
	"$(secs $(($(now_ms) - start_ms))) s in all; logs in $logs"
finish
