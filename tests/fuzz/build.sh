#!/usr/bin/env bash
# tests/fuzz/build.sh -- build the libFuzzer target fuzz_packet with clang
# (-fsanitize=fuzzer,address,undefined) straight from src/ (all but the
# programs' mains: src/daemon/ and src/ctl/), then run it for a bounded
# time seeded with the DNS corpus.
#
#   tests/fuzz/build.sh [--build-only] [SECONDS]
#
# SECONDS (default $FUZZ_SECONDS or 60) bounds the run. The seed corpus is
# $STADION_FUZZ_CORPUS (a directory, or one holding packet/), else
# ../shared/dns-fuzzing/packets.tgz beside the source tree; without one the
# fuzzer starts from nothing. New inputs go to a temp dir; a crash leaves
# its input in $FUZZ_ARTIFACTS (default _build/fuzz-artifacts/) and makes
# this script exit non-zero. FUZZ_CFLAGS adds compiler flags. Needs a configured tree for config.h (in tree
# or $STADION_BUILDDIR); it runs configure in a scratch dir otherwise.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
seconds=${1:-${FUZZ_SECONDS:-60}}
CC=${FUZZ_CC:-clang}
out=${FUZZ_OUT:-$top/tests/fuzz/fuzz_packet}
artifacts=${FUZZ_ARTIFACTS:-$top/_build/fuzz-artifacts}
work=$(mktemp -d "${TMPDIR:-/tmp}/stadion-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang)" >&2; exit 77; }

# config.h: from a configured build, else configure a scratch build dir.
confdir=
for d in "${STADION_BUILDDIR:-}" "$top" "$top/_build/default" "$top/_build/asan"; do
	if [ -n "$d" ] && [ -f "$d/config.h" ]; then confdir=$d; break; fi
done
if [ -z "$confdir" ]; then
	echo "fuzz: no config.h, configuring in $work/conf"
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
	mkdir -p "$work/conf"
	(cd "$work/conf" && "$top/configure" -q) || { echo "fuzz: configure failed" >&2; exit 1; }
	confdir=$work/conf
fi

deps="ldns libevent libevent_pthreads jansson lmdb libcurl libcrypto"
cflags=$(pkg-config --cflags $deps 2>/dev/null || true)
libs=$(pkg-config --libs $deps 2>/dev/null || echo "-lldns -levent -levent_pthreads -ljansson -llmdb -lcurl -lcrypto")
mapfile -t srcs < <(find "$top/src" -name '*.c' -not -path "$top/src/daemon/*" \
    -not -path "$top/src/ctl/*" | sort)

echo "fuzz: building $out from ${#srcs[@]} sources"
# shellcheck disable=SC2086
"$CC" -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$confdir" -I"$top/src" -DSYSCONFDIR='"/etc"' -DLOCALSTATEDIR='"/var"' \
    $cflags ${FUZZ_CFLAGS:-} -o "$out" "$top/tests/fuzz/fuzz_packet.c" "${srcs[@]}" \
    $libs -lpthread -lm
[ "$build_only" = 1 ] && exit 0

seeds=
if [ -n "${STADION_FUZZ_CORPUS:-}" ]; then
	seeds=$STADION_FUZZ_CORPUS
	[ -d "$seeds/packet" ] && seeds=$seeds/packet
elif [ -f "$top/../shared/dns-fuzzing/packets.tgz" ]; then
	tar xzf "$top/../shared/dns-fuzzing/packets.tgz" -C "$work"
	seeds=$work/packet
fi
[ -n "$seeds" ] && echo "fuzz: seeds from $seeds ($(find "$seeds" -type f | wc -l) files)"

# Seeds that reach our own zones (the corpus mostly asks about others').
mkdir -p "$work/corpus" "$work/seeds" "$artifacts"
if command -v python3 >/dev/null; then
	echo "fuzz: $(python3 "$top/tests/fuzz/seeds.py" "$work/seeds") seeds for our names"
fi
echo "fuzz: running for $seconds s"
status=0
# The target's own temp store goes under $work too (gone even after a crash).
TMPDIR=$work "$out" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65535 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    -dict="$top/tests/fuzz/dns.dict" \
    "$work/corpus" "$work/seeds" ${seeds:+"$seeds"} > "$work/fuzz.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
	tail -n 150 "$work/fuzz.log" >&2
	echo "fuzz: FAILED (status $status); inputs in $artifacts/:" >&2
	ls -l "$artifacts" >&2
	exit 1
fi
grep -E '^(#[0-9]+|stat::|INFO: seed corpus|Done)' "$work/fuzz.log" | tail -n 12 || true
echo "fuzz: no crash in $seconds s"
