# src/orch/analysis.mk -- the canary's metrics analysis
libstadion_a_SOURCES += src/orch/analysis.c src/orch/analysis.h
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_analysis
TESTS += tests/unit/test_analysis
tests_unit_test_analysis_SOURCES = tests/unit/test_analysis.c
tests_unit_test_analysis_LDADD = $(UNIT_LDADD)
tests_unit_test_analysis_CFLAGS = $(UNIT_CFLAGS)
endif
