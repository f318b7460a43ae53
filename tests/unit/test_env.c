/*
 * test_env.c -- the Marathon task environment built from app definitions.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "orch/env.h"
#include "util/error.h"

static const char *const web_app =
    "{\"id\":\"/prod/web\",\"version\":\"2026-11-23T10:00:00.000Z\","
    "\"cmd\":\"x\",\"cpus\":0.5,\"mem\":64,\"disk\":0,"
    "\"env\":{\"FOO\":\"bar\"},\"labels\":{\"team\":\"edge\",\"a-b\":\"c\"},"
    "\"portDefinitions\":[{\"port\":0,\"protocol\":\"tcp\",\"name\":\"http\"},"
    "{\"port\":0,\"protocol\":\"tcp\"}],"
    "\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\"busybox\"}}}";

static json_t *
load(const char *text)
{
	json_error_t jerr;
	json_t *app = json_loads(text, 0, &jerr);

	if (app == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	return app;
}

static void
build(struct env *e, const char *text, const char *host,
    const uint16_t *ports, size_t n)
{
	json_t *app = load(text);

	assert_int_equal(env_build(e, app, "prod_web.1234", host, ports, n),
	    ST_OK);
	json_decref(app);
}

/* vars is NULL-terminated, each "NAME=value", sorted, no name twice. */
static void
assert_well_formed(const struct env *e)
{
	size_t i;

	assert_non_null(e->vars);
	assert_null(e->vars[e->n]);
	for (i = 0; i < e->n; i++) {
		assert_non_null(strchr(e->vars[i], '='));
		if (i > 0) {
			size_t a = strcspn(e->vars[i - 1], "=");
			size_t b = strcspn(e->vars[i], "=");
			int c = memcmp(e->vars[i - 1], e->vars[i],
			    a < b ? a : b);

			assert_true(c < 0 || (c == 0 && a < b));
		}
	}
}

static void
assert_var(const struct env *e, const char *name, const char *value)
{
	const char *got = env_get(e, name);

	if (got == NULL)
		fail_msg("%s is not set", name);
	assert_string_equal(got, value);
}

static void
test_web(void **state)
{
	static const struct {
		const char *name, *value;
	} want[] = {
		{ "FOO", "bar" },
		{ "HOST", "node1.example" },
		{ "MARATHON_APP_DOCKER_IMAGE", "busybox" },
		{ "MARATHON_APP_ID", "/prod/web" },
		{ "MARATHON_APP_LABELS", "TEAM A_B" },
		{ "MARATHON_APP_LABEL_A_B", "c" },
		{ "MARATHON_APP_LABEL_TEAM", "edge" },
		{ "MARATHON_APP_RESOURCE_CPUS", "0.5" },
		{ "MARATHON_APP_RESOURCE_DISK", "0.0" },
		{ "MARATHON_APP_RESOURCE_GPUS", "0" },
		{ "MARATHON_APP_RESOURCE_MEM", "64.0" },
		{ "MARATHON_APP_VERSION", "2026-11-23T10:00:00.000Z" },
		{ "MESOS_TASK_ID", "prod_web.1234" },
		{ "PORT", "31000" },
		{ "PORT0", "31000" },
		{ "PORT1", "31001" },
		{ "PORTS", "31000,31001" },
		{ "PORT_31000", "31000" },
		{ "PORT_31001", "31001" },
		{ "PORT_HTTP", "31000" },
	};
	uint16_t ports[2] = { 31000, 31001 };
	struct env e;
	char var[128];
	size_t i;

	(void)state;
	build(&e, web_app, "node1.example", ports, 2);
	assert_well_formed(&e);
	assert_int_equal(e.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < e.n; i++) {
		snprintf(var, sizeof(var), "%s=%s", want[i].name,
		    want[i].value);
		assert_string_equal(e.vars[i], var);
		assert_var(&e, want[i].name, want[i].value);
	}
	env_deinit(&e);
	assert_null(e.vars);
	assert_int_equal(e.n, 0);
}

static void
test_no_ports(void **state)
{
	struct env e;
	size_t i;

	(void)state;
	build(&e, "{\"id\":\"/a\",\"version\":\"v\",\"cpus\":1,\"mem\":128,"
	    "\"disk\":0,\"gpus\":2,\"labels\":{},\"portDefinitions\":[]}",
	    NULL, NULL, 0);
	assert_well_formed(&e);
	for (i = 0; i < e.n; i++)
		assert_false(strncmp(e.vars[i], "PORT", 4) == 0);
	assert_null(env_get(&e, "HOST"));
	assert_null(env_get(&e, "MARATHON_APP_DOCKER_IMAGE"));
	assert_var(&e, "MARATHON_APP_LABELS", "");
	assert_var(&e, "MARATHON_APP_RESOURCE_CPUS", "1.0");
	assert_var(&e, "MARATHON_APP_RESOURCE_MEM", "128.0");
	assert_var(&e, "MARATHON_APP_RESOURCE_GPUS", "2");
	assert_int_equal(e.n, 8);
	env_deinit(&e);

	/* Ports, but no definitions to name them: by index only. */
	{
		uint16_t ports[1] = { 31500 };

		build(&e, "{\"id\":\"/a\"}", "h", ports, 1);
		assert_var(&e, "PORT0", "31500");
		assert_var(&e, "PORT", "31500");
		assert_var(&e, "PORTS", "31500");
		assert_null(env_get(&e, "PORT_31500"));
		env_deinit(&e);
	}
}

