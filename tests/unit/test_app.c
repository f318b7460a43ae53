/*
 * test_app.c -- app definition validation: every rule, every default, and
 * Marathon's example definitions; upgradeStrategy in test_app_strategy.c,
 * healthChecks in test_app_health.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "orch/app.h"
#include "util/error.h"
#include "app_testlib.h"

static void
test_defaults(void **state)
{
	json_t *a, *pd, *us;

	(void)state;
	a = at_valid("{\"id\": \"web\", \"cmd\": \"sleep 1\"}");
	assert_string_equal(at_str(a, "id"), "/web");
	assert_string_equal(at_str(a, "cmd"), "sleep 1");
	assert_true(json_is_null(json_object_get(a, "args")));
	assert_true(json_is_null(json_object_get(a, "user")));
	assert_int_equal(at_int(a, "instances"), 1);
	assert_true(json_real_value(json_object_get(a, "cpus")) == 1.0);
	assert_true(json_real_value(json_object_get(a, "mem")) == 128.0);
	assert_true(json_real_value(json_object_get(a, "disk")) == 0.0);
	assert_int_equal(json_object_size(json_object_get(a, "env")), 0);
	assert_int_equal(json_object_size(json_object_get(a, "labels")), 0);
	assert_true(json_is_null(json_object_get(a, "container")));
	assert_string_equal(at_str(json_array_get(json_object_get(a,
	    "networks"), 0), "mode"), "host");
	pd = json_object_get(a, "portDefinitions");
	assert_int_equal(json_array_size(pd), 1);
	assert_int_equal(at_int(json_array_get(pd, 0), "port"), 0);
	assert_string_equal(at_str(json_array_get(pd, 0), "protocol"), "tcp");
	assert_true(json_is_false(json_object_get(a, "requirePorts")));
	assert_int_equal(json_array_size(json_object_get(a, "healthChecks")), 0);
	assert_int_equal(json_array_size(json_object_get(a, "constraints")), 0);
	assert_int_equal(json_array_size(json_object_get(a, "dependencies")), 0);
	us = json_object_get(a, "upgradeStrategy");
	assert_string_equal(at_str(us, "type"), "RollingUpdate");
	assert_string_equal(at_str(us, "maxSurge"), "25%");
	assert_string_equal(at_str(us, "maxUnavailable"), "25%");
	assert_null(json_object_get(us, "minimumHealthCapacity"));
	assert_int_equal(at_int(a, "backoffSeconds"), 1);
	assert_true(json_real_value(json_object_get(a, "backoffFactor")) == 2);
	assert_int_equal(at_int(a, "maxLaunchDelaySeconds"), 3600);
	assert_int_equal(at_int(a, "maxLaunchAttempts"), 5);
	assert_int_equal(at_int(a, "backoffResetSeconds"), 600);
	assert_int_equal(at_int(a, "alertFailures"), 3);
	assert_int_equal(at_int(a, "alertWindowSeconds"), 300);
	assert_string_equal(at_str(a, "killSelection"), "YOUNGEST_FIRST");
	assert_int_equal(at_int(a, "taskKillGracePeriodSeconds"), 5);
	assert_int_equal(app_port_count(a), 1);
	assert_int_equal(app_port_declared(a, 0), 0);
	json_decref(a);
}

static void
test_field_order(void **state)
{
	static const char *const order[] = {
		"id", "cmd", "args", "user", "instances", "cpus", "mem", "disk",
		"env", "labels", "container", "networks", "portDefinitions",
		"requirePorts", "healthChecks", "constraints", "dependencies",
		"upgradeStrategy", "backoffSeconds", "backoffFactor",
		"maxLaunchDelaySeconds", "maxLaunchAttempts",
		"backoffResetSeconds", "alertFailures", "alertWindowSeconds",
		"killSelection", "taskKillGracePeriodSeconds"
	};
	json_t *a = at_valid("{\"mem\": 64, \"cmd\": \"x\", \"labels\": {}, "
	    "\"id\": \"/a\", \"instances\": 2}"), *v;
	const char *key;
	size_t i = 0;

	(void)state;
	json_object_foreach(a, key, v) {
		assert_true(i < sizeof(order) / sizeof(order[0]));
		assert_string_equal(key, order[i]);
		i++;
	}
	assert_int_equal(i, sizeof(order) / sizeof(order[0]));
	json_decref(a);
}

static void
test_not_object(void **state)
{
	json_t *out = NULL, *details = NULL;

	(void)state;
	at_refused("[1, 2]", "/", "JSON object");
	assert_int_equal(app_check(NULL, NULL, &out, &details), ST_EINVAL);
	json_decref(details);
}

static void
test_unknown_field(void **state)
{
	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"colour\": \"red\"}",
	    "/colour", "unknown field");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"a/b\": 1}", "/a~1b",
	    "unknown field");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"speed\": 1}}", "/upgradeStrategy/speed", "unknown field");
}

static void
test_readonly_dropped(void **state)
{
	json_t *a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"version\": "
	    "\"2026-01-01T00:00:00Z\", \"versionInfo\": {}, \"tasksRunning\": 3, "
	    "\"deployments\": [{\"id\": \"d\"}], \"acceptedResourceRoles\": "
	    "[\"*\"], \"gpus\": 0, \"fetch\": [], \"executor\": \"\", "
	    "\"uris\": []}");

	(void)state;
	assert_null(json_object_get(a, "version"));
	assert_null(json_object_get(a, "versionInfo"));
	assert_null(json_object_get(a, "tasksRunning"));
	assert_null(json_object_get(a, "deployments"));
	assert_null(json_object_get(a, "acceptedResourceRoles"));
	assert_null(json_object_get(a, "gpus"));
	assert_null(json_object_get(a, "fetch"));
	json_decref(a);
}

static void
test_unsupported(void **state)
{
	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"fetch\": [{\"uri\": "
	    "\"http://127.0.0.1/a.tgz\"}]}", "/fetch", "not supported");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"gpus\": 1}", "/gpus",
	    "not supported");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"secrets\": {\"s\": "
	    "{\"source\": \"x\"}}}", "/secrets", "not supported");
}

static void
test_nulls_absent(void **state)
{
	json_t *a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"args\": null, "
	    "\"container\": null, \"user\": null, \"instances\": null}");

	(void)state;
	assert_int_equal(at_int(a, "instances"), 1);
	assert_true(json_is_null(json_object_get(a, "container")));
	json_decref(a);
}

static void
test_cmd_args(void **state)
{
	json_t *a;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"args\": [\"y\"]}", "/",
	    "not both");
	at_refused("{\"id\": \"a\"}", "/", "needs cmd, args");
	at_refused("{\"id\": \"a\", \"args\": [\"y\", 3]}", "/args/1",
	    "must be a string");
	at_refused("{\"id\": \"a\", \"args\": \"y\"}", "/args", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"\"}", "/cmd", "non-empty");
	a = at_valid("{\"id\": \"a\", \"args\": [\"/bin/sleep\", \"10\"]}");
	assert_int_equal(json_array_size(json_object_get(a, "args")), 2);
	assert_true(json_is_null(json_object_get(a, "cmd")));
	json_decref(a);
	/* A docker image has its own command. */
	a = at_valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"nginx\"}}}");
	assert_string_equal(at_str(json_object_get(a, "container"), "type"),
	    "DOCKER");
	json_decref(a);
}

