# src/orch/core.mk -- sources and tests of this piece
libstadion_a_SOURCES += \
	src/orch/containerizer.c src/orch/containerizer.h \
	src/orch/orch.h src/orch/ctr_process.h src/orch/ctr_docker.h \
	src/orch/orch.c src/orch/orch_int.h src/orch/orch_db.c \
	src/orch/orch_task.c src/orch/orch_plan.c src/orch/orch_api.c \
	src/orch/orch_json.c src/orch/orch_health.c src/orch/orch_event.c \
	src/orch/orch_adopt.c src/orch/orch_deploy.c src/orch/orch_canary.c

if HAVE_CMOCKA
ORCH_FIXTURE = tests/unit/orch_fixture.c tests/unit/orch_fixture.h \
	tests/unit/fake_ctr.c tests/unit/fake_ctr.h $(TESTLIB)
check_PROGRAMS += tests/unit/test_orch tests/unit/test_orch_deploy \
	tests/unit/test_orch_strategy
TESTS += tests/unit/test_orch tests/unit/test_orch_deploy \
	tests/unit/test_orch_strategy
tests_unit_test_orch_SOURCES = tests/unit/test_orch.c $(ORCH_FIXTURE)
tests_unit_test_orch_LDADD = $(UNIT_LDADD)
tests_unit_test_orch_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_orch_deploy_SOURCES = tests/unit/test_orch_deploy.c \
	$(ORCH_FIXTURE)
tests_unit_test_orch_deploy_LDADD = $(UNIT_LDADD)
tests_unit_test_orch_deploy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_orch_strategy_SOURCES = tests/unit/test_orch_strategy.c \
	$(ORCH_FIXTURE)
tests_unit_test_orch_strategy_LDADD = $(UNIT_LDADD)
tests_unit_test_orch_strategy_CFLAGS = $(UNIT_CFLAGS)
endif
