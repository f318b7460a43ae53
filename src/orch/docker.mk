# src/orch/docker.mk -- sources and tests of this piece
# The docker driver and the libcurl-on-libevent glue it runs on.
libstadion_a_SOURCES += \
	src/util/curlev.c src/util/curlev.h \
	src/orch/ctr_docker.c src/orch/ctr_docker_int.h \
	src/orch/ctr_docker_body.c src/orch/ctr_docker_ctr.c \
	src/orch/ctr_docker_exec.c src/orch/ctr_docker_image.c \
	src/orch/ctr_docker_events.c

# ctrtool: one containerizer operation from the command line, for the
# docker system test (built by make check, not a test itself).
check_PROGRAMS += tests/system/ctrtool
tests_system_ctrtool_SOURCES = tests/system/ctrtool.c
tests_system_ctrtool_LDADD = libstadion.a $(DEPS_LIBS)

TESTS += tests/system/docker-driver.sh
EXTRA_DIST += tests/system/docker-driver.sh tests/system/docker-env.sh

if HAVE_CMOCKA
DOCKER_UNIT_TESTS = tests/unit/test_ctr_docker tests/unit/test_curlev
check_PROGRAMS += $(DOCKER_UNIT_TESTS)
TESTS += $(DOCKER_UNIT_TESTS)
tests_unit_test_ctr_docker_SOURCES = tests/unit/test_ctr_docker.c
tests_unit_test_ctr_docker_LDADD = $(UNIT_LDADD)
tests_unit_test_ctr_docker_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_curlev_SOURCES = tests/unit/test_curlev.c
tests_unit_test_curlev_LDADD = $(UNIT_LDADD)
tests_unit_test_curlev_CFLAGS = $(UNIT_CFLAGS)
endif