static void
test_id(void **state)
{
	static const char *const bad[] = {
		"Web", "-web", "web-", "a..b", ".a", "a.", "/", "..", "a/../..",
		"a_b", "a b", "web!", ""
	};
	char text[512], id[APP_ID_MAX], small[4];
	json_t *a, *out = NULL, *details = NULL;
	size_t i;

	(void)state;
	at_refused("{\"cmd\": \"x\"}", "/id", "required");
	at_refused("{\"id\": 7, \"cmd\": \"x\"}", "/id", NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"id\": \"%s\", \"cmd\": \"x\"}",
		    bad[i]);
		at_refused(text, "/id", NULL);
		assert_int_equal(app_id_normalize(bad[i], id, sizeof(id)),
		    ST_EINVAL);
	}
	memset(text, 0, sizeof(text));
	memset(text, 'a', APP_ID_MAX);
	assert_int_equal(app_id_normalize(text, id, sizeof(id)), ST_EINVAL);
	text[APP_ID_MAX - 2] = '\0';
	assert_int_equal(app_id_normalize(text, id, sizeof(id)), ST_OK);
	assert_int_equal(strlen(id), APP_ID_MAX - 1);
	assert_int_equal(app_id_normalize("prod//web/", id, sizeof(id)), ST_OK);
	assert_string_equal(id, "/prod/web");
	assert_int_equal(app_id_normalize("a/./b/../c", id, sizeof(id)), ST_OK);
	assert_string_equal(id, "/a/c");
	assert_int_equal(app_id_normalize("my.app-1/x.y", id, sizeof(id)),
	    ST_OK);
	assert_string_equal(id, "/my.app-1/x.y");
	assert_int_equal(app_id_normalize("/web", small, sizeof(small)),
	    ST_ESPACE);

	a = at_valid("{\"id\": \"prod/web\", \"cmd\": \"x\"}");
	assert_string_equal(at_str(a, "id"), "/prod/web");
	json_decref(a);
	/* PUT: the URL names the app, the body may omit or repeat it. */
	assert_int_equal(at_check("{\"cmd\": \"x\"}", "/prod/web", &out,
	    &details), ST_OK);
	assert_string_equal(at_str(out, "id"), "/prod/web");
	json_decref(out);
	assert_int_equal(at_check("{\"id\": \"prod/web\", \"cmd\": \"x\"}",
	    "/prod/web", &out, &details), ST_OK);
	json_decref(out);
	assert_int_equal(at_check("{\"id\": \"/prod/db\", \"cmd\": \"x\"}",
	    "/prod/web", &out, &details), ST_EINVAL);
	assert_non_null(at_errors_at(details, "/id"));
	json_decref(details);
}

