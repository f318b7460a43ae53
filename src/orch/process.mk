# src/orch/process.mk -- sources and tests of this piece
libstadion_a_SOURCES += \
	src/orch/ctr_process.c src/orch/ctr_process_int.h \
	src/orch/ctr_process_io.c src/orch/ctr_process_ops.c \
	src/orch/ctr_process_record.c src/orch/ctr_process_spawn.c
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_ctr_process
TESTS += tests/unit/test_ctr_process
tests_unit_test_ctr_process_SOURCES = tests/unit/test_ctr_process.c $(TESTLIB)
tests_unit_test_ctr_process_LDADD = $(UNIT_LDADD)
tests_unit_test_ctr_process_CFLAGS = $(UNIT_CFLAGS)
endif
