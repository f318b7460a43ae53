/*
 * test_app.c -- app definition validation: every rule, every default, and
 * Marathon's example definitions.
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

/* Check text (JSON); the result, with *out or *details set to match. */
static int
check(const char *text, const char *url_id, json_t **out, json_t **details)
{
	json_error_t jerr;
	json_t *body = json_loads(text, 0, &jerr);
	int err;

	if (body == NULL)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	err = app_check(body, url_id, out, details);
	json_decref(body);
	if (err == ST_OK) {
		assert_non_null(*out);
		assert_null(*details);
	} else if (err == ST_EINVAL) {
		assert_null(*out);
		assert_true(json_is_array(*details));
		assert_true(json_array_size(*details) > 0);
	}
	return err;
}

/* The normalized form of a definition that must be valid. */
static json_t *
valid(const char *text)
{
	json_t *out = NULL, *details = NULL;
	int err = check(text, NULL, &out, &details);

	if (err != ST_OK) {
		char *d = details ? json_dumps(details, 0) : NULL;

		print_error("refused: %s\n", d ? d : "?");
		free(d);
		json_decref(details);
		fail_msg("app_check failed with %d", err);
	}
	return out;
}

/* The errors of path in details, or NULL. */
static json_t *
errors_at(json_t *details, const char *path)
{
	json_t *e;
	size_t i;

	json_array_foreach(details, i, e)
		if (strcmp(json_string_value(json_object_get(e, "path")),
		    path) == 0)
			return json_object_get(e, "errors");
	return NULL;
}

/* text must be refused with an error at path; message (if any) in it. */
static void
refused(const char *text, const char *path, const char *message)
{
	json_t *out = NULL, *details = NULL, *errs, *m;
	size_t i;
	int found = message == NULL;

	assert_int_equal(check(text, NULL, &out, &details), ST_EINVAL);
	if ((errs = errors_at(details, path)) == NULL) {
		char *d = json_dumps(details, 0);

		print_error("details: %s\n", d);
		free(d);
		fail_msg("no error at %s", path);
	}
	json_array_foreach(errs, i, m)
		if (message && strstr(json_string_value(m), message))
			found = 1;
	if (!found)
		fail_msg("no error '%s' at %s", message, path);
	json_decref(details);
}