static void
test_task_prefix(void **state)
{
	char p[64], tiny[5];

	(void)state;
	app_task_prefix("/prod/web", p, sizeof(p));
	assert_string_equal(p, "prod_web");
	app_task_prefix("/a", p, sizeof(p));
	assert_string_equal(p, "a");
	app_task_prefix("/prod/web", tiny, sizeof(tiny));
	assert_string_equal(tiny, "prod");
}

static void
test_resources(void **state)
{
	json_t *a;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": -1}",
	    "/instances", "must be greater than or equal to 0");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": \"3\"}",
	    "/instances", "must be an integer");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": 1.5}",
	    "/instances", "must be an integer");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"cpus\": -0.1}", "/cpus",
	    "greater than or equal to 0");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"mem\": -1}", "/mem",
	    NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"disk\": \"big\"}",
	    "/disk", "must be a number");
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": 0, "
	    "\"cpus\": 2, \"mem\": 0.5, \"disk\": 10}");
	assert_int_equal(at_int(a, "instances"), 0);
	assert_true(json_real_value(json_object_get(a, "cpus")) == 2.0);
	assert_true(json_real_value(json_object_get(a, "mem")) == 0.5);
	assert_true(json_real_value(json_object_get(a, "disk")) == 10.0);
	json_decref(a);
}

static void
test_all_errors_collected(void **state)
{
	json_t *out = NULL, *details = NULL;

	(void)state;
	assert_int_equal(at_check("{\"id\": \"Bad\", \"cmd\": \"x\", "
	    "\"instances\": -1, \"mem\": \"x\", \"env\": {\"A\": 1}, "
	    "\"portDefinitions\": [{\"port\": 1}, {\"port\": 70000}], "
	    "\"container\": {\"docker\": {}}}", NULL, &out, &details),
	    ST_EINVAL);
	assert_non_null(at_errors_at(details, "/id"));
	assert_non_null(at_errors_at(details, "/instances"));
	assert_non_null(at_errors_at(details, "/mem"));
	assert_non_null(at_errors_at(details, "/env/A"));
	assert_non_null(at_errors_at(details, "/portDefinitions/1/port"));
	assert_non_null(at_errors_at(details, "/container/docker/image"));
	assert_null(at_errors_at(details, "/portDefinitions/0/port"));
	json_decref(details);
}

