#!/bin/sh
# SPDX-License-Identifier: MIT
#
# The install test: installs a pcsim build tree into a fresh prefix and builds every
# examples/*.c against that prefix the two ways the README gives, as a user would:
#
#   1. find_package(pcsim): examples/CMakeLists.txt configured as a standalone project
#      with CMAKE_PREFIX_PATH=<prefix>;
#   2. pkg-config: `cc ... $(pkg-config --cflags --libs pcsim)` with
#      PKG_CONFIG_PATH=<prefix>/<libdir>/pkgconfig (and pcsim-static when installed),
#
# then runs each example (every example exits 0 on its expected outcome) and checks that the
# binary links libpcsim the way the build kind says (DT_NEEDED libpcsim.so.* for a shared
# build, not for a static one) and that the version agrees everywhere. It also compiles each
# installed header on its own against the prefix, and for a shared libpcsim (with gcc) checks
# that every function the installed headers declare is exported.
#
# With --from-source KIND the library is first configured and built from the source tree as
# KIND (static or shared, only the library) in <work>/lib-build, and that tree is installed.
#
# Options (cmake/Install.cmake passes them; --opt=VALUE, one word each, so that an empty VALUE
# survives add_test()):
#   --source=DIR --build=DIR --work=DIR --kind=static|shared --version=X.Y.Z --libdir=DIR
#   [--config=C] [--cc=CC] [--generator=G] [--cflags=FLAGS] [--ldflags=FLAGS]
#   [--sanitize=LIST] [--from-source=static|shared] [--pkg-config=EXE]
# --cflags/--ldflags carry the sanitizer flags the library was built with: an instrumented
# libpcsim needs an instrumented program.  Exit status: 0 pass, 1 fail.
set -u

SRC='' BUILD='' WORK='' KIND='' VERSION='' LIBDIR=lib CONFIG='' CC_=cc GEN='' CFLAGS_='' LDFLAGS_=''
SAN='' FROM_SOURCE='' PKG_CONFIG=pkg-config
for arg in "$@"; do
	val=${arg#*=}
	case $arg in
	--source=*) SRC=$val ;;
	--build=*) BUILD=$val ;;
	--work=*) WORK=$val ;;
	--kind=*) KIND=$val ;;
	--version=*) VERSION=$val ;;
	--libdir=*) LIBDIR=$val ;;
	--config=*) CONFIG=$val ;;
	--cc=*) CC_=$val ;;
	--generator=*) GEN=$val ;;
	--cflags=*) CFLAGS_=$val ;;
	--ldflags=*) LDFLAGS_=$val ;;
	--sanitize=*) SAN=$val ;;
	--from-source=*) FROM_SOURCE=$val ;;
	--pkg-config=*) PKG_CONFIG=$val ;;
	*) echo "install_test.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done
if [ -z "$SRC" ] || [ -z "$WORK" ] || [ -z "$VERSION" ] ||
   { [ -z "$FROM_SOURCE" ] && { [ -z "$BUILD" ] || [ -z "$KIND" ]; }; }; then
	echo "install_test.sh: --source, --work, --version and --build/--kind or --from-source" \
		"are required" >&2
	exit 2
fi

fail=0
step() { echo "==> $*"; }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
# run LOG CMD...: run CMD with its output in LOG, shown when it fails
run() {
	log=$1
	shift
	"$@" >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $* (exit $rc):"
		tail -30 "$log"
		return 1
	fi
}

rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
PREFIX=$WORK/prefix
GEN_ARGS=
[ -n "$GEN" ] && GEN_ARGS="-G$GEN"	# one word: "Unix Makefiles" is passed as -GUnix Makefiles
BUILD_TYPE=${CONFIG:-Debug}

