# tests/system/apps.mk -- system tests of the orchestrator: apps run by the
# process driver and by the Docker engine, stadionctl against the daemon.
APPS_SYSTEM_TESTS = \
	tests/system/apps-process.sh \
	tests/system/apps-docker.sh \
	tests/system/apps-health.sh \
	tests/system/apps-docker-health.sh \
	tests/system/resolver-docker.sh \
	tests/system/stadionctl-live.sh
TESTS += $(APPS_SYSTEM_TESTS)
EXTRA_DIST += $(APPS_SYSTEM_TESTS) tests/system/apps.mk tests/system/apps-lib.sh
