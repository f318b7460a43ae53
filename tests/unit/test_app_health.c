/*
 * test_app_health.c -- app definition validation of healthChecks: the
 * defaults of each protocol, every rule, and stadion's own fields.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "app_testlib.h"

static void
test_health_checks(void **state)
{
	json_t *a, *hc;

	(void)state;
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": [{}, "
	    "{\"protocol\": \"TCP\", \"port\": 9000}, {\"protocol\": "
	    "\"COMMAND\", \"command\": {\"value\": \"true\"}}]}");
	hc = json_array_get(json_object_get(a, "healthChecks"), 0);
	assert_string_equal(at_str(hc, "protocol"), "HTTP");
	assert_string_equal(at_str(hc, "path"), "/");
	assert_int_equal(at_int(hc, "portIndex"), 0);
	assert_int_equal(at_int(hc, "gracePeriodSeconds"), 30);
	assert_int_equal(at_int(hc, "intervalSeconds"), 10);
	assert_int_equal(at_int(hc, "timeoutSeconds"), 5);
	assert_int_equal(at_int(hc, "maxConsecutiveFailures"), 3);
	assert_int_equal(at_int(hc, "delaySeconds"), 0);
	hc = json_array_get(json_object_get(a, "healthChecks"), 1);
	assert_int_equal(at_int(hc, "port"), 9000);
	assert_null(json_object_get(hc, "portIndex"));
	assert_null(json_object_get(hc, "path"));
	hc = json_array_get(json_object_get(a, "healthChecks"), 2);
	assert_string_equal(at_str(json_object_get(hc, "command"), "value"),
	    "true");
	assert_null(json_object_get(hc, "portIndex"));
	json_decref(a);

	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"portIndex\": 1}]}", "/healthChecks/0/portIndex",
	    "must address one of");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": [], "
	    "\"healthChecks\": [{\"protocol\": \"TCP\"}]}", "/healthChecks/0",
	    "no port");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"ICMP\"}]}", "/healthChecks/0/protocol", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"COMMAND\"}]}", "/healthChecks/0/command", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"intervalSeconds\": 0}]}", "/healthChecks/0/intervalSeconds",
	    "greater than or equal to 1");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"maxConsecutiveFailures\": 1.5}]}",
	    "/healthChecks/0/maxConsecutiveFailures", "integer");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"port\": 80, \"portIndex\": 0}]}", "/healthChecks/0",
	    "not both");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"TCP\", \"path\": \"/x\"}]}",
	    "/healthChecks/0/path", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": {}}",
	    "/healthChecks", "array");
	/* stadion's own fields, each on its protocols only. */
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"TCP\", \"httpStatuses\": [200]}]}",
	    "/healthChecks/0/httpStatuses", "only HTTP");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"httpStatuses\": [200, 99]}]}", "/healthChecks/0/httpStatuses/1",
	    "100 to 599");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"httpStatuses\": []}]}", "/healthChecks/0/httpStatuses",
	    "non-empty");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"send\": \"PING\"}]}", "/healthChecks/0/send", "only TCP");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"TCP\", \"expectBody\": \"ok\"}]}",
	    "/healthChecks/0/expectBody", "only HTTP");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"SCRIPT\"}]}", "/healthChecks/0/command", NULL);
}

static void
test_health_extensions(void **state)
{
	json_t *a, *hc;

	(void)state;
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": ["
	    "{\"httpStatuses\": [200, 204], \"expectBody\": \"ok\"}, "
	    "{\"protocol\": \"TCP\", \"send\": \"PING\\r\\n\", "
	    "\"expect\": \"PONG\"}, {\"protocol\": \"SCRIPT\", \"command\": "
	    "{\"value\": \"./check\"}}]}");
	hc = json_array_get(json_object_get(a, "healthChecks"), 0);
	assert_int_equal(json_array_size(json_object_get(hc, "httpStatuses")),
	    2);
	assert_string_equal(at_str(hc, "expectBody"), "ok");
	hc = json_array_get(json_object_get(a, "healthChecks"), 1);
	assert_string_equal(at_str(hc, "send"), "PING\r\n");
	assert_string_equal(at_str(hc, "expect"), "PONG");
	hc = json_array_get(json_object_get(a, "healthChecks"), 2);
	assert_string_equal(at_str(json_object_get(hc, "command"), "value"),
	    "./check");
	assert_null(json_object_get(hc, "portIndex"));
	json_decref(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_checks),
		cmocka_unit_test(test_health_extensions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