if [ -n "$FROM_SOURCE" ]; then
	KIND=$FROM_SOURCE
	shared=OFF
	[ "$KIND" = shared ] && shared=ON
	BUILD=$WORK/lib-build
	step "configure and build a $KIND libpcsim from $SRC"
	run "$WORK/lib-configure.log" cmake -S "$SRC" -B "$BUILD" ${GEN_ARGS:+"$GEN_ARGS"} \
		-DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_C_COMPILER="$CC_" \
		-DBUILD_SHARED_LIBS=$shared -DPCSIM_SANITIZE="$SAN" \
		-DPCSIM_BUILD_TESTS=OFF -DPCSIM_BUILD_TOOLS=OFF -DPCSIM_BUILD_EXAMPLES=OFF \
		-DPCSIM_BUILD_FUZZ=OFF || exit 1
	run "$WORK/lib-build.log" cmake --build "$BUILD" ${CONFIG:+--config "$CONFIG"} \
		--target pcsim || exit 1
fi

step "install $BUILD ($KIND) into $PREFIX"
run "$WORK/install.log" cmake --install "$BUILD" --prefix "$PREFIX" \
	${CONFIG:+--config "$CONFIG"} || exit 1

# The version: generated header, pkg-config file, CMake package (checked below).
hdr=$PREFIX/include/pcsim/version.h
if ! grep -q "^#define PCSIM_VERSION_STRING \"$VERSION\"$" "$hdr" 2>/dev/null; then
	bad "$hdr does not define PCSIM_VERSION_STRING \"$VERSION\""
fi
PCDIR=$PREFIX/$LIBDIR/pkgconfig
v=$(PKG_CONFIG_PATH=$PCDIR "$PKG_CONFIG" --modversion pcsim 2>&1)
[ "$v" = "$VERSION" ] || bad "pkg-config --modversion pcsim: '$v', want '$VERSION'"

# The installed headers: each compiles on its own with only the prefix on the include path (no
# header from src/ or the build tree leaked in), and with a shared libpcsim every function they
# declare is exported (hidden visibility: a declaration without PCSIM_API would not be).
step "installed headers"
HDRS=$(cd "$PREFIX/include" && find pcsim -name '*.h' | LC_ALL=C sort)
[ -n "$HDRS" ] || bad "no headers under $PREFIX/include/pcsim"
mkdir -p "$WORK/headers"
for h in $HDRS; do
	c=$WORK/headers/$(echo "$h" | tr '/.' '__').c
	printf '#include <%s>\n' "$h" >"$c"
	# shellcheck disable=SC2086 # the flags are word lists
	run "$c.log" "$CC_" -std=c11 -Wall -Wextra -Werror $CFLAGS_ -I"$PREFIX/include" \
		-c "$c" -o "$c.o" || fail=$((fail + 1))
done
so=$PREFIX/$LIBDIR/libpcsim.so
is_gcc=$(printf '#if defined(__GNUC__) && !defined(__clang__)\ngcc\n#endif\n' |
	"$CC_" -E -P - 2>/dev/null)
if [ "$KIND" = shared ] && [ "$is_gcc" = gcc ]; then
	all=$WORK/headers/all.c
	for h in $HDRS; do printf '#include <%s>\n' "$h"; done >"$all"
	# gcc -aux-info lists every declaration; ":NC */" marks a non-defining prototype.
	if run "$all.log" "$CC_" -std=c11 -I"$PREFIX/include" -aux-info "$all.aux" -c "$all" \
		-o "$all.o"; then
		grep -F "$PREFIX/include/pcsim/" "$all.aux" | grep ':NC \*/' |
			sed -e 's/^.*\*\/ //' -e 's/ (.*//' | awk '{ print $NF }' | tr -d '*' |
			LC_ALL=C sort -u >"$WORK/headers/declared.txt"
		nm -D --defined-only "$so" | awk '{ print $3 }' | LC_ALL=C sort -u \
			>"$WORK/headers/exported.txt"
		missing=$(LC_ALL=C comm -23 "$WORK/headers/declared.txt" \
			"$WORK/headers/exported.txt" | tr '\n' ' ')
		if [ -n "$missing" ]; then
			bad "declared in the installed headers, not exported by $so: $missing"
		else
			ndecl=$(wc -l <"$WORK/headers/declared.txt")
			nexp=$(wc -l <"$WORK/headers/exported.txt")
			echo "ok: the $ndecl functions declared are exported ($nexp symbols)"
		fi
	else
		fail=$((fail + 1))
	fi
