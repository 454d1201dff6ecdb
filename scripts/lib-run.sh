# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Building, booting and parsing for the scripts that build or boot kernels.
# Sourced after lib.sh.

QEMU=${QEMU:-qemu-system-x86_64}
QEMU_MEM=${QEMU_MEM:-2048}
QEMU_SMP=${QEMU_SMP:-2}
QEMU_CPU=${QEMU_CPU:-max}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
# More QEMU arguments for qemu_boot, e.g. (-icount shift=0,sleep=off) in
# scripts/bench. Empty by default.
QEMU_EXTRA=()
KUNIT_PY=tools/testing/kunit/kunit.py

# Totals over every run of this invocation.
T_PASS=0 T_FAIL=0 T_SKIP=0 T_RUNS_BAD=0

# The .kunitconfig files that the series puts next to its KUnit suites
# (the mm-local region's in arch/x86/mm; the mermap's, the freetypes' and
# __GFP_UNMAPPED's in mm/tests): the kernels of scripts/test build those,
# with the repo's kunit-configs on top for the rest.
SERIES_KUNITCONFIGS=(arch/x86/mm/.kunitconfig mm/tests/.kunitconfig)

# The KUnit suites of the series, which every full run must have run.
# shellcheck disable=SC2034 # used by the scripts that source this
SERIES_SUITES=(mm_local_region mermap freetype page_alloc_unmapped)

# series_kunitconfigs: their paths in BUILD_TREE (default: $KTREE), one
# per line; dies if one is missing (the tree is not the series).
series_kunitconfigs() {
	local k tree=${BUILD_TREE:-$KTREE}
	for k in "${SERIES_KUNITCONFIGS[@]}"; do
		[ -f "$tree/$k" ] || die "$tree has no $k: is the series applied? (scripts/setup)"
		echo "$tree/$k"
	done
}

# The second series' .kunitconfig files (in $GMEM_TREE) and KUnit suites.
GMEM_KUNITCONFIGS=(arch/x86/kvm/.kunitconfig)
# shellcheck disable=SC2034 # used by the scripts that source this
GMEM_SUITES=(kvm_x86_gmem_no_direct_map)

# build_gmem_kernel: build the 'kvm-gmem' kernel from $GMEM_TREE: the
# kernel of scripts/test, plus kunit-configs/kvm.kunitconfig (KVM), plus
# the second series' .kunitconfig files. Prints the bzImage path.
build_gmem_kernel() {
	local ks k configs=()
	[ -e "$GMEM_TREE/.git" ] ||
		die "no tree of the second series at $GMEM_TREE: run scripts/setup"
	ks=$(BUILD_TREE=$GMEM_TREE kunit_configs default)
	mapfile -t configs <<<"$ks"
	for k in "${GMEM_KUNITCONFIGS[@]}"; do
		[ -f "$GMEM_TREE/$k" ] ||
			die "$GMEM_TREE has no $k: is the second series applied? (scripts/setup)"
		configs+=("$GMEM_TREE/$k")
	done
	configs+=("$ROOT/kunit-configs/kvm.kunitconfig")
	BUILD_TREE=$GMEM_TREE build_kunit kvm-gmem "${configs[@]}"
}

# kunit_configs default|debug: the kunitconfig files of the kernel of
# scripts/test (or of scripts/test --debug), one per line.
kunit_configs() {
	series_kunitconfigs
	echo "$ROOT/kunit-configs/default.kunitconfig"
	if [ "$1" = debug ]; then
		echo "$ROOT/kunit-configs/debug.kunitconfig"
	fi
}

# build_kunit NAME KUNITCONFIG... : build the x86_64 KUnit kernel NAME in
# $BUILD/NAME with kunit.py (which also checks that every option of the
# kunitconfigs made it into .config), from the tree BUILD_TREE (default:
# $KTREE). Prints the bzImage path.
build_kunit() {
	local name=$1 dir=$BUILD/$1 log=$LOGS/build-$1.log args=() k
	local tree=${BUILD_TREE:-$KTREE}
	shift
	for k in "$@"; do
		[ -f "$k" ] || die "no kunitconfig at $k"
		args+=(--kunitconfig="$k")
	done
	# ccache (outside the project, in ~/.ccache) makes rebuilds after a
	# rebase of the series cheap.
	command -v ccache >/dev/null && args+=(--make_options="CC=ccache gcc")
	mkdir -p "$dir" "$LOGS"
	info "building the '$name' kernel in $dir (log: $log)"
	if ! (cd "$tree" && python3 "$KUNIT_PY" build --arch=x86_64 \
		--build_dir="$dir" --jobs="$NPROC" "${args[@]}") >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "the '$name' kernel does not build (log: $log)"
	fi
	[ -f "$dir/arch/x86/boot/bzImage" ] || die "no bzImage in $dir"
	echo "$dir/arch/x86/boot/bzImage"
}

