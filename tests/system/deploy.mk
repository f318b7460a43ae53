# tests/system/deploy.mk -- system tests of deployments: rolling, blue-green
# and canary updates under a client load that finds the app through DNS.
DEPLOY_SYSTEM_TESTS = \
	tests/system/loadloop-selftest.sh \
	tests/system/deploy-process.sh \
	tests/system/deploy-docker.sh
TESTS += $(DEPLOY_SYSTEM_TESTS)
EXTRA_DIST += $(DEPLOY_SYSTEM_TESTS) tests/system/deploy.mk \
	tests/system/deploy-lib.sh tests/system/loadloop.py