fi

EXAMPLES=$(ls "$SRC"/examples/*.c)
[ -n "$EXAMPLES" ] || { bad "no examples in $SRC/examples"; exit 1; }

# check_exe ROUTE EXE [LIBPATH]: links libpcsim as KIND says, runs (with LIBPATH prepended to
# LD_LIBRARY_PATH) and exits 0
check_exe() {
	route=$1 exe=$2 libpath=${3:-}
	needed=$(readelf -d "$exe" 2>/dev/null | grep 'NEEDED.*libpcsim')
	if [ "$KIND" = shared ] && [ -z "$needed" ]; then
		bad "$route: $exe does not link libpcsim.so"
	elif [ "$KIND" = static ] && [ -n "$needed" ]; then
		bad "$route: $exe links a shared libpcsim: $needed"
	fi
	if env ${libpath:+LD_LIBRARY_PATH=$libpath${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}} \
		"$exe" >"$exe.out" 2>&1; then
		echo "ok: $route: $(basename "$exe")"
	else
		bad "$route: $exe exited $?:"
		tail -20 "$exe.out"
	fi
}

step "find_package(pcsim): examples/ as a standalone project"
CB=$WORK/cmake-examples
if run "$WORK/cmake-configure.log" cmake -S "$SRC/examples" -B "$CB" ${GEN_ARGS:+"$GEN_ARGS"} \
	-DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_C_COMPILER="$CC_" \
	-DCMAKE_C_FLAGS="$CFLAGS_" -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS_" \
	-DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
	-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF; then
	want="pcsim_examples: pcsim $VERSION from $PREFIX/$LIBDIR/cmake/pcsim"
	grep -qF -- "$want" "$WORK/cmake-configure.log" ||
		bad "find_package did not find pcsim $VERSION in the prefix ('$want' not printed)"
	if run "$WORK/cmake-build.log" cmake --build "$CB" ${CONFIG:+--config "$CONFIG"}; then
		for src in $EXAMPLES; do
			name=$(basename "$src" .c)
			exe=$(find "$CB" -type f -name "example_$name" | head -1)
			if [ -z "$exe" ]; then
				bad "find_package: example_$name not built"
				continue
			fi
			# A shared libpcsim is found through the RUNPATH CMake puts in the
			# build tree.
			check_exe find_package "$exe"
		done
	else
		fail=$((fail + 1))
	fi
else
	fail=$((fail + 1))
fi

PCS=pcsim
[ -f "$PCDIR/pcsim-static.pc" ] && PCS="pcsim pcsim-static"
[ "$KIND" = static ] && [ "$PCS" = pcsim ] && bad "a static build installs no pcsim-static.pc"
for pc in $PCS; do
	step "pkg-config $pc"
	out=$WORK/pkg-config-$pc
	mkdir -p "$out"
	flags=$(PKG_CONFIG_PATH=$PCDIR "$PKG_CONFIG" --cflags --libs "$pc") || {
		bad "pkg-config --cflags --libs $pc failed"
		continue
	}
	echo "pkg-config --cflags --libs $pc: $flags"
	for src in $EXAMPLES; do
		name=$(basename "$src" .c)
		# shellcheck disable=SC2086 # the flags are word lists
		if run "$out/$name.log" "$CC_" $CFLAGS_ -o "$out/$name" "$src" $flags \
			$LDFLAGS_; then
			# The README's recipe: a shared libpcsim outside the loader's path needs
			# LD_LIBRARY_PATH (or -Wl,-rpath).
			libpath=
			[ "$KIND" = shared ] && libpath=$PREFIX/$LIBDIR
			check_exe "pkg-config $pc" "$out/$name" "$libpath"
		else
			fail=$((fail + 1))
		fi
	done
done

if [ "$fail" -ne 0 ]; then
	echo "install test: $fail failure(s); logs in $WORK"
	exit 1
fi
echo "install test: ok ($KIND)"
exit 0