static const char *
get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_int_t
get_int(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
test_defaults(void **state)
{
	json_t *a = valid("{\"id\": \"web\", \"cmd\": \"sleep 1\"}"), *pd, *us;

	(void)state;
	assert_string_equal(get_str(a, "id"), "/web");
	assert_string_equal(get_str(a, "cmd"), "sleep 1");
	assert_true(json_is_null(json_object_get(a, "args")));
	assert_true(json_is_null(json_object_get(a, "user")));
	assert_int_equal(get_int(a, "instances"), 1);
	assert_true(json_real_value(json_object_get(a, "cpus")) == 1.0);
	assert_true(json_real_value(json_object_get(a, "mem")) == 128.0);
	assert_true(json_real_value(json_object_get(a, "disk")) == 0.0);
	assert_int_equal(json_object_size(json_object_get(a, "env")), 0);
	assert_int_equal(json_object_size(json_object_get(a, "labels")), 0);
	assert_true(json_is_null(json_object_get(a, "container")));
	assert_string_equal(get_str(json_array_get(json_object_get(a,
	    "networks"), 0), "mode"), "host");
	pd = json_object_get(a, "portDefinitions");
	assert_int_equal(json_array_size(pd), 1);
	assert_int_equal(get_int(json_array_get(pd, 0), "port"), 0);
	assert_string_equal(get_str(json_array_get(pd, 0), "protocol"), "tcp");
	assert_true(json_is_false(json_object_get(a, "requirePorts")));
	assert_int_equal(json_array_size(json_object_get(a, "healthChecks")), 0);
	assert_int_equal(json_array_size(json_object_get(a, "constraints")), 0);
	assert_int_equal(json_array_size(json_object_get(a, "dependencies")), 0);
	us = json_object_get(a, "upgradeStrategy");
	assert_string_equal(get_str(us, "type"), "RollingUpdate");
	assert_string_equal(get_str(us, "maxSurge"), "25%");
	assert_string_equal(get_str(us, "maxUnavailable"), "25%");
	assert_null(json_object_get(us, "minimumHealthCapacity"));
	assert_int_equal(get_int(a, "backoffSeconds"), 1);
	assert_true(json_real_value(json_object_get(a, "backoffFactor")) == 2);
	assert_int_equal(get_int(a, "maxLaunchDelaySeconds"), 3600);
	assert_int_equal(get_int(a, "maxLaunchAttempts"), 5);
	assert_int_equal(get_int(a, "backoffResetSeconds"), 600);
	assert_int_equal(get_int(a, "alertFailures"), 3);
	assert_int_equal(get_int(a, "alertWindowSeconds"), 300);
	assert_string_equal(get_str(a, "killSelection"), "YOUNGEST_FIRST");
	assert_int_equal(get_int(a, "taskKillGracePeriodSeconds"), 5);
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
	json_t *a = valid("{\"mem\": 64, \"cmd\": \"x\", \"labels\": {}, "
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
	refused("[1, 2]", "/", "JSON object");
	assert_int_equal(app_check(NULL, NULL, &out, &details), ST_EINVAL);
	json_decref(details);
}

static void
test_unknown_field(void **state)
{
	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"colour\": \"red\"}",
	    "/colour", "unknown field");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"a/b\": 1}", "/a~1b",
	    "unknown field");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"speed\": 1}}", "/upgradeStrategy/speed", "unknown field");
}

static void
test_readonly_dropped(void **state)
{
	json_t *a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"version\": "
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
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"fetch\": [{\"uri\": "
	    "\"http://127.0.0.1/a.tgz\"}]}", "/fetch", "not supported");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"gpus\": 1}", "/gpus",
	    "not supported");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"secrets\": {\"s\": "
	    "{\"source\": \"x\"}}}", "/secrets", "not supported");
}

static void
test_nulls_absent(void **state)
{
	json_t *a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"args\": null, "
	    "\"container\": null, \"user\": null, \"instances\": null}");

	(void)state;
	assert_int_equal(get_int(a, "instances"), 1);
	assert_true(json_is_null(json_object_get(a, "container")));
	json_decref(a);
}