static void
test_env_labels(void **state)
{
	json_t *a;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"FOO\": 1}}",
	    "/env/FOO", "must be a string");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"FOO\": "
	    "{\"secret\": \"s\"}}}", "/env/FOO", "must be a string");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"A=B\": \"1\"}}",
	    "/env/A=B", "'='");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": [\"A\"]}", "/env",
	    NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"labels\": {\"x/y\": "
	    "true}}", "/labels/x~1y", "must be a string");
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"A\": \"1\", "
	    "\"B\": \"\"}, \"labels\": {\"team\": \"edge\"}}");
	assert_string_equal(at_str(json_object_get(a, "env"), "A"), "1");
	assert_string_equal(at_str(json_object_get(a, "env"), "B"), "");
	assert_string_equal(at_str(json_object_get(a, "labels"), "team"),
	    "edge");
	json_decref(a);
}

static void
test_docker(void **state)
{
	json_t *a, *d;

	(void)state;
	at_refused("{\"id\": \"a\", \"container\": {\"type\": \"DOCKER\"}}",
	    "/container/docker", "required");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"\"}}}", "/container/docker/image", NULL);
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"network\": \"WIFI\"}}}", "/container/docker/network",
	    "one of");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"forcePullImage\": \"yes\"}}}",
	    "/container/docker/forcePullImage", "boolean");
	at_refused("{\"id\": \"a\", \"container\": {\"type\": \"RKT\", "
	    "\"docker\": {\"image\": \"i\"}}}", "/container/type", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"container\": {\"type\": "
	    "\"MESOS\", \"docker\": {\"image\": \"i\"}}}",
	    "/container/docker/image", "DOCKER containers only");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"parameters\": [{\"key\": \"x\"}]}}}",
	    "/container/docker/parameters/0", NULL);
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"credential\": {}}}}", "/container/docker/credential",
	    "unknown field");
	a = at_valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"nginx\", \"parameters\": [{\"key\": \"l\", \"value\": \"\"}]}}}");
	d = json_object_get(json_object_get(a, "container"), "docker");
	assert_string_equal(at_str(d, "image"), "nginx");
	assert_string_equal(at_str(d, "network"), "HOST");
	assert_true(json_is_false(json_object_get(d, "forcePullImage")));
	assert_true(json_is_false(json_object_get(d, "privileged")));
	assert_int_equal(json_array_size(json_object_get(d, "parameters")), 1);
	/* Host networking: the default port definition, as for any app. */
	assert_int_equal(app_port_count(a), 1);
	json_decref(a);
}

static void
test_volumes(void **state)
{
	json_t *a, *v;

	(void)state;
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\"}, \"volumes\": [{\"hostPath\": \"/x\"}]}}",
	    "/container/volumes/0/containerPath", "required");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\"}, \"volumes\": [{\"containerPath\": \"/x\", \"mode\": "
	    "\"RX\"}]}}",
	    "/container/volumes/0/mode", NULL);
	a = at_valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\"}, \"volumes\": [{\"containerPath\": \"/data\"}]}}");
	v = json_array_get(json_object_get(json_object_get(a, "container"),
	    "volumes"), 0);
	assert_string_equal(at_str(v, "containerPath"), "/data");
	assert_string_equal(at_str(v, "mode"), "RW");
	assert_null(json_object_get(v, "hostPath"));
	json_decref(a);
}

