# src/dns/tsig.mk -- TSIG (RFC 8945): keys, key files, signing, verifying
libstadion_a_SOURCES += src/dns/tsig.c src/dns/tsigkey.c src/dns/tsig.h
EXTRA_DIST += src/dns/tsig.mk

if HAVE_CMOCKA
TSIG_FIXTURE = tests/unit/tsig_fixture.c tests/unit/tsig_fixture.h
check_PROGRAMS += tests/unit/test_tsig tests/unit/test_tsigkey
TESTS += tests/unit/test_tsig tests/unit/test_tsigkey
tests_unit_test_tsig_SOURCES = tests/unit/test_tsig.c $(TSIG_FIXTURE) \
	$(TESTLIB)
tests_unit_test_tsig_LDADD = $(UNIT_LDADD)
tests_unit_test_tsig_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tsigkey_SOURCES = tests/unit/test_tsigkey.c
tests_unit_test_tsigkey_LDADD = $(UNIT_LDADD)
tests_unit_test_tsigkey_CFLAGS = $(UNIT_CFLAGS)
endif
EXTRA_DIST += tests/unit/data/tsig

# Against BIND's and Knot's tools: messages they signed (captured under
# tests/unit/data/tsig), and live, tsigtool answering dig, kdig, nsupdate.
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_tsig_interop
TESTS += tests/unit/test_tsig_interop
tests_unit_test_tsig_interop_SOURCES = tests/unit/test_tsig_interop.c \
	$(TSIG_FIXTURE)
tests_unit_test_tsig_interop_LDADD = $(UNIT_LDADD)
tests_unit_test_tsig_interop_CFLAGS = $(UNIT_CFLAGS)
endif
check_PROGRAMS += tests/system/tsigtool
tests_system_tsigtool_SOURCES = tests/system/tsigtool.c
tests_system_tsigtool_LDADD = libstadion.a $(DEPS_LIBS)
TESTS += tests/system/tsig-interop.sh
EXTRA_DIST += tests/system/tsig-interop.sh