static void
test_cmd_args(void **state)
{
	json_t *a;

	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"args\": [\"y\"]}", "/",
	    "not both");
	refused("{\"id\": \"a\"}", "/", "needs cmd, args");
	refused("{\"id\": \"a\", \"args\": [\"y\", 3]}", "/args/1",
	    "must be a string");
	refused("{\"id\": \"a\", \"args\": \"y\"}", "/args", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"\"}", "/cmd", "non-empty");
	a = valid("{\"id\": \"a\", \"args\": [\"/bin/sleep\", \"10\"]}");
	assert_int_equal(json_array_size(json_object_get(a, "args")), 2);
	assert_true(json_is_null(json_object_get(a, "cmd")));
	json_decref(a);
	/* A docker image has its own command. */
	a = valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"nginx\"}}}");
	assert_string_equal(get_str(json_object_get(a, "container"), "type"),
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
	refused("{\"cmd\": \"x\"}", "/id", "required");
	refused("{\"id\": 7, \"cmd\": \"x\"}", "/id", NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"id\": \"%s\", \"cmd\": \"x\"}",
		    bad[i]);
		refused(text, "/id", NULL);
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

	a = valid("{\"id\": \"prod/web\", \"cmd\": \"x\"}");
	assert_string_equal(get_str(a, "id"), "/prod/web");
	json_decref(a);
	/* PUT: the URL names the app, the body may omit or repeat it. */
	assert_int_equal(check("{\"cmd\": \"x\"}", "/prod/web", &out,
	    &details), ST_OK);
	assert_string_equal(get_str(out, "id"), "/prod/web");
	json_decref(out);
	assert_int_equal(check("{\"id\": \"prod/web\", \"cmd\": \"x\"}",
	    "/prod/web", &out, &details), ST_OK);
	json_decref(out);
	assert_int_equal(check("{\"id\": \"/prod/db\", \"cmd\": \"x\"}",
	    "/prod/web", &out, &details), ST_EINVAL);
	assert_non_null(errors_at(details, "/id"));
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
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": -1}",
	    "/instances", "must be greater than or equal to 0");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": \"3\"}",
	    "/instances", "must be an integer");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": 1.5}",
	    "/instances", "must be an integer");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"cpus\": -0.1}", "/cpus",
	    "greater than or equal to 0");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"mem\": -1}", "/mem", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"disk\": \"big\"}", "/disk",
	    "must be a number");
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"instances\": 0, "
	    "\"cpus\": 2, \"mem\": 0.5, \"disk\": 10}");
	assert_int_equal(get_int(a, "instances"), 0);
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
	assert_int_equal(check("{\"id\": \"Bad\", \"cmd\": \"x\", "
	    "\"instances\": -1, \"mem\": \"x\", \"env\": {\"A\": 1}, "
	    "\"portDefinitions\": [{\"port\": 1}, {\"port\": 70000}], "
	    "\"container\": {\"docker\": {}}}", NULL, &out, &details),
	    ST_EINVAL);
	assert_non_null(errors_at(details, "/id"));
	assert_non_null(errors_at(details, "/instances"));
	assert_non_null(errors_at(details, "/mem"));
	assert_non_null(errors_at(details, "/env/A"));
	assert_non_null(errors_at(details, "/portDefinitions/1/port"));
	assert_non_null(errors_at(details, "/container/docker/image"));
	assert_null(errors_at(details, "/portDefinitions/0/port"));
	json_decref(details);
}

static void
test_env_labels(void **state)
{
	json_t *a;

	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"FOO\": 1}}",
	    "/env/FOO", "must be a string");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"FOO\": "
	    "{\"secret\": \"s\"}}}", "/env/FOO", "must be a string");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"A=B\": \"1\"}}",
	    "/env/A=B", "'='");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"env\": [\"A\"]}", "/env",
	    NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"labels\": {\"x/y\": true}}",
	    "/labels/x~1y", "must be a string");
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"env\": {\"A\": \"1\", "
	    "\"B\": \"\"}, \"labels\": {\"team\": \"edge\"}}");
	assert_string_equal(get_str(json_object_get(a, "env"), "A"), "1");
	assert_string_equal(get_str(json_object_get(a, "env"), "B"), "");
	assert_string_equal(get_str(json_object_get(a, "labels"), "team"),
	    "edge");
	json_decref(a);
}

static void
test_docker(void **state)
{
	json_t *a, *d;

	(void)state;
	refused("{\"id\": \"a\", \"container\": {\"type\": \"DOCKER\"}}",
	    "/container/docker", "required");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"\"}}}", "/container/docker/image", NULL);
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"network\": \"WIFI\"}}}", "/container/docker/network", "one of");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"forcePullImage\": \"yes\"}}}",
	    "/container/docker/forcePullImage", "boolean");
	refused("{\"id\": \"a\", \"container\": {\"type\": \"RKT\", \"docker\": "
	    "{\"image\": \"i\"}}}", "/container/type", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"container\": {\"type\": "
	    "\"MESOS\", \"docker\": {\"image\": \"i\"}}}",
	    "/container/docker/image", "DOCKER containers only");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"parameters\": [{\"key\": \"x\"}]}}}",
	    "/container/docker/parameters/0", NULL);
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"credential\": {}}}}", "/container/docker/credential",
	    "unknown field");
	a = valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"nginx\", \"parameters\": [{\"key\": \"l\", \"value\": \"\"}]}}}");
	d = json_object_get(json_object_get(a, "container"), "docker");
	assert_string_equal(get_str(d, "image"), "nginx");
	assert_string_equal(get_str(d, "network"), "HOST");
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
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\"}, "
	    "\"volumes\": [{\"hostPath\": \"/x\"}]}}",
	    "/container/volumes/0/containerPath", "required");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\"}, "
	    "\"volumes\": [{\"containerPath\": \"/x\", \"mode\": \"RX\"}]}}",
	    "/container/volumes/0/mode", NULL);
	a = valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\"}, \"volumes\": [{\"containerPath\": \"/data\"}]}}");
	v = json_array_get(json_object_get(json_object_get(a, "container"),
	    "volumes"), 0);
	assert_string_equal(get_str(v, "containerPath"), "/data");
	assert_string_equal(get_str(v, "mode"), "RW");
	assert_null(json_object_get(v, "hostPath"));
	json_decref(a);
}

