# src/orch/portenv.mk -- ports and env
libstadion_a_SOURCES += \
	src/orch/ports.c src/orch/ports.h \
	src/orch/env.c src/orch/env.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ports tests/unit/test_env
TESTS += tests/unit/test_ports tests/unit/test_env
tests_unit_test_ports_SOURCES = tests/unit/test_ports.c
tests_unit_test_ports_LDADD = $(UNIT_LDADD)
tests_unit_test_ports_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_env_SOURCES = tests/unit/test_env.c
tests_unit_test_env_LDADD = $(UNIT_LDADD)
tests_unit_test_env_CFLAGS = $(UNIT_CFLAGS)
endif