# qemu_cmd KERNEL APPEND [INITRD]: set the array QEMU_CMD to the command
# that starts a guest as every script here does: TCG, QEMU_CPU, QEMU_SMP,
# QEMU_MEM, the serial console on stdout, no reboot, QEMU_EXTRA last.
qemu_cmd() {
	local kernel=$1 append=$2 initrd=${3:-}
	QEMU_CMD=("$QEMU" -accel tcg -cpu "$QEMU_CPU" -smp "$QEMU_SMP"
		-m "$QEMU_MEM" -nodefaults -nographic -serial stdio -no-reboot
		-kernel "$kernel" -append "console=ttyS0 panic=-1 $append")
	[ -z "$initrd" ] || QEMU_CMD+=(-initrd "$initrd")
	[ ! -f /usr/share/qemu/qboot.rom ] || QEMU_CMD+=(-bios qboot.rom)
	QEMU_CMD+=("${QEMU_EXTRA[@]}")
}

# qemu_boot LOG KERNEL APPEND [INITRD]: boot under TCG until the guest
# reboots (which ends QEMU under -no-reboot) or BOOT_TIMEOUT passes.
qemu_boot() {
	local log=$1 rc=0
	qemu_cmd "$2" "$3" "${4:-}"
	timeout -k 10 "$BOOT_TIMEOUT" "${QEMU_CMD[@]}" </dev/null >"$log" 2>&1 || rc=$?
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "scripts: guest killed after ${BOOT_TIMEOUT}s" >>"$log"
		return 124
	fi
	return "$rc"
}

# run_logged LOG CMD...: run CMD with its output appended to LOG; on failure
# show the end of LOG and stop.
run_logged() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; die "failed: $* (log: $log)"; }
}

# initramfs_spec [DIR...]: the start of every guest's gen_init_cpio spec:
# /dev with the console, /proc, /sys, /tmp, and /DIR for each DIR.
initramfs_spec() {
	local d
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in proc sys tmp "$@"; do
		echo "dir /$d 0755 0 0"
	done
}

# make_initramfs LOG SPEC CPIO: write the archive CPIO from the gen_init_cpio
# SPEC. The tool is built once, in $BUILD/tools, from usr/gen_init_cpio.c of
# $KTREE (or of the tree GEN_INIT_CPIO_TREE names), which the series does
# not touch.
make_initramfs() {
	local log=$1 spec=$2 cpio=$3 tool=$BUILD/tools/gen_init_cpio
	local src=${GEN_INIT_CPIO_TREE:-$KTREE}/usr/gen_init_cpio.c
	if [ ! -x "$tool" ] || { [ -f "$src" ] && [ "$src" -nt "$tool" ]; }; then
		[ -f "$src" ] || die "no $src: cannot build gen_init_cpio"
		mkdir -p "$BUILD/tools"
		run_logged "$log" gcc -O2 -o "$tool" "$src"
	fi
	[ -f "$spec" ] || die "no initramfs spec $spec"
	run_logged "$log" sh -c '"$1" "$2" >"$3"' gen_init_cpio "$tool" "$spec" "$cpio"
}

# Kernel messages that mean something went wrong whatever the tests said
# (v7.2 prints a WARN() as "WARNING: file:line at function, CPU#n: ...").
# lockdep switching itself off (e.g. a lock on the stack without a key of
# its own) is bad too: the rest of the run goes unchecked.
KERNEL_BAD='(WARNING: CPU|WARNING: [^ ]+:[0-9]+ at |WARNING: possible|WARNING: suspicious|BUG: |kernel BUG at|Oops: |Kernel panic|UBSAN: |KASAN: |INFO: task .* blocked|INFO: trying to register non-static key|turning off the locking correctness validator|Unable to handle kernel|general protection fault, )'

