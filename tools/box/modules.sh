# shellcheck shell=bash
# The kernel modules a box loads: the files of Debian's module tree
# (BOX_MODULES, from box_fetch_debian in tools/box/debian.sh), the closure
# of their dependencies in load order (modinfo's depends=), and their copy,
# uncompressed, into an initramfs tree. Source after tools/box/lib.sh (its
# conventions hold here); this file defines functions and variables and
# runs nothing.

# BOX_STEP, set here, is read by box_err (lib.sh).
# shellcheck disable=SC2034

# box__module_name FILE_OR_NAME
#   Sets BOX__NAME to the canonical module name: the basename without
#   .ko[.xz|.zst|.gz], dashes turned to underscores (the form of modinfo's
#   depends=). No subshell: it runs once per module of the tree.
box__module_name()
{
	local n=${1##*/}

	n=${n%.xz}
	n=${n%.zst}
	n=${n%.gz}
	n=${n%.ko}
	BOX__NAME=${n//-/_}
}

# box__module_index
#   Fills the associative array BOX__MODFILE (canonical name -> file) and
#   BOX__BUILTIN (canonical name -> 1) from BOX_MODULES, once per
#   BOX_MODULES.
declare -gA BOX__MODFILE=() BOX__BUILTIN=()
BOX__MODINDEXED=""
BOX__NAME=""
box__module_index()
{
	local f n

	[ "$BOX__MODINDEXED" != "$BOX_MODULES" ] || return 0
	BOX__MODFILE=()
	BOX__BUILTIN=()
	while IFS= read -r -d '' f; do
		box__module_name "$f"
		BOX__MODFILE[$BOX__NAME]=$f
	done < <(find "$BOX_MODULES/kernel" -type f \( -name '*.ko' -o -name '*.ko.xz' \
		-o -name '*.ko.zst' -o -name '*.ko.gz' \) -print0)
	if [ -f "$BOX_MODULES/modules.builtin" ]; then
		while IFS= read -r f; do
			box__module_name "$f"
			BOX__BUILTIN[$BOX__NAME]=1
		done <"$BOX_MODULES/modules.builtin"
	fi
	BOX__MODINDEXED=$BOX_MODULES
}

# box_module_cat FILE
#   Writes the module FILE uncompressed (.ko, .ko.xz, .ko.zst, .ko.gz) to
#   stdout.
box_module_cat()
{
	case $1 in
	*.xz) xz -dc -- "$1" ;;
	*.zst) zstd -dcq -- "$1" ;;
	*.gz) gzip -dc -- "$1" ;;
	*) cat -- "$1" ;;
	esac
}

# box_module_depends FILE
#   Prints the modules FILE depends on (its modinfo "depends=" field), one
#   canonical name a line, read from the .modinfo strings of the file.
box_module_depends()
{
	local deps

	deps=$(box_module_cat "$1" | tr '\0' '\n' | sed -n 's/^depends=//p')
	deps=${deps%%$'\n'*}
	[ -z "$deps" ] || printf '%s\n' "${deps//,/$'\n'}"
}

# box__module_visit NAME
#   Depth-first walk for box_module_closure: emits NAME's dependencies, then
#   NAME, each once (BOX__SEEN).
box__module_visit()
{
	local name dep file

	box__module_name "$1"
	name=$BOX__NAME
	[ -z "${BOX__SEEN[$name]:-}" ] || return 0
	BOX__SEEN[$name]=1
	file=${BOX__MODFILE[$name]:-}
	if [ -z "$file" ]; then
		[ -n "${BOX__BUILTIN[$name]:-}" ] && return 0
		box_die "module $name is neither in $BOX_MODULES/kernel nor built into $BOX_RELEASE"
	fi
	while IFS= read -r dep; do
		[ -z "$dep" ] || box__module_visit "$dep"
	done < <(box_module_depends "$file")
	printf '%s\n' "$file"
}

# box_module_closure MODULE...
#   Needs BOX_MODULES (box_fetch_debian). Prints the module files (absolute
#   paths, possibly compressed) for the MODULEs and everything they depend
#   on, in a valid load order (dependencies first), each once. MODULE may be
#   spelt with dashes or underscores. Modules built into the kernel are
#   skipped; an unknown module is an error.
box_module_closure()
{
	local m

	BOX_STEP="resolve modules ($*)"
	box__module_index
	declare -gA BOX__SEEN=()
	for m in "$@"; do
		box__module_visit "$m"
	done
}

# box_modules_install TREE MODULE...
#   Copies the closure of the MODULEs, uncompressed (busybox insmod reads
#   plain .ko only), into TREE/modules/NAME.ko and writes TREE/modules/order
#   listing the canonical names in load order. The box's /init loads them with
#   box_init_functions' box_load_modules.
box_modules_install()
{
	local tree=$1 f n files
	shift

	files=$(box_module_closure "$@") || exit "$BOX_EXIT_FAIL"
	BOX_STEP="install modules ($*)"
	mkdir -p "$tree/modules"
	: >"$tree/modules/order"
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		box__module_name "$f"
		box_module_cat "$f" >"$tree/modules/$BOX__NAME.ko" || box_die "cannot decompress $f"
		printf '%s\n' "$BOX__NAME" >>"$tree/modules/order"
	done <<<"$files"
}