static void
test_bridge(void **state)
{
	json_t *a, *pm;

	(void)state;
	/* The legacy place of portMappings moves to container. */
	a = valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": "
	    "\"i\", \"network\": \"BRIDGE\", \"portMappings\": [{"
	    "\"containerPort\": 80}, {\"containerPort\": 53, \"hostPort\": "
	    "5353, \"protocol\": \"udp\"}]}}}");
	pm = json_object_get(json_object_get(a, "container"), "portMappings");
	assert_int_equal(json_array_size(pm), 2);
	assert_int_equal(get_int(json_array_get(pm, 0), "hostPort"), 0);
	assert_int_equal(get_int(json_array_get(pm, 0), "servicePort"), 0);
	assert_string_equal(get_str(json_array_get(pm, 0), "protocol"), "tcp");
	assert_null(json_object_get(json_object_get(json_object_get(a,
	    "container"), "docker"), "portMappings"));
	assert_int_equal(json_array_size(json_object_get(a,
	    "portDefinitions")), 0);
	assert_string_equal(get_str(json_array_get(json_object_get(a,
	    "networks"), 0), "mode"), "container/bridge");
	assert_int_equal(app_port_count(a), 2);
	assert_int_equal(app_port_declared(a, 0), 0);
	assert_int_equal(app_port_declared(a, 1), 5353);
	json_decref(a);

	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"network\": \"BRIDGE\", \"portMappings\": []}, \"portMappings\": "
	    "[]}}", "/container/docker/portMappings", "container only");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\"}, "
	    "\"portMappings\": [{\"containerPort\": 80}]}}",
	    "/container/portMappings", "portDefinitions");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"network\": \"BRIDGE\"}}, \"portDefinitions\": [{\"port\": 0}]}",
	    "/portDefinitions", "host network");
	refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"container/bridge\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\"}, \"portMappings\": "
	    "[{\"containerPort\": 70000}]}}",
	    "/container/portMappings/0/containerPort", NULL);
	refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"container/bridge\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\"}, \"portMappings\": "
	    "[{\"name\": \"http\"}, {\"name\": \"http\"}]}}",
	    "/container/portMappings/1/name", "unique");
}

