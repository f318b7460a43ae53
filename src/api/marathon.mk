# src/api/marathon.mk -- the /v2 Marathon API
libstadion_a_SOURCES += \
	src/api/marathon.c src/api/marathon.h src/api/marathon_int.h \
	src/api/marathon_apps.c src/api/marathon_tasks.c

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_marathon
TESTS += tests/unit/test_marathon
# fake_orch.o defines every orch_* symbol, so the real orch is never pulled
# from libstadion.a.
tests_unit_test_marathon_SOURCES = tests/unit/test_marathon.c \
	tests/unit/fake_orch.c tests/unit/fake_orch.h $(TESTLIB)
tests_unit_test_marathon_LDADD = $(UNIT_LDADD)
tests_unit_test_marathon_CFLAGS = $(UNIT_CFLAGS)
endif
