#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Description: the same programs and seeds give byte-identical traces on every build: this
# compiles the library, the built-in programs (support/programs.c: the page-cache and ring
# programs) and tests/determinism/det_programs.c with gcc and clang at -O0 and -O2
# (no sanitizers), runs each build and compares its trace hashes with
# tests/golden/determinism.txt. Usage: cross_build.sh SOURCE_DIR WORK_DIR GENERATED_INCLUDE_DIR
# (the last one holds the generated <pcsim/version.h>). With a fourth argument `all` it builds
# all four combinations; by default gcc -O2 and clang -O0, which cover both compilers and both
# optimisation levels in half the time (the default suite must stay under 5 minutes on a busy
# 2-core machine; the four are the soak label's).
set -uo pipefail
src=${1:?source dir}
work=${2:?work dir}
gen=${3:?generated include dir}
which=${4:-pairs}
golden="$src/tests/golden/determinism.txt"
mkdir -p "$work"
libs="-lurcu-memb -lurcu-cds -lurcu-common -lev -lpthread"
mapfile -t csrc < <(cd "$src" && find src -name '*.c' -o -name '*.S' | LC_ALL=C sort)
# Each layer's private headers, as src/CMakeLists.txt gives them to its target.
layer_inc=()
for d in sched explore trace waitq pagecache uring_sim; do
	layer_inc+=(-I"$src/src/$d")
done
fail=0
ran=0
for cc in gcc clang; do
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "cross_build: $cc not installed, skipping it"
		continue
	fi
	for opt in -O0 -O2; do
		if [ "$which" != all ] && { [ "$cc$opt" = gcc-O0 ] || [ "$cc$opt" = clang-O2 ]; }; then
			continue
		fi
		exe="$work/det_${cc}${opt}"
		objs=()
		# compile two files at a time (the machines are 2-core); a failure is noticed by
		# its marker file once all have finished
		rm -f "$work/failed-$cc$opt"
		for f in "${csrc[@]}" support/programs.c tests/determinism/det_programs.c \
			tests/determinism/det_main.c; do
			o="$work/$(echo "$cc$opt-$f" | tr '/' '_').o"
			objs+=("$o")
			while [ "$(jobs -rp | wc -l)" -ge 2 ]; do
				wait -n
			done
			( "$cc" -std=c11 -D_GNU_SOURCE $opt -I"$src/include" -I"$gen" "${layer_inc[@]}" \
				-I"$src/tests/determinism" -I"$src/support/include" -c "$src/$f" \
				-o "$o" || { echo "cross_build: $cc $opt failed to compile $f"
					     touch "$work/failed-$cc$opt"; } ) &
		done
		wait
		if [ -e "$work/failed-$cc$opt" ]; then
			fail=1
			continue
		fi
		if ! "$cc" "${objs[@]}" -o "$exe" $libs; then
			echo "cross_build: $cc $opt failed to link"
			fail=1
			continue
		fi
		if ! "$exe" >"$exe.out"; then
			echo "cross_build: $cc $opt: the program failed"
			fail=1
			continue
		fi
		ran=$((ran + 1))
		if ! diff -u "$golden" "$exe.out"; then
			echo "cross_build: $cc $opt: trace hashes differ from $golden"
			fail=1
		else
			echo "cross_build: $cc $opt: $(wc -l <"$exe.out") trace hashes identical to the golden file"
		fi
	done
done
if [ "$ran" -lt 2 ]; then
	echo "cross_build: fewer than two builds ran"
	exit 1
fi
exit $fail