static void
test_networks(void **state)
{
	json_t *a, *pm;

	(void)state;
	refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"container\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\"}}}",
	    "/networks/0/name", "required");
	refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"host\", \"name\": "
	    "\"n\"}], \"container\": {\"docker\": {\"image\": \"i\"}}}",
	    "/networks/0/name", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"networks\": [{\"mode\": "
	    "\"container/bridge\"}]}", "/networks", "DOCKER");
	refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"host\"}], "
	    "\"container\": {\"docker\": {\"image\": \"i\", \"network\": "
	    "\"BRIDGE\"}}}", "/container/docker/network", "does not match");
	refused("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"network\": \"USER\"}}}", "/container/docker/network", "USER");
	refused("{\"id\": \"a\", \"networks\": [{\"mode\": \"bogus\"}], "
	    "\"cmd\": \"x\"}", "/networks/0/mode", NULL);
	/* A container network: only mappings with a hostPort take one. */
	a = valid("{\"id\": \"a\", \"networks\": [{\"mode\": \"container\", "
	    "\"name\": \"dcos\"}], \"container\": {\"docker\": {\"image\": \"i\"}, "
	    "\"portMappings\": [{\"containerPort\": 80}, {\"containerPort\": 443, "
	    "\"hostPort\": 8443}]}}");
	assert_string_equal(get_str(json_object_get(json_object_get(a,
	    "container"), "docker"), "network"), "USER");
	pm = json_object_get(json_object_get(a, "container"), "portMappings");
	assert_null(json_object_get(json_array_get(pm, 0), "hostPort"));
	assert_int_equal(app_port_count(a), 1);
	assert_int_equal(app_port_declared(a, 0), 8443);
	json_decref(a);
	a = valid("{\"id\": \"a\", \"container\": {\"docker\": {\"image\": \"i\", "
	    "\"network\": \"NONE\"}}}");
	assert_int_equal(app_port_count(a), 0);
	json_decref(a);
}

static void
test_port_definitions(void **state)
{
	json_t *a, *pd;

	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 70000}]}", "/portDefinitions/0/port",
	    "less than or equal to 65535");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 1, \"protocol\": \"sctp\"}]}",
	    "/portDefinitions/0/protocol", "one of");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 1, \"name\": \"Not_A_Label\"}]}",
	    "/portDefinitions/0/name", "DNS label");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 1, \"name\": \"http\"}, {\"port\": 2, \"name\": "
	    "\"http\"}]}", "/portDefinitions/1/name", "unique");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 80}, {\"port\": 80}]}", "/portDefinitions/1/port",
	    "unique");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": {}}",
	    "/portDefinitions", "array");
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": []}");
	assert_int_equal(app_port_count(a), 0);
	json_decref(a);
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": "
	    "[{\"port\": 8080, \"name\": \"http\", \"labels\": {\"l\": \"v\"}}, "
	    "{\"port\": 0, \"protocol\": \"udp,tcp\"}]}");
	pd = json_object_get(a, "portDefinitions");
	assert_string_equal(get_str(json_array_get(pd, 0), "name"), "http");
	assert_string_equal(get_str(json_array_get(pd, 0), "protocol"), "tcp");
	assert_string_equal(get_str(json_array_get(pd, 1), "protocol"),
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
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"ports\": [8080, 0]}");
	assert_null(json_object_get(a, "ports"));
	pd = json_object_get(a, "portDefinitions");
	assert_int_equal(json_array_size(pd), 2);
	assert_int_equal(get_int(json_array_get(pd, 0), "port"), 8080);
	assert_string_equal(get_str(json_array_get(pd, 0), "protocol"), "tcp");
	assert_int_equal(get_int(json_array_get(pd, 1), "port"), 0);
	json_decref(a);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"ports\": [1], "
	    "\"portDefinitions\": [{\"port\": 1}]}", "/ports", "not both");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"ports\": [\"80\"]}",
	    "/ports/0", NULL);
}

static void
test_require_ports(void **state)
{
	json_t *a;

	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true}",
	    "/requirePorts", "non-zero");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true, "
	    "\"portDefinitions\": [{\"port\": 80}, {\"port\": 0}]}",
	    "/portDefinitions/1/port", "requirePorts");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true, "
	    "\"ports\": [0]}", "/ports/0", "requirePorts");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": 1}",
	    "/requirePorts", "boolean");
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"requirePorts\": true, "
	    "\"portDefinitions\": [{\"port\": 31000}]}");
	assert_true(json_is_true(json_object_get(a, "requirePorts")));
	assert_int_equal(app_port_declared(a, 0), 31000);
	json_decref(a);
}

