# src/orch/deploy.mk -- sources and tests of this piece
libstadion_a_SOURCES += src/orch/deploy.c src/orch/deploy.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_deploy
TESTS += tests/unit/test_deploy
tests_unit_test_deploy_SOURCES = tests/unit/test_deploy.c
tests_unit_test_deploy_LDADD = $(UNIT_LDADD)
tests_unit_test_deploy_CFLAGS = $(UNIT_CFLAGS)
endif