static void
test_app_env_wins(void **state)
{
	uint16_t ports[1] = { 31000 };
	struct env e;

	(void)state;
	build(&e, "{\"id\":\"/a\",\"version\":\"v\",\"cpus\":0.1,\"mem\":32,"
	    "\"disk\":0,\"env\":{\"PORT0\":\"80\",\"HOST\":\"mine\","
	    "\"MARATHON_APP_ID\":\"/other\",\"N\":5,\"S\":{\"secret\":\"s\"},"
	    "\"bad=name\":\"x\",\"EMPTY\":\"\"}}", "node", ports, 1);
	assert_well_formed(&e);
	assert_var(&e, "PORT0", "80");
	assert_var(&e, "PORT", "31000");
	assert_var(&e, "HOST", "mine");
	assert_var(&e, "MARATHON_APP_ID", "/other");
	assert_var(&e, "EMPTY", "");
	assert_var(&e, "MARATHON_APP_RESOURCE_CPUS", "0.1");
	assert_null(env_get(&e, "N"));
	assert_null(env_get(&e, "S"));
	assert_null(env_get(&e, "bad"));
	env_deinit(&e);
}

static void
test_port_mappings(void **state)
{
	uint16_t ports[3] = { 31005, 31006, 31007 };
	struct env e;

	(void)state;
	build(&e, "{\"id\":\"/a\",\"portDefinitions\":[{\"port\":0,"
	    "\"name\":\"ignored\"}],\"container\":{\"type\":\"DOCKER\","
	    "\"docker\":{\"image\":\"nginx:1.9\",\"network\":\"BRIDGE\","
	    "\"portMappings\":[{\"containerPort\":8080,\"hostPort\":0,"
	    "\"name\":\"web-api\"},{\"containerPort\":0,\"hostPort\":0,"
	    "\"name\":\"x\"},"
	    "{\"containerPort\":9000,\"hostPort\":31007}]}}}",
	    "h", ports, 3);
	assert_well_formed(&e);
	assert_var(&e, "MARATHON_APP_DOCKER_IMAGE", "nginx:1.9");
	assert_var(&e, "PORT_8080", "31005");
	assert_var(&e, "PORT_WEB-API", "31005");
	assert_var(&e, "PORT_31006", "31006");
	assert_var(&e, "PORT_X", "31006");
	assert_var(&e, "PORT_9000", "31007");
	assert_var(&e, "PORTS", "31005,31006,31007");
	assert_null(env_get(&e, "PORT_IGNORED"));
	assert_null(env_get(&e, "PORT_31005"));
	env_deinit(&e);

	/* The newer shape: portMappings on the container itself. */
	build(&e, "{\"id\":\"/a\",\"container\":{\"type\":\"MESOS\","
	    "\"docker\":{\"image\":\"busybox\"},\"portMappings\":"
	    "[{\"containerPort\":53,\"hostPort\":0,\"name\":\"dns\"}]}}",
	    "h", ports, 1);
	assert_var(&e, "PORT_53", "31005");
	assert_var(&e, "PORT_DNS", "31005");
	/* Marathon names the image of DOCKER containers only. */
	assert_null(env_get(&e, "MARATHON_APP_DOCKER_IMAGE"));
	env_deinit(&e);

	/* Declared host ports (requirePorts). */
	ports[0] = 80;
	build(&e, "{\"id\":\"/a\",\"portDefinitions\":[{\"port\":80,"
	    "\"name\":\"http\"}]}", "h", ports, 1);
	assert_var(&e, "PORT_80", "80");
	assert_var(&e, "PORT_HTTP", "80");
	assert_var(&e, "PORT", "80");
	env_deinit(&e);
}