static void
test_health_checks(void **state)
{
	json_t *a, *hc;

	(void)state;
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": [{}, "
	    "{\"protocol\": \"TCP\", \"port\": 9000}, {\"protocol\": "
	    "\"COMMAND\", \"command\": {\"value\": \"true\"}}]}");
	hc = json_array_get(json_object_get(a, "healthChecks"), 0);
	assert_string_equal(get_str(hc, "protocol"), "HTTP");
	assert_string_equal(get_str(hc, "path"), "/");
	assert_int_equal(get_int(hc, "portIndex"), 0);
	assert_int_equal(get_int(hc, "gracePeriodSeconds"), 30);
	assert_int_equal(get_int(hc, "intervalSeconds"), 10);
	assert_int_equal(get_int(hc, "timeoutSeconds"), 5);
	assert_int_equal(get_int(hc, "maxConsecutiveFailures"), 3);
	assert_int_equal(get_int(hc, "delaySeconds"), 0);
	hc = json_array_get(json_object_get(a, "healthChecks"), 1);
	assert_int_equal(get_int(hc, "port"), 9000);
	assert_null(json_object_get(hc, "portIndex"));
	assert_null(json_object_get(hc, "path"));
	hc = json_array_get(json_object_get(a, "healthChecks"), 2);
	assert_string_equal(get_str(json_object_get(hc, "command"), "value"),
	    "true");
	assert_null(json_object_get(hc, "portIndex"));
	json_decref(a);

	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"portIndex\": 1}]}", "/healthChecks/0/portIndex",
	    "must address one of");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": [], "
	    "\"healthChecks\": [{\"protocol\": \"TCP\"}]}", "/healthChecks/0",
	    "no port");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"ICMP\"}]}", "/healthChecks/0/protocol", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"COMMAND\"}]}", "/healthChecks/0/command", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"intervalSeconds\": 0}]}", "/healthChecks/0/intervalSeconds",
	    "greater than or equal to 1");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"maxConsecutiveFailures\": 1.5}]}",
	    "/healthChecks/0/maxConsecutiveFailures", "integer");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"port\": 80, \"portIndex\": 0}]}", "/healthChecks/0",
	    "not both");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"TCP\", \"path\": \"/x\"}]}",
	    "/healthChecks/0/path", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": {}}",
	    "/healthChecks", "array");
	/* stadion's own fields, each on its protocols only. */
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"TCP\", \"httpStatuses\": [200]}]}",
	    "/healthChecks/0/httpStatuses", "only HTTP");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"httpStatuses\": [200, 99]}]}", "/healthChecks/0/httpStatuses/1",
	    "100 to 599");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"httpStatuses\": []}]}", "/healthChecks/0/httpStatuses",
	    "non-empty");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"send\": \"PING\"}]}", "/healthChecks/0/send", "only TCP");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"TCP\", \"expectBody\": \"ok\"}]}",
	    "/healthChecks/0/expectBody", "only HTTP");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": "
	    "[{\"protocol\": \"SCRIPT\"}]}", "/healthChecks/0/command", NULL);
}

static void
test_health_extensions(void **state)
{
	json_t *a, *hc;

	(void)state;
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"healthChecks\": ["
	    "{\"httpStatuses\": [200, 204], \"expectBody\": \"ok\"}, "
	    "{\"protocol\": \"TCP\", \"send\": \"PING\\r\\n\", "
	    "\"expect\": \"PONG\"}, {\"protocol\": \"SCRIPT\", \"command\": "
	    "{\"value\": \"./check\"}}]}");
	hc = json_array_get(json_object_get(a, "healthChecks"), 0);
	assert_int_equal(json_array_size(json_object_get(hc, "httpStatuses")),
	    2);
	assert_string_equal(get_str(hc, "expectBody"), "ok");
	hc = json_array_get(json_object_get(a, "healthChecks"), 1);
	assert_string_equal(get_str(hc, "send"), "PING\r\n");
	assert_string_equal(get_str(hc, "expect"), "PONG");
	hc = json_array_get(json_object_get(a, "healthChecks"), 2);
	assert_string_equal(get_str(json_object_get(hc, "command"), "value"),
	    "./check");
	assert_null(json_object_get(hc, "portIndex"));
	json_decref(a);
	/* Normalizing the normalized changes nothing. */
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"maxLaunchAttempts\": 0, "
	    "\"backoffResetSeconds\": 60, \"alertFailures\": 10, "
	    "\"alertWindowSeconds\": 3600}");
	assert_int_equal(get_int(a, "maxLaunchAttempts"), 0);
	assert_int_equal(get_int(a, "backoffResetSeconds"), 60);
	assert_int_equal(get_int(a, "alertFailures"), 10);
	assert_int_equal(get_int(a, "alertWindowSeconds"), 3600);
	json_decref(a);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"alertWindowSeconds\": 0}",
	    "/alertWindowSeconds", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"maxLaunchAttempts\": -1}",
	    "/maxLaunchAttempts", NULL);
}

