# src/dns/xfr.mk -- zone transfers (AXFR, IXFR from the journal), NOTIFY,
# and the transfer ACL
libstadion_a_SOURCES += \
	src/dns/acl.c src/dns/acl.h \
	src/dns/journal.c src/dns/journal_commit.c src/dns/journal_read.c \
	src/dns/journal.h src/dns/journal_int.h \
	src/dns/xfr.c src/dns/xfr_out.c src/dns/xfr_serve.c src/dns/xfr.h src/dns/xfr_int.h \
	src/dns/notify.c src/dns/notify.h
EXTRA_DIST += src/dns/xfr.mk

if HAVE_CMOCKA
XFR_UNIT_TESTS = tests/unit/test_journal tests/unit/test_xfr \
	tests/unit/test_notify tests/unit/test_dns_acl
check_PROGRAMS += $(XFR_UNIT_TESTS)
TESTS += $(XFR_UNIT_TESTS)
tests_unit_test_journal_SOURCES = tests/unit/test_journal.c \
	tests/unit/xfr_fixture.c tests/unit/xfr_fixture.h $(TESTLIB)
tests_unit_test_journal_LDADD = $(UNIT_LDADD)
tests_unit_test_journal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_xfr_SOURCES = tests/unit/test_xfr.c \
	tests/unit/xfr_fixture.c tests/unit/xfr_fixture.h $(TESTLIB)
tests_unit_test_xfr_LDADD = $(UNIT_LDADD)
tests_unit_test_xfr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_SOURCES = tests/unit/test_notify.c $(TESTLIB)
tests_unit_test_notify_LDADD = $(UNIT_LDADD)
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dns_acl_SOURCES = tests/unit/test_dns_acl.c
tests_unit_test_dns_acl_LDADD = $(UNIT_LDADD)
tests_unit_test_dns_acl_CFLAGS = $(UNIT_CFLAGS)
endif

# Against BIND's and Knot's tools, live: xfrtool serves transfers out of a
# store changed through the registry; kdig and dig take them, and knotd as a
# secondary follows by AXFR, then IXFR on NOTIFY.
check_PROGRAMS += tests/system/xfrtool
tests_system_xfrtool_SOURCES = tests/system/xfrtool.c
tests_system_xfrtool_LDADD = libstadion.a $(DEPS_LIBS)
TESTS += tests/system/xfr-interop.sh
EXTRA_DIST += tests/system/xfr-interop.sh