/* Container networks: a mapping without hostPort takes no host port. */
static void
test_container_network(void **state)
{
	uint16_t ports[1] = { 31010 };
	unsigned gen;
	char want[64];
	struct env e;

	(void)state;
	build(&e, "{\"id\":\"/a\",\"networks\":[{\"mode\":\"container\","
	    "\"name\":\"n\"}],\"container\":{\"type\":\"DOCKER\","
	    "\"docker\":{\"image\":\"i\"},\"portMappings\":["
	    "{\"containerPort\":0,\"name\":\"gen\"},"
	    "{\"containerPort\":8080,\"name\":\"fixed\"},"
	    "{\"containerPort\":9090,\"hostPort\":0,\"name\":\"pub\"}]}}",
	    "h", ports, 1);
	assert_well_formed(&e);
	assert_non_null(env_get(&e, "PORT0"));
	gen = (unsigned)strtoul(env_get(&e, "PORT0"), NULL, 10);
	assert_true(gen > 1024 && gen <= 65535);
	assert_true(gen != 8080 && gen != 9090 && gen != 31010);
	snprintf(want, sizeof(want), "%u", gen);
	assert_var(&e, "PORT_GEN", want);
	snprintf(want, sizeof(want), "PORT_%u", gen);
	assert_var(&e, want, env_get(&e, "PORT0"));
	assert_var(&e, "PORT1", "8080");
	assert_var(&e, "PORT_8080", "8080");
	assert_var(&e, "PORT_FIXED", "8080");
	assert_var(&e, "PORT2", "31010");
	assert_var(&e, "PORT_9090", "31010");
	assert_var(&e, "PORT_PUB", "31010");
	/* Host ports first, then generated ones; a fixed one is not listed. */
	assert_var(&e, "PORT", "31010");
	snprintf(want, sizeof(want), "31010,%u", gen);
	assert_var(&e, "PORTS", want);
	env_deinit(&e);
}

static void
test_labels(void **state)
{
	char *text, *v511, *v512, *k493;
	json_t *app, *labels;
	struct env e;

	(void)state;
	v511 = malloc(512);
	v512 = malloc(513);
	k493 = malloc(494);
	assert_non_null(v511);
	assert_non_null(v512);
	assert_non_null(k493);
	memset(v511, 'v', 511);
	v511[511] = '\0';
	memset(v512, 'v', 512);
	v512[512] = '\0';
	memset(k493, 'k', 493);
	k493[493] = '\0';
	app = load("{\"id\":\"/a\",\"labels\":{\"a..b--c\":\"1\","
	    "\"x-y\":\"first\",\"x.y\":\"second\",\"n\":5,"
	    "\"caf\xc3\xa9\":\"\xf0\x9f\x98\x80\"}}");
	labels = json_object_get(app, "labels");
	json_object_set_new(labels, "long", json_string(v511));
	json_object_set_new(labels, "toolong", json_string(v512));
	json_object_set_new(labels, k493, json_string("k"));
	k493[492] = '\0';
	json_object_set_new(labels, k493, json_string("k"));
	assert_int_equal(env_build(&e, app, "t", NULL, NULL, 0), ST_OK);
	json_decref(app);
	assert_well_formed(&e);
	assert_var(&e, "MARATHON_APP_LABEL_A_B_C", "1");
	assert_var(&e, "MARATHON_APP_LABEL_X_Y", "second");
	assert_var(&e, "MARATHON_APP_LABEL_CAF_", "\xf0\x9f\x98\x80");
	assert_var(&e, "MARATHON_APP_LABEL_LONG", v511);
	assert_null(env_get(&e, "MARATHON_APP_LABEL_TOOLONG"));
	assert_null(env_get(&e, "MARATHON_APP_LABEL_N"));
	/* The 492 character name stays, uppercased; 493 is dropped. */
	memset(k493, 'K', 492);
	text = malloc(600);
	assert_non_null(text);
	snprintf(text, 600, "A_B_C X_Y CAF_ LONG %s", k493);
	assert_var(&e, "MARATHON_APP_LABELS", text);
	free(text);
	env_deinit(&e);
	free(v511);
	free(v512);
	free(k493);
}

static void
test_doubles(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "1", "1.0" },
		{ "0.1", "0.1" },
		{ "0.001", "0.001" },
		{ "0.0001", "1.0E-4" },
		{ "0.00012", "1.2E-4" },
		{ "12345.678", "12345.678" },
		{ "1024.5", "1024.5" },
		{ "9999999", "9999999.0" },
		{ "10000000", "1.0E7" },
		{ "123456789", "1.23456789E8" },
		{ "100.25", "100.25" },
	};
	char text[128];
	struct env e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "{\"id\":\"/a\",\"mem\":%s}",
		    cases[i].json);
		build(&e, text, NULL, NULL, 0);
		assert_var(&e, "MARATHON_APP_RESOURCE_MEM", cases[i].want);
		env_deinit(&e);
	}
}

static void
test_get(void **state)
{
	uint16_t ports[2] = { 31000, 31001 };
	struct env e;

	(void)state;
	build(&e, web_app, "node1.example", ports, 2);
	assert_string_equal(env_get(&e, "PORT"), "31000");
	assert_string_equal(env_get(&e, "PORTS"), "31000,31001");
	assert_string_equal(env_get(&e, "FOO"), "bar");
	assert_null(env_get(&e, "PORT2"));
	assert_null(env_get(&e, "FO"));
	assert_null(env_get(&e, "FOOO"));
	assert_null(env_get(&e, ""));
	env_deinit(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_web),
		cmocka_unit_test(test_no_ports),
		cmocka_unit_test(test_app_env_wins),
		cmocka_unit_test(test_port_mappings),
		cmocka_unit_test(test_container_network),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