static void
test_upgrade_backoff_kill(void **state)
{
	json_t *a;

	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"minimumHealthCapacity\": 1.5}}",
	    "/upgradeStrategy/minimumHealthCapacity", "less than or equal to 1");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"maximumOverCapacity\": -0.5}}",
	    "/upgradeStrategy/maximumOverCapacity", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"backoffFactor\": 0.5}",
	    "/backoffFactor", "greater than or equal to 1");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"backoffSeconds\": -1}",
	    "/backoffSeconds", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"maxLaunchDelaySeconds\": "
	    "\"1h\"}", "/maxLaunchDelaySeconds", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"killSelection\": "
	    "\"RANDOM\"}", "/killSelection", "YOUNGEST_FIRST");
	refused("{\"id\": \"a\", \"cmd\": \"x\", "
	    "\"taskKillGracePeriodSeconds\": -1}", "/taskKillGracePeriodSeconds",
	    NULL);
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"upgradeStrategy\": "
	    "{\"minimumHealthCapacity\": 0}, \"killSelection\": \"OLDEST_FIRST\", "
	    "\"taskKillGracePeriodSeconds\": 0, \"backoffFactor\": 2}");
	assert_true(json_real_value(json_object_get(json_object_get(a,
	    "upgradeStrategy"), "minimumHealthCapacity")) == 0.0);
	assert_true(json_real_value(json_object_get(json_object_get(a,
	    "upgradeStrategy"), "maximumOverCapacity")) == 1.0);
	assert_null(json_object_get(json_object_get(a, "upgradeStrategy"),
	    "maxSurge"));
	assert_string_equal(get_str(a, "killSelection"), "OLDEST_FIRST");
	assert_int_equal(get_int(a, "taskKillGracePeriodSeconds"), 0);
	assert_true(json_real_value(json_object_get(a, "backoffFactor")) == 2.0);
	json_decref(a);
}