# fail_details LOG: the KTAP lines of the failed cases in a guest console
# log, and what the failed expectations said, at most 40 lines.
fail_details() {
	sed -e 's/^\[[ 0-9.]*\] //' "$1" |
		awk '/(EXPECTATION|ASSERTION) FAILED|try (faulted|timed out)/ { n = 5 }
		     /^ *not ok / || n-- > 0' | head -n 40 | sed 's/^/    | /'
}

# parse_run LABEL LOG [SUITE...]: parse a guest console log with kunit.py,
# which writes its results as JSON to $LOGS/LABEL.json; print one line per
# top-level test (scripts/ktap-results) and add to the totals. A run that
# crashed, ran no test, did not run one of the SUITEs, or printed a kernel
# warning counts as failed. With RESULTS_LIST set, "LABEL=JSON" is added to
# that file, for the table of scripts/test.
parse_run() {
	local label=$1 log=$2 out=$LOGS/$1.parsed json=$LOGS/$1.json
	local res p f s e seen top bad
	shift 2
	rm -f "$json"
	(cd "$KTREE" && python3 "$KUNIT_PY" parse --json="$json" "$log") >"$out" 2>&1 || true
	if [ ! -s "$json" ]; then
		echo "  $label: kunit.py parse wrote no results (see $out)"
		T_FAIL=$((T_FAIL + 1)) T_RUNS_BAD=$((T_RUNS_BAD + 1))
		return
	fi
	res=$(python3 "$ROOT/scripts/ktap-results" summary "$label" "$json" "$@") ||
		die "scripts/ktap-results cannot read $json"
	echo "$res" | sed '$d'
	read -r _ p f s e seen <<<"$(echo "$res" | tail -n 1)"
	[ -n "${RESULTS_LIST:-}" ] && echo "$label=$json" >>"$RESULTS_LIST"
	# kunit.py parse can lose tests when kernel messages interleave with
	# the KTAP lines on the console: the top-level results it reports must
	# be as many as the console has (timestamps stripped).
	top=$(sed -e 's/^\[[ 0-9.]*\] //' "$log" | grep -cE '^(ok|not ok) [0-9]+ ' || true)
	bad=$(grep -cE "$KERNEL_BAD" "$log" || true)
	echo "  $label: ${p} passed, ${f} failed, ${s} skipped (log: $log)"
	# Say why here too: a CI run may keep only what was printed.
	[ "$f" = 0 ] || fail_details "$log"
	if [ "$e" != 0 ]; then
		echo "  $label: $e KTAP errors (crash or truncated output), see $out"
		f=$((f + 1))
	fi
	if [ "$top" != "$seen" ]; then
		echo "  $label: the console has $top top-level results, kunit.py parse reported $seen (interleaved kernel messages?), see $log"
		f=$((f + 1))
	fi
	if [ "$bad" != 0 ]; then
		echo "  $label: the kernel reported $bad problem(s):"
		grep -E "$KERNEL_BAD" "$log" | head -n 5 | sed 's/^/    /'
		f=$((f + 1))
	fi
	if [ $((p + f + s)) = 0 ]; then
		echo "  $label: no test ran"
		T_RUNS_BAD=$((T_RUNS_BAD + 1))
	fi
	T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + s))
}

# run_sub NAME CMD...: run a script that ends with "N skipped" and
# "N passed, N failed" (scripts/selftests, scripts/kvm-selftests), show its
# output (kept in $LOGS/NAME.out) and add its totals to these. A script
# that did not finish, or failed with nothing failed, counts as a bad run.
run_sub() {
	local name=$1 out=$LOGS/$1.out rc=0 last p f s
	shift
	"$@" | tee "$out" || rc=$?
	last=$(tail -n 1 "$out")
	p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	f=$(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	s=$(tail -n 2 "$out" | sed -n 's/^\([0-9]*\) skipped$/\1/p')
	if [ -z "$p" ] || [ -z "$f" ]; then
		echo "  $name: did not finish"
		T_RUNS_BAD=$((T_RUNS_BAD + 1))
	else
		T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f)) T_SKIP=$((T_SKIP + ${s:-0}))
		[ "$rc" = 0 ] || [ "$f" != 0 ] || T_RUNS_BAD=$((T_RUNS_BAD + 1))
	fi
}

# The closing lines ("N skipped", then "N passed, N failed" alone on the
# last line), and the exit status of the whole run: a run where no test
# passed fails, also when every test that ran was skipped.
finish_totals() {
	echo "$T_SKIP skipped"
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" = 0 ] && [ "$T_RUNS_BAD" = 0 ] && [ "$T_PASS" -gt 0 ]
}
