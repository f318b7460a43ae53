# src/dns/update.mk -- dynamic update (RFC 2136) with TSIG, its policy, and
# the hand-off of UPDATE messages from the DNS threads to the main loop, and
# the listing of the records updates wrote
libstadion_a_SOURCES += \
	src/dns/update.c src/dns/update_apply.c src/dns/update_int.h \
	src/dns/update.h src/dns/update_conf.c src/dns/policy.c src/dns/policy.h \
	src/dns/update_queue.c src/dns/update_queue.h \
	src/dns/records.c src/dns/records.h
EXTRA_DIST += src/dns/update.mk

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_update tests/unit/test_policy
TESTS += tests/unit/test_update tests/unit/test_policy
tests_unit_test_update_SOURCES = tests/unit/test_update.c $(TESTLIB)
tests_unit_test_update_LDADD = $(UNIT_LDADD)
tests_unit_test_update_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
endif
