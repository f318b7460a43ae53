/*
 * test_app_strategy.c -- app definition validation of upgradeStrategy:
 * the defaults of each type, every rule, and the Canary steps.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/error.h"
#include "app_testlib.h"

/* What every normalized upgradeStrategy has, around the given members. */
#define US_TAIL "\"autoRollback\": true, \"failureThreshold\": 3, " \
	"\"progressDeadlineSeconds\": 600}"
#define US_ROLL "{\"type\": \"RollingUpdate\", "
#define US_25 "\"maxSurge\": \"25%\", \"maxUnavailable\": \"25%\", "

static void
test_upgrade_strategy(void **state)
{
	static const struct {
		const char *app;	/* more members of the app, or "" */
		const char *us;		/* upgradeStrategy, NULL for none */
		const char *want;
	} t[] = {
		{ "", NULL, US_ROLL US_25 US_TAIL },
		{ "", "{}", US_ROLL US_25 US_TAIL },
		/* Marathon's pair alone, the missing one 1 as in Marathon. */
		{ "", "{\"minimumHealthCapacity\": 0.5}", US_ROLL
		    "\"minimumHealthCapacity\": 0.5, \"maximumOverCapacity\": "
		    "1.0, " US_TAIL },
		{ "", "{\"maximumOverCapacity\": 0}", US_ROLL
		    "\"minimumHealthCapacity\": 1.0, \"maximumOverCapacity\": "
		    "0.0, " US_TAIL },
		/* stadion's pair, the missing one 25%; percentages cleaned. */
		{ "", "{\"maxSurge\": 2}", US_ROLL "\"maxSurge\": 2, "
		    "\"maxUnavailable\": \"25%\", " US_TAIL },
		{ "", "{\"maxUnavailable\": \"033%\"}", US_ROLL "\"maxSurge\": "
		    "\"25%\", \"maxUnavailable\": \"33%\", " US_TAIL },
		{ "", "{\"maxSurge\": 0, \"maxUnavailable\": \"10%\"}", US_ROLL
		    "\"maxSurge\": 0, \"maxUnavailable\": \"10%\", " US_TAIL },
		{ "", "{\"maxSurge\": \"0%\", \"maxUnavailable\": 1}", US_ROLL
		    "\"maxSurge\": \"0%\", \"maxUnavailable\": 1, " US_TAIL },
		{ "", "{\"maxSurge\": \"100%\", \"maxUnavailable\": 0}", US_ROLL
		    "\"maxSurge\": \"100%\", \"maxUnavailable\": 0, " US_TAIL },
		{ "", "{\"batchSize\": \"10%\"}", US_ROLL US_25 "\"batchSize\": "
		    "\"10%\", \"batchIntervalSeconds\": 0, " US_TAIL },
		{ "", "{\"type\": \"RollingUpdate\", \"batchSize\": \"50%\", "
		    "\"batchIntervalSeconds\": 30, \"maxSurge\": 1, "
		    "\"maxUnavailable\": 0}", US_ROLL "\"maxSurge\": 1, "
		    "\"maxUnavailable\": 0, \"batchSize\": \"50%\", "
		    "\"batchIntervalSeconds\": 30, " US_TAIL },
		{ "", "{\"type\": \"BlueGreen\"}", "{\"type\": \"BlueGreen\", "
		    US_25 "\"scaleDownDelaySeconds\": 30, " US_TAIL },
		{ "", "{\"type\": \"BlueGreen\", \"scaleDownDelaySeconds\": 0, "
		    "\"autoRollback\": false, \"minimumHealthCapacity\": 1}",
		    "{\"type\": \"BlueGreen\", \"minimumHealthCapacity\": 1.0, "
		    "\"maximumOverCapacity\": 1.0, \"scaleDownDelaySeconds\": 0, "
		    "\"autoRollback\": false, \"failureThreshold\": 3, "
		    "\"progressDeadlineSeconds\": 600}" },
		/* Steps as given; a pause keeps only its duration. */
		{ "", "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 10}, "
		    "{\"pause\": {\"duration\": 60}}, {\"setWeight\": 50}, "
		    "{\"pause\": {}}, {\"setWeight\": 100}], \"analysis\": "
		    "{\"path\": \"/metrics\", \"requests\": "
		    "\"http_requests_total\", \"errors\": \"job:errors:rate5m\"}}",
		    "{\"type\": \"Canary\", " US_25 "\"steps\": [{\"setWeight\": "
		    "10}, {\"pause\": {\"duration\": 60}}, {\"setWeight\": 50}, "
		    "{\"pause\": {}}, {\"setWeight\": 100}], \"analysis\": "
		    "{\"path\": \"/metrics\", \"portIndex\": 0, \"requests\": "
		    "\"http_requests_total\", \"errors\": \"job:errors:rate5m\", "
		    "\"maxErrorRate\": 0.01, \"minRequests\": 1, "
		    "\"timeoutSeconds\": 5}, " US_TAIL },
		/* analysis on any type; portIndex into the app's ports. */
		{ ", \"portDefinitions\": [{\"port\": 0}, {\"port\": 0}]",
		    "{\"analysis\": {\"path\": \"/m\", \"portIndex\": 1, "
		    "\"requests\": \"_r\", \"errors\": \"e1\", \"maxErrorRate\": "
		    "0, \"minRequests\": 0, \"timeoutSeconds\": 1}, "
		    "\"failureThreshold\": 1, \"progressDeadlineSeconds\": 60, "
		    "\"drainSeconds\": 0}", US_ROLL US_25 "\"analysis\": "
		    "{\"path\": \"/m\", \"portIndex\": 1, \"requests\": \"_r\", "
		    "\"errors\": \"e1\", \"maxErrorRate\": 0.0, \"minRequests\": "
		    "0, \"timeoutSeconds\": 1}, \"autoRollback\": true, "
		    "\"failureThreshold\": 1, \"progressDeadlineSeconds\": 60, "
		    "\"drainSeconds\": 0}" },
	};
	char body[2048];
	json_t *a, *want;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].us)
			snprintf(body, sizeof(body), "{\"id\": \"a\", \"cmd\": "
			    "\"x\"%s, \"upgradeStrategy\": %s}", t[i].app,
			    t[i].us);
		else
			snprintf(body, sizeof(body), "{\"id\": \"a\", \"cmd\": "
			    "\"x\"%s}", t[i].app);
		a = at_valid(body);
		assert_non_null(want = json_loads(t[i].want, 0, NULL));
		if (!json_equal(json_object_get(a, "upgradeStrategy"), want)) {
			char *got = json_dumps(json_object_get(a,
			    "upgradeStrategy"), JSON_SORT_KEYS);

			print_error("got:  %s\nwant: %s\n", got, t[i].want);
			free(got);
			fail_msg("upgradeStrategy of %s", body);
		}
		at_fixed_point(a);
		json_decref(want);
		json_decref(a);
	}
}