static void
test_constraints(void **state)
{
	json_t *a;

	(void)state;
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"SAME\"]]}", "/constraints/0/1", "UNIQUE");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"UNIQUE\", \"x\"]]}", "/constraints/0/2",
	    "no value");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"LIKE\"]]}", "/constraints/0", "needs a value");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", \"MAX_PER\", \"many\"]]}", "/constraints/0/2",
	    "positive integer");
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[\"hostname:UNIQUE\"]}", "/constraints/0", NULL);
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
	    "[[\"hostname\", 3]]}", "/constraints/0/1", NULL);
	a = valid("{\"id\": \"a\", \"cmd\": \"x\", \"constraints\": "
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
	a = valid("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"db\", \"/cache/redis\", \"../other/app\", \"/prod/db\"]}");
	d = json_object_get(a, "dependencies");
	assert_int_equal(json_array_size(d), 3);
	assert_string_equal(json_string_value(json_array_get(d, 0)), "/prod/db");
	assert_string_equal(json_string_value(json_array_get(d, 1)),
	    "/cache/redis");
	assert_string_equal(json_string_value(json_array_get(d, 2)),
	    "/other/app");
	json_decref(a);
	a = valid("{\"id\": \"web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"db\"]}");
	assert_string_equal(json_string_value(json_array_get(json_object_get(a,
	    "dependencies"), 0)), "/db");
	json_decref(a);
	refused("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"db\", \"web\"]}", "/dependencies/1", "itself");
	refused("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "[\"DB\"]}", "/dependencies/0", NULL);
	refused("{\"id\": \"/prod/web\", \"cmd\": \"x\", \"dependencies\": "
	    "\"db\"}", "/dependencies", NULL);
}

/* The normalized form is itself valid, and normalizing it changes nothing. */
static void
assert_fixed_point(json_t *a)
{
	json_t *again = NULL, *details = NULL;

	assert_int_equal(app_check(a, NULL, &again, &details), ST_OK);
	if (!json_equal(a, again)) {
		char *x = json_dumps(a, JSON_SORT_KEYS);
		char *y = json_dumps(again, JSON_SORT_KEYS);

		print_error("first:  %s\nsecond: %s\n", x, y);
		free(x);
		free(y);
		fail_msg("normalizing twice differs");
	}
	json_decref(again);
}

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
		a = valid(body);
		assert_non_null(want = json_loads(t[i].want, 0, NULL));
		if (!json_equal(json_object_get(a, "upgradeStrategy"), want)) {
			char *got = json_dumps(json_object_get(a,
			    "upgradeStrategy"), JSON_SORT_KEYS);

			print_error("got:  %s\nwant: %s\n", got, t[i].want);
			free(got);
			fail_msg("upgradeStrategy of %s", body);
		}
		assert_fixed_point(a);
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
		refused(body, path, t[i].message);
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
	a = valid(body);
	assert_int_equal(json_array_size(json_object_get(json_object_get(a,
	    "upgradeStrategy"), "steps")), 32);
	json_decref(a);
	snprintf(body + o, sizeof(body) - o, ", {\"setWeight\": 33}]}}");
	refused(body, "/upgradeStrategy/steps", "1 to 32");

	assert_int_equal(check("{\"id\": \"a\", \"cmd\": \"x\", "
	    "\"upgradeStrategy\": {\"type\": \"canary\", \"steps\": "
	    "[{\"setWeight\": 10}]}}", NULL, &out, &details), ST_EINVAL);
	assert_non_null(errors_at(details, "/upgradeStrategy/type"));
	assert_int_equal(json_array_size(details), 1);
	json_decref(details);

	/* An app without ports has nothing for analysis to query. */
	refused("{\"id\": \"a\", \"cmd\": \"x\", \"portDefinitions\": [], "
	    "\"upgradeStrategy\": {\"type\": \"Canary\", \"steps\": "
	    "[{\"setWeight\": 10}], \"analysis\": {\"path\": \"/m\", "
	    "\"requests\": \"r\", \"errors\": \"e\"}}}",
	    "/upgradeStrategy/analysis", "no port");
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
		assert_fixed_point(a);
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
	assert_string_equal(get_str(a, "user"), "nobody");
	assert_null(json_object_get(a, "version"));
	assert_null(json_object_get(a, "unreachableStrategy"));
	d = json_object_get(a, "dependencies");
	assert_int_equal(json_array_size(d), 3);
	assert_string_equal(json_string_value(json_array_get(d, 2)), "/db");
	assert_int_equal(app_port_count(a), 2);
	hc = json_object_get(a, "healthChecks");
	assert_int_equal(get_int(json_array_get(hc, 1), "portIndex"), 1);
	assert_int_equal(get_int(a, "taskKillGracePeriodSeconds"), 10);
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
		cmocka_unit_test(test_health_checks),
		cmocka_unit_test(test_health_extensions),
		cmocka_unit_test(test_upgrade_backoff_kill),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_upgrade_strategy),
		cmocka_unit_test(test_upgrade_strategy_refused),
		cmocka_unit_test(test_upgrade_strategy_more),
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_example_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