static void
test_bridge(void **state)
{
	json_t *a, *pm;

	(void)state;
	/* The legacy place of portMappings moves to container. */
	a = at_valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"network\": \"BRIDGE\", \"portMappings\": [{"
	    "\"containerPort\": 80}, {\"containerPort\": 53, \"hostPort\": "
	    "5353, \"protocol\": \"udp\"}]}}}");
	pm = json_object_get(json_object_get(a, "container"), "portMappings");
	assert_int_equal(json_array_size(pm), 2);
	assert_int_equal(at_int(json_array_get(pm, 0), "hostPort"), 0);
	assert_int_equal(at_int(json_array_get(pm, 0), "servicePort"), 0);
	assert_string_equal(at_str(json_array_get(pm, 0), "protocol"), "tcp");
	assert_null(json_object_get(json_object_get(json_object_get(a,
	    "container"), "docker"), "portMappings"));
	assert_int_equal(json_array_size(json_object_get(a,
	    "portDefinitions")), 0);
	assert_string_equal(at_str(json_array_get(json_object_get(a,
	    "networks"), 0), "mode"), "container/bridge");
	assert_int_equal(app_port_count(a), 2);
	assert_int_equal(app_port_declared(a, 0), 0);
	assert_int_equal(app_port_declared(a, 1), 5353);
	json_decref(a);

	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"network\": \"BRIDGE\", \"portMappings\": []}, "
	    "\"portMappings\": []}}", "/container/docker/portMappings",
	    "container only");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\"}, \"portMappings\": [{\"containerPort\": 80}]}}",
	    "/container/portMappings", "portDefinitions");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"network\": \"BRIDGE\"}}, \"portDefinitions\": "
	    "[{\"port\": 0}]}",
	    "/portDefinitions", "host network");
	at_refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"container/bridge\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\"}, \"portMappings\": "
	    "[{\"containerPort\": 70000}]}}",
	    "/container/portMappings/0/containerPort", NULL);
	at_refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"container/bridge\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\"}, \"portMappings\": "
	    "[{\"name\": \"http\"}, {\"name\": \"http\"}]}}",
	    "/container/portMappings/1/name", "unique");
}

static void
test_networks(void **state)
{
	json_t *a, *pm;

	(void)state;
	at_refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"container\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\"}}}",
	    "/networks/0/name", "required");
	at_refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"host\", "
	    "\"name\": \"n\"}], \"container\": {\"docker\": {\"image\": "
	    "\"i\"}}}",
	    "/networks/0/name", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"networks\": [{\"mode\": "
	    "\"container/bridge\"}]}", "/networks", "DOCKER");
	at_refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"host\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\", \"network\": "
	    "\"BRIDGE\"}}}", "/container/docker/network", "does not match");
	at_refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"network\": \"USER\"}}}", "/container/docker/network",
	    "USER");
	at_refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"bogus\"}], "
	    "\"cmd\": \"x\"}", "/networks/0/mode", NULL);
	/* A container network: only mappings with a hostPort take one. */
	a = at_valid("{\"id\": \"a\", \"networks\": [{\"mode\": \"container\", "
	    "\"name\": \"dcos\"}], \"container\": {\"docker\": {\"image\": \"i\"}, "
	    "\"portMappings\": [{\"containerPort\": 80}, {\"containerPort\": 443, "
	    "\"hostPort\": 8443}]}}");
	assert_string_equal(at_str(json_object_get(json_object_get(a,
	    "container"), "docker"), "network"), "USER");
	pm = json_object_get(json_object_get(a, "container"), "portMappings");
	assert_null(json_object_get(json_array_get(pm, 0), "hostPort"));
	assert_int_equal(app_port_count(a), 1);
	assert_int_equal(app_port_declared(a, 0), 8443);
	json_decref(a);
	a = at_valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"network\": \"NONE\"}}}");
	assert_int_equal(app_port_count(a), 0);
	json_decref(a);
}

static void
test_port_definitions(void **state)
{
	json_t *a, *pd;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 70000}]}", "/portDefinitions/0/port",
	    "less than or equal to 65535");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 1, \"protocol\": \"sctp\"}]}",
	    "/portDefinitions/0/protocol", "one of");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 1, \"name\": \"Not_A_Label\"}]}",
	    "/portDefinitions/0/name", "DNS label");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 1, \"name\": \"http\"}, {\"port\": 2, \"name\": "
	    "\"http\"}]}", "/portDefinitions/1/name", "unique");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 80}, {\"port\": 80}]}", "/portDefinitions/1/port",
	    "unique");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": {}}",
	    "/portDefinitions", "array");
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[]}");
	assert_int_equal(app_port_count(a), 0);
	json_decref(a);
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 8080, \"name\": \"http\", \"labels\": {\"l\": \"v\"}}, "
	    "{\"port\": 0, \"protocol\": \"udp,tcp\"}]}");
	pd = json_object_get(a, "portDefinitions");
	assert_string_equal(at_str(json_array_get(pd, 0), "name"), "http");
	assert_string_equal(at_str(json_array_get(pd, 0), "protocol"), "tcp");
	assert_string_equal(at_str(json_array_get(pd, 1), "protocol"),
	    "udp,tcp");
	assert_int_equal(app_port_count(a), 2);
	assert_int_equal(app_port_declared(a, 0), 8080);
	assert_int_equal(app_port_declared(a, 1), 0);
	json_decref(a);
}