static void
test_upgrade_strategy_refused(void **state)
{
	static const struct {
		const char *us, *path, *message;
	} t[] = {
		{ "[]", "", "object" },
		{ "{\"maxSurge\": 1, \"minimumHealthCapacity\": 0.5}", "",
		    "give either maxSurge/maxUnavailable or "
		    "minimumHealthCapacity/maximumOverCapacity" },
		{ "{\"maxUnavailable\": \"10%\", \"maximumOverCapacity\": 0}",
		    "", "give either" },
		{ "{\"maxSurge\": 0, \"maxUnavailable\": \"0%\"}", "",
		    "both be 0" },
		{ "{\"maxSurge\": \"0%\", \"maxUnavailable\": 0}", "",
		    "both be 0" },
		{ "{\"maxSurge\": -1}", "/maxSurge", "percentage" },
		{ "{\"maxSurge\": \"101%\"}", "/maxSurge", "\"100%\"" },
		{ "{\"maxSurge\": \"2.5%\"}", "/maxSurge", NULL },
		{ "{\"maxUnavailable\": \"25\"}", "/maxUnavailable", NULL },
		{ "{\"maxUnavailable\": 1.5}", "/maxUnavailable", NULL },
		{ "{\"maxUnavailable\": 1000001}", "/maxUnavailable", NULL },
		{ "{\"type\": \"Recreate\"}", "/type",
		    "RollingUpdate, BlueGreen, Canary" },
		{ "{\"type\": 3}", "/type", NULL },
		{ "{\"batchSize\": \"0%\"}", "/batchSize", "\"1%\" to \"50%\"" },
		{ "{\"batchSize\": \"51%\"}", "/batchSize", NULL },
		{ "{\"batchSize\": 2}", "/batchSize", NULL },
		{ "{\"batchIntervalSeconds\": 5}", "/batchIntervalSeconds",
		    "only with batchSize" },
		{ "{\"batchSize\": \"10%\", \"batchIntervalSeconds\": -1}",
		    "/batchIntervalSeconds", NULL },
		/* Fields of another type. */
		{ "{\"type\": \"BlueGreen\", \"batchSize\": \"10%\"}",
		    "/batchSize", "only RollingUpdate" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 5}], "
		    "\"batchIntervalSeconds\": 1}", "/batchIntervalSeconds",
		    "only RollingUpdate" },
		{ "{\"scaleDownDelaySeconds\": 10}", "/scaleDownDelaySeconds",
		    "only BlueGreen" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 5}], "
		    "\"scaleDownDelaySeconds\": 10}", "/scaleDownDelaySeconds",
		    "only BlueGreen" },
		{ "{\"steps\": [{\"setWeight\": 10}]}", "/steps",
		    "only Canary" },
		{ "{\"type\": \"BlueGreen\", \"scaleDownDelaySeconds\": -1}",
		    "/scaleDownDelaySeconds", NULL },
		/* Canary steps. */
		{ "{\"type\": \"Canary\"}", "/steps", "needs steps" },
		{ "{\"type\": \"Canary\", \"steps\": []}", "/steps",
		    "1 to 32" },
		{ "{\"type\": \"Canary\", \"steps\": \"10%\"}", "/steps", NULL },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 0}]}",
		    "/steps/0/setWeight", "greater than or equal to 1" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 101}]}",
		    "/steps/0/setWeight", "less than or equal to 100" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": \"5\"}]}",
		    "/steps/0/setWeight", NULL },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 50}, "
		    "{\"setWeight\": 50}]}", "/steps/1/setWeight",
		    "greater than the weight before it (50)" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 50}, "
		    "{\"pause\": {}}, {\"setWeight\": 20}]}",
		    "/steps/2/setWeight", NULL },
		{ "{\"type\": \"Canary\", \"steps\": [{\"setWeight\": 10, "
		    "\"pause\": {}}]}", "/steps/0", "{\"setWeight\": N}" },
		{ "{\"type\": \"Canary\", \"steps\": [{}]}", "/steps/0", NULL },
		{ "{\"type\": \"Canary\", \"steps\": [10]}", "/steps/0", NULL },
		{ "{\"type\": \"Canary\", \"steps\": [{\"wait\": {}}]}",
		    "/steps/0/wait", "unknown field" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"pause\": 5}]}",
		    "/steps/0/pause", "object" },
		{ "{\"type\": \"Canary\", \"steps\": [{\"pause\": "
		    "{\"duration\": 0}}]}", "/steps/0/pause/duration", NULL },
		{ "{\"type\": \"Canary\", \"steps\": [{\"pause\": "
		    "{\"until\": \"x\"}}]}", "/steps/0/pause/until",
		    "unknown field" },
		/* analysis. */
		{ "{\"analysis\": 1}", "/analysis", "object" },
		{ "{\"analysis\": {\"requests\": \"r\", \"errors\": \"e\"}}",
		    "/analysis/path", "required" },
		{ "{\"analysis\": {\"path\": \"metrics\", \"requests\": \"r\", "
		    "\"errors\": \"e\"}}", "/analysis/path", "start with /" },
		{ "{\"analysis\": {\"path\": \"/m\", \"errors\": \"e\"}}",
		    "/analysis/requests", "required" },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\"}}",
		    "/analysis/errors", "required" },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"1r\", "
		    "\"errors\": \"e\"}}", "/analysis/requests", "Prometheus" },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"http-errors\"}}", "/analysis/errors",
		    "Prometheus" },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"e\", \"portIndex\": 1}}", "/analysis/portIndex",
		    "one of the app's 1 ports (0 to 0)" },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"e\", \"portIndex\": -1}}",
		    "/analysis/portIndex", NULL },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"e\", \"maxErrorRate\": 1.5}}",
		    "/analysis/maxErrorRate", NULL },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"e\", \"minRequests\": -1}}",
		    "/analysis/minRequests", NULL },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"e\", \"timeoutSeconds\": 0}}",
		    "/analysis/timeoutSeconds", NULL },
		{ "{\"analysis\": {\"path\": \"/m\", \"requests\": \"r\", "
		    "\"errors\": \"e\", \"query\": \"up\"}}", "/analysis/query",
		    "unknown field" },
		/* The rest. */
		{ "{\"autoRollback\": \"yes\"}", "/autoRollback", "boolean" },
		{ "{\"failureThreshold\": 0}", "/failureThreshold", NULL },
		{ "{\"progressDeadlineSeconds\": 0}",
		    "/progressDeadlineSeconds", NULL },
		{ "{\"drainSeconds\": -1}", "/drainSeconds", NULL },
	};
	char body[1024], path[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "{\"id\": \"a\", \"cmd\": \"x\", "
		    "\"upgradeStrategy\": %s}", t[i].us);
		snprintf(path, sizeof(path), "/upgradeStrategy%s", t[i].path);
		at_refused(body, path, t[i].message);
	}
}

