# src/api/records.mk -- GET /v1/records, the records dynamic updates wrote
libstadion_a_SOURCES += src/api/records.c src/api/records.h
EXTRA_DIST += src/api/records.mk

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_records
TESTS += tests/unit/test_records
tests_unit_test_records_SOURCES = tests/unit/test_records.c $(TESTLIB)
tests_unit_test_records_LDADD = $(UNIT_LDADD)
tests_unit_test_records_CFLAGS = $(UNIT_CFLAGS)
endif
