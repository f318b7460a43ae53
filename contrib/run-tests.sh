#!/usr/bin/env bash
# contrib/run-tests.sh -- install what the whole suite needs, build, run it.
#
#   1. apt-get install the build deps and every client the tests use,
#      the Docker engine, a registry and busybox for the container tests
#      (skipped when all are installed; sudo only when not root; the
#      tests start dockerd and the registry themselves and stop them);
#   2. build in _build/default and run `make check` (unit + system tests);
#      out-of-tree builds need an unconfigured source tree, so a tree
#      configured in place (e.g. by quickstart.sh) is `make distclean`ed;
#   3. build again in _build/asan with --enable-sanitizers (ASan + UBSan)
#      and run `make check` there;
#   4. build the libFuzzer target and run it for FUZZ_SECONDS (default 30;
#      0 skips it), counted as one more test.
# The DNS corpus ../shared/dns-fuzzing/packets.tgz (beside the repository),
# when present, is unpacked for the robustness test and the fuzzer
# (STADION_FUZZ_CORPUS). Ends with "N passed, N failed"; exits non-zero on
# any failure. Environment: JOBS (make -j), FUZZ_SECONDS, SKIP_ASAN=1.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
export DEBIAN_FRONTEND=noninteractive
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

say() { printf '\n=== %s\n' "$*"; }

PKGS="autoconf automake pkg-config gcc make libldns-dev libevent-dev
libcurl4-openssl-dev libjansson-dev liblmdb-dev libcmocka-dev
bind9-dnsutils knot-dnsutils knot nsd dnsperf clang libclang-rt-14-dev
python3 curl openssl docker.io docker-registry busybox-static apache2-utils"

# ---------------------------------------------------------------- packages
missing=
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing:$missing"
	SUDO=
	if [ "$(id -u)" != 0 ]; then
		# No password prompt without a terminal (CI has no stdin).
		if [ -t 0 ]; then SUDO=sudo; else SUDO="sudo -n"; fi
	fi
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q || exit 1
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing </dev/null || exit 1
	# The knot and nsd packages start system services on port 53, and
	# docker-registry one on port 5000; the tests start their own.
	for svc in knot nsd docker-registry; do
		$SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
	done
fi

# ---------------------------------------------------------------- corpus
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stadion-run-tests.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ -z "${STADION_FUZZ_CORPUS:-}" ]; then
	tgz=$(cd "$top/.." && pwd)/shared/dns-fuzzing/packets.tgz
	if [ -f "$tgz" ] && tar xzf "$tgz" -C "$tmp"; then
		export STADION_FUZZ_CORPUS=$tmp/packet
		echo "corpus: $(ls "$STADION_FUZZ_CORPUS" | wc -l) messages from $tgz"
	else
		echo "corpus: $tgz not found; the fuzz-corpus test will skip"
	fi
fi

# ---------------------------------------------------------------- builds
PASS=0
FAIL=0
SKIP=0
failures=()

# count LOG LABEL: add automake's "# PASS:" / "# FAIL:" (and ERROR, XPASS)
# of a `make check` output to the totals.
count() {
	local log=$1 label=$2 p f e x s
	p=$(sed -n 's/^# PASS: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^# FAIL: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	e=$(sed -n 's/^# ERROR: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	x=$(sed -n 's/^# XPASS: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	s=$(sed -n 's/^# SKIP: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	PASS=$((PASS + ${p:-0}))
	FAIL=$((FAIL + ${f:-0} + ${e:-0} + ${x:-0}))
	SKIP=$((SKIP + ${s:-0}))
	echo "$label: ${p:-0} passed, $(( ${f:-0} + ${e:-0} + ${x:-0} )) failed, ${s:-0} skipped"
	grep -E '^(FAIL|ERROR|XPASS): ' "$log" | sed "s/^/$label: /" || true
}

# build_and_check DIR LABEL CONFIGURE-ARGS...
build_and_check() {
	local dir=$1 label=$2
	shift 2
	say "$label: configure $* (in $dir)"
	mkdir -p "$dir"
	if ! (cd "$dir" && "$top/configure" -q "$@"); then
		FAIL=$((FAIL + 1)); failures+=("$label: configure"); return
	fi
	say "$label: make"
	if ! make -C "$dir" -s -j"$JOBS"; then
		FAIL=$((FAIL + 1)); failures+=("$label: build"); return
	fi
	say "$label: make check"
	make -C "$dir" -j"$JOBS" check 2>&1 | tee "$tmp/$label.log"
	local st=${PIPESTATUS[0]}
	if ! grep -q '^# TOTAL:' "$tmp/$label.log"; then
		# The harness did not get to run (e.g. a test program failed to build).
		FAIL=$((FAIL + 1)); failures+=("$label: make check did not run")
		return
	fi
	count "$tmp/$label.log" "$label"
	if [ "$st" -ne 0 ]; then
		for f in $(sed -n 's/^\(FAIL\|ERROR\|XPASS\): \(.*\)$/\2/p' "$tmp/$label.log"); do
			failures+=("$label: $f")
			# automake drops a TEST_EXTENSIONS suffix (.sh) from the log's name.
			for lf in "$dir/$f.log" "$dir/${f%.sh}.log"; do
				[ -f "$lf" ] || continue
				echo "----- $lf (last 60 lines)"
				tail -n 60 "$lf"
				break
			done
		done
	fi
}

say "autoreconf"
autoreconf -fi || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }
# Out-of-tree builds need a source tree that is not configured in place.
if [ -f "$top/config.status" ]; then
	echo "the tree is configured in place; make distclean first (out-of-tree builds in _build/)"
	make -s distclean >/dev/null 2>&1 || rm -f "$top/config.status" "$top/config.h"
fi

build_and_check "$top/_build/default" default
if [ "${SKIP_ASAN:-0}" != 1 ]; then
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	STADION_START_TIMEOUT=60 \
	    build_and_check "$top/_build/asan" asan --enable-sanitizers
fi

# ---------------------------------------------------------------- fuzzer
if [ "$FUZZ_SECONDS" -gt 0 ]; then
	say "libFuzzer: fuzz_packet for $FUZZ_SECONDS s"
	STADION_BUILDDIR=$top/_build/default FUZZ_OUT=$tmp/fuzz_packet \
	    "$top/tests/fuzz/build.sh" "$FUZZ_SECONDS"
	case $? in
	0) PASS=$((PASS + 1)); echo "fuzz: passed" ;;
	77) SKIP=$((SKIP + 1)); echo "fuzz: skipped (no clang)" ;;
	*) FAIL=$((FAIL + 1)); failures+=("fuzz: tests/fuzz/build.sh") ;;
	esac
fi

say "summary"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
[ "$SKIP" -eq 0 ] || echo "($SKIP skipped)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