/* Canary steps: at most 32; a misspelt type blames nothing else. */
static void
test_upgrade_strategy_more(void **state)
{
	json_t *a, *out = NULL, *details = NULL;
	char body[2048];
	size_t o, i;

	(void)state;
	o = (size_t)snprintf(body, sizeof(body), "{\"id\": \"a\", \"cmd\": "
	    "\"x\", \"upgradeStrategy\": {\"type\": \"Canary\", \"steps\": [");
	for (i = 1; i <= 32; i++)
		o += (size_t)snprintf(body + o, sizeof(body) - o, "%s"
		    "{\"setWeight\": %zu}", i > 1 ? ", " : "", i);
	snprintf(body + o, sizeof(body) - o, "]}}");
	a = at_valid(body);
	assert_int_equal(json_array_size(json_object_get(json_object_get(a,
	    "upgradeStrategy"), "steps")), 32);
	json_decref(a);
	snprintf(body + o, sizeof(body) - o, ", {\"setWeight\": 33}]}}");
	at_refused(body, "/upgradeStrategy/steps", "1 to 32");

	assert_int_equal(at_check("{\"id\": \"a\", \"cmd\": \"x\", "
	    "\"upgradeStrategy\": {\"type\": \"canary\", \"steps\": "
	    "[{\"setWeight\": 10}]}}", NULL, &out, &details), ST_EINVAL);
	assert_non_null(at_errors_at(details, "/upgradeStrategy/type"));
	assert_int_equal(json_array_size(details), 1);
	json_decref(details);

	/* An app without ports has nothing for analysis to query. */
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": [], "
	    "\"upgradeStrategy\": {\"type\": \"Canary\", \"steps\": "
	    "[{\"setWeight\": 10}], \"analysis\": {\"path\": \"/m\", "
	    "\"requests\": \"r\", \"errors\": \"e\"}}}",
	    "/upgradeStrategy/analysis", "no port");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_strategy),
		cmocka_unit_test(test_upgrade_strategy_refused),
		cmocka_unit_test(test_upgrade_strategy_more),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
