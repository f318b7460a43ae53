# src/orch/app.mk -- sources and tests of this piece
libstadion_a_SOURCES += \
	src/orch/app.c src/orch/app.h src/orch/app_int.h \
	src/orch/app_util.c src/orch/app_net.c src/orch/app_sched.c \
	src/orch/app_strategy.c
if HAVE_CMOCKA
APP_TESTLIB = tests/unit/app_testlib.c tests/unit/app_testlib.h
check_PROGRAMS += tests/unit/test_app tests/unit/test_app_health \
	tests/unit/test_app_strategy
TESTS += tests/unit/test_app tests/unit/test_app_health \
	tests/unit/test_app_strategy
tests_unit_test_app_SOURCES = tests/unit/test_app.c $(APP_TESTLIB)
tests_unit_test_app_LDADD = $(UNIT_LDADD)
tests_unit_test_app_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_app_health_SOURCES = tests/unit/test_app_health.c \
	$(APP_TESTLIB)
tests_unit_test_app_health_LDADD = $(UNIT_LDADD)
tests_unit_test_app_health_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_app_strategy_SOURCES = tests/unit/test_app_strategy.c \
	$(APP_TESTLIB)
tests_unit_test_app_strategy_LDADD = $(UNIT_LDADD)
tests_unit_test_app_strategy_CFLAGS = $(UNIT_CFLAGS)
endif
EXTRA_DIST += tests/unit/data/app-basic.json \
	tests/unit/data/app-docker-bridge.json \
	tests/unit/data/app-networks-bridge.json \
	tests/unit/data/app-host-ports.json tests/unit/data/app-full.json \
	tests/unit/data/app-ports-legacy.json