static void
test_legacy_ports(void **state)
{
	json_t *a, *pd;

	(void)state;
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"ports\": [8080, 0]}");
	assert_null(json_object_get(a, "ports"));
	pd = json_object_get(a, "portDefinitions");
	assert_int_equal(json_array_size(pd), 2);
	assert_int_equal(at_int(json_array_get(pd, 0), "port"), 8080);
	assert_string_equal(at_str(json_array_get(pd, 0), "protocol"), "tcp");
	assert_int_equal(at_int(json_array_get(pd, 1), "port"), 0);
	json_decref(a);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"ports\": [1], "
	    "\"portDefinitions\": [{\"port\": 1}]}", "/ports", "not both");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"ports\": [\"80\"]}",
	    "/ports/0", NULL);
}

static void
test_require_ports(void **state)
{
	json_t *a;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true}",
	    "/requirePorts", "non-zero");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true, "
	    "\"portDefinitions\": [{\"port\": 80}, {\"port\": 0}]}",
	    "/portDefinitions/1/port", "requirePorts");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true, "
	    "\"ports\": [0]}", "/ports/0", "requirePorts");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": 1}",
	    "/requirePorts", "boolean");
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true, "
	    "\"portDefinitions\": [{\"port\": 31000}]}");
	assert_true(json_is_true(json_object_get(a, "requirePorts")));
	assert_int_equal(app_port_declared(a, 0), 31000);
	json_decref(a);
}

static void
test_upgrade_backoff_kill(void **state)
{
	json_t *a;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"minimumHealthCapacity\": 1.5}}",
	    "/upgradeStrategy/minimumHealthCapacity", "less than or equal to 1");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"maximumOverCapacity\": -0.5}}",
	    "/upgradeStrategy/maximumOverCapacity", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"backoffFactor\": 0.5}",
	    "/backoffFactor", "greater than or equal to 1");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"backoffSeconds\": -1}",
	    "/backoffSeconds", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"maxLaunchDelaySeconds\": "
	    "\"1h\"}", "/maxLaunchDelaySeconds", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"killSelection\": "
	    "\"RANDOM\"}", "/killSelection", "YOUNGEST_FIRST");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", "
	    "\"taskKillGracePeriodSeconds\": -1}", "/taskKillGracePeriodSeconds",
	    NULL);
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"minimumHealthCapacity\": 0}, \"killSelection\": \"OLDEST_FIRST\", "
	    "\"taskKillGracePeriodSeconds\": 0, \"backoffFactor\": 2}");
	assert_true(json_real_value(json_object_get(json_object_get(a,
	    "upgradeStrategy"), "minimumHealthCapacity")) == 0.0);
	assert_true(json_real_value(json_object_get(json_object_get(a,
	    "upgradeStrategy"), "maximumOverCapacity")) == 1.0);
	assert_null(json_object_get(json_object_get(a, "upgradeStrategy"),
	    "maxSurge"));
	assert_string_equal(at_str(a, "killSelection"), "OLDEST_FIRST");
	assert_int_equal(at_int(a, "taskKillGracePeriodSeconds"), 0);
	assert_true(json_real_value(json_object_get(a, "backoffFactor")) == 2.0);
	json_decref(a);
	/* Launch attempts and failure alerts. */
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"maxLaunchAttempts\": "
	    "0, \"backoffResetSeconds\": 60, \"alertFailures\": 10, "
	    "\"alertWindowSeconds\": 3600}");
	assert_int_equal(at_int(a, "maxLaunchAttempts"), 0);
	assert_int_equal(at_int(a, "backoffResetSeconds"), 60);
	assert_int_equal(at_int(a, "alertFailures"), 10);
	assert_int_equal(at_int(a, "alertWindowSeconds"), 3600);
	json_decref(a);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"alertWindowSeconds\": 0}",
	    "/alertWindowSeconds", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"maxLaunchAttempts\": -1}",
	    "/maxLaunchAttempts", NULL);
}

