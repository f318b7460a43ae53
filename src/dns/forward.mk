# src/dns/forward.mk -- forwarding for the containers, its cache, and
# response rate limiting
libstadion_a_SOURCES += \
	src/util/acl.c src/util/acl.h \
	src/dns/msg.c src/dns/msg.h \
	src/dns/cache.c src/dns/cache.h \
	src/dns/forward.c src/dns/forward_upstream.c src/dns/forward.h \
	src/dns/rrl.c src/dns/rrl.h

if HAVE_CMOCKA
FORWARD_UNIT_TESTS = tests/unit/test_acl tests/unit/test_cache \
	tests/unit/test_rrl tests/unit/test_forward
check_PROGRAMS += $(FORWARD_UNIT_TESTS)
TESTS += $(FORWARD_UNIT_TESTS)
tests_unit_test_acl_SOURCES = tests/unit/test_acl.c
tests_unit_test_acl_LDADD = $(UNIT_LDADD)
tests_unit_test_acl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_cache_SOURCES = tests/unit/test_cache.c
tests_unit_test_cache_LDADD = $(UNIT_LDADD)
tests_unit_test_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rrl_SOURCES = tests/unit/test_rrl.c
tests_unit_test_rrl_LDADD = $(UNIT_LDADD)
tests_unit_test_rrl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_forward_SOURCES = tests/unit/test_forward.c
tests_unit_test_forward_LDADD = $(UNIT_LDADD)
tests_unit_test_forward_CFLAGS = $(UNIT_CFLAGS)
endif