static void
test_constraints(void **state)
{
	json_t *a;

	(void)state;
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"SAME\"]]}", "/constraints/0/1", "UNIQUE");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"UNIQUE\", \"x\"]]}", "/constraints/0/2",
	    "no value");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"LIKE\"]]}", "/constraints/0", "needs a value");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"MAX_PER\", \"many\"]]}", "/constraints/0/2",
	    "positive integer");
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[\"hostname:UNIQUE\"]}", "/constraints/0", NULL);
	at_refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", 3]]}", "/constraints/0/1", NULL);
	a = at_valid("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"UNIQUE\"], [\"rack\", \"CLUSTER\"], "
	    "[\"rack\", \"GROUP_BY\", \"2\"], [\"h\", \"IS\", \"v\"]]}");
	assert_int_equal(json_array_size(json_object_get(a, "constraints")), 4);
	json_decref(a);
}

static void
test_dependencies(void **state)
{
	json_t *a, *d;

	(void)state;
	a = at_valid("{\"id\": \"/prod/web\", \"cmd\": \"x\", "
	    "\"dependencies\": [\"db\", \"/cache/redis\", \"../other/app\", "
	    "\"/prod/db\"]}");
	d = json_object_get(a, "dependencies");
	assert_int_equal(json_array_size(d), 3);
	assert_string_equal(json_string_value(json_array_get(d, 0)), "/prod/db");
	assert_string_equal(json_string_value(json_array_get(d, 1)),
	    "/cache/redis");
	assert_string_equal(json_string_value(json_array_get(d, 2)),
	    "/other/app");
	json_decref(a);
	a = at_valid("{\"id\": \"web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"db\"]}");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a,
	    "dependencies"), 0)), "/db");
	json_decref(a);
	at_refused("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"db\", \"web\"]}", "/dependencies/1", "itself");
	at_refused("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"DB\"]}", "/dependencies/0", NULL);
	at_refused("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "\"db\"}", "/dependencies", NULL);
}

static void
test_examples(void **state)
{
	static const char *const files[] = {
		"app-basic.json", "app-docker-bridge.json",
		"app-networks-bridge.json", "app-host-ports.json",
		"app-full.json", "app-ports-legacy.json"
	};
	char path[4096];
	json_error_t jerr;
	json_t *body, *a, *details;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/tests/unit/data/%s", TOP_SRCDIR,
		    files[i]);
		if ((body = json_load_file(path, 0, &jerr)) == NULL)
			fail_msg("%s: %s", path, jerr.text);
		a = details = NULL;
		if (app_check(body, NULL, &a, &details) != ST_OK) {
			char *d = json_dumps(details, 0);

			fail_msg("%s refused: %s", files[i], d);
		}
		at_fixed_point(a);
		json_decref(a);
		json_decref(body);
	}
}

static void
test_example_full(void **state)
{
	char path[4096];
	json_t *body, *a = NULL, *details = NULL, *d, *hc;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/unit/data/app-full.json",
	    TOP_SRCDIR);
	assert_non_null(body = json_load_file(path, 0, NULL));
	assert_int_equal(app_check(body, NULL, &a, &details), ST_OK);
	assert_string_equal(at_str(a, "user"), "nobody");
	assert_null(json_object_get(a, "version"));
	assert_null(json_object_get(a, "unreachableStrategy"));
	d = json_object_get(a, "dependencies");
	assert_int_equal(json_array_size(d), 3);
	assert_string_equal(json_string_value(json_array_get(d, 2)), "/db");
	assert_int_equal(app_port_count(a), 2);
	hc = json_object_get(a, "healthChecks");
	assert_int_equal(at_int(json_array_get(hc, 1), "portIndex"), 1);
	assert_int_equal(at_int(a, "taskKillGracePeriodSeconds"), 10);
	json_decref(a);
	json_decref(body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_field_order),
		cmocka_unit_test(test_not_object),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_readonly_dropped),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_nulls_absent),
		cmocka_unit_test(test_cmd_args),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_task_prefix),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_env_labels),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_port_definitions),
		cmocka_unit_test(test_legacy_ports),
		cmocka_unit_test(test_require_ports),
		cmocka_unit_test(test_upgrade_backoff_kill),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_example_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
