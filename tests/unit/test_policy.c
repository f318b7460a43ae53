/*
 * test_policy.c -- the update policy: parsing, errors, and each kind of
 * match, with the orchestrator's names and the default without rules.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dns/pkt.h"
#include "dns/policy.h"
#include "util/error.h"

static uint8_t zone[DNS_NAME_MAX], other[DNS_NAME_MAX];

static const uint8_t *
W(const char *text)
{
	static uint8_t buf[8][DNS_NAME_MAX];
	static int i;
	size_t len;

	i = (i + 1) % 8;
	assert_int_equal(dns_name_from_text(text, buf[i], &len), ST_OK);
	return buf[i];
}

static int
parse(struct dns_policy *p, const char *json, char *err, size_t errlen)
{
	json_t *v = json_loads(json, 0, NULL);
	int rc;

	assert_non_null(v);
	rc = dns_policy_parse(p, v, err, errlen);
	json_decref(v);
	return rc;
}

static void
test_default(void **state)
{
	struct dns_policy p;
	char err[256];

	(void)state;
	assert_int_equal(dns_policy_parse(&p, NULL, err, sizeof(err)), ST_OK);
	assert_true(dns_policy_allows(&p, zone, W("any.key"),
	    W("x.marathon.mesos"), DNS_TYPE_A, 0));
	assert_false(dns_policy_allows(&p, zone, W("any.key"),
	    W("web.marathon.mesos"), DNS_TYPE_A, 1));
	dns_policy_deinit(&p);
}

static void
test_matches(void **state)
{
	struct dns_policy p;
	char err[256];

	(void)state;
	assert_int_equal(parse(&p, "["
	    "{\"zone\": \"marathon.mesos\", \"key\": \"ops\", \"match\": "
	    "\"subdomain\", \"name\": \"svc.marathon.mesos\", \"types\": "
	    "[\"A\", \"SRV\", \"TXT\"]},"
	    "{\"zone\": \"marathon.mesos\", \"key\": \"one\", \"match\": "
	    "\"name\", \"name\": \"db.marathon.mesos\"},"
	    "{\"zone\": \"marathon.mesos\", \"key\": \"wild\", \"match\": "
	    "\"wildcard\", \"name\": \"*.w.marathon.mesos\"},"
	    "{\"zone\": \"marathon.mesos\", \"match\": \"self\"},"
	    "{\"zone\": \"marathon.mesos\", \"key\": \"reg\", \"match\": "
	    "\"zone\", \"registry\": true}]", err, sizeof(err)), ST_OK);
	assert_int_equal(p.n, 5);
	assert_true(dns_policy_has_zone(&p, zone));
	assert_false(dns_policy_has_zone(&p, other));
	/* subdomain, with types */
	assert_true(dns_policy_allows(&p, zone, W("ops"),
	    W("svc.marathon.mesos"), DNS_TYPE_A, 0));
	assert_true(dns_policy_allows(&p, zone, W("OPS"),
	    W("a.b.svc.marathon.mesos"), DNS_TYPE_SRV, 0));
	assert_false(dns_policy_allows(&p, zone, W("ops"),
	    W("svc.marathon.mesos"), DNS_TYPE_AAAA, 0));
	assert_false(dns_policy_allows(&p, zone, W("ops"),
	    W("other.marathon.mesos"), DNS_TYPE_A, 0));
	assert_false(dns_policy_allows(&p, zone, W("ops"),
	    W("svc.marathon.mesos"), DNS_TYPE_A, 1));
	/* name */
	assert_true(dns_policy_allows(&p, zone, W("one"),
	    W("db.marathon.mesos"), DNS_TYPE_AAAA, 0));
	assert_false(dns_policy_allows(&p, zone, W("one"),
	    W("x.db.marathon.mesos"), DNS_TYPE_AAAA, 0));
	/* wildcard: strictly below */
	assert_true(dns_policy_allows(&p, zone, W("wild"),
	    W("a.w.marathon.mesos"), DNS_TYPE_A, 0));
	assert_false(dns_policy_allows(&p, zone, W("wild"),
	    W("w.marathon.mesos"), DNS_TYPE_A, 0));
	/* self: any key, its own name */
	assert_true(dns_policy_allows(&p, zone, W("h1.marathon.mesos"),
	    W("h1.marathon.mesos"), DNS_TYPE_A, 0));
	assert_false(dns_policy_allows(&p, zone, W("h1.marathon.mesos"),
	    W("h2.marathon.mesos"), DNS_TYPE_A, 0));
	/* zone with registry: the orchestrator's names too */
	assert_true(dns_policy_allows(&p, zone, W("reg"),
	    W("web.marathon.mesos"), DNS_TYPE_A, 1));
	/* A zone without rules keeps the default. */
	assert_true(dns_policy_allows(&p, other, W("x"), W("a.example.org"),
	    DNS_TYPE_A, 0));
	dns_policy_deinit(&p);
}

static void
test_errors(void **state)
{
	static const char *const bad[] = {
		"{}",
		"[1]",
		"[{}]",
		"[{\"zone\": \"marathon.mesos\", \"match\": \"regex\"}]",
		"[{\"zone\": \"marathon.mesos\", \"types\": [\"NOPE\"]}]",
		"[{\"zone\": \"marathon.mesos\", \"types\": []}]",
		"[{\"zone\": \"marathon.mesos\", \"name\": \"x.example.org\"}]",
		"[{\"zone\": \"marathon.mesos\", \"match\": \"wildcard\", "
		    "\"name\": \"a.marathon.mesos\"}]",
		"[{\"zone\": \"marathon.mesos\", \"registry\": 1}]",
		"[{\"zone\": \"marathon.mesos\", \"keys\": \"x\"}]",
	};
	struct dns_policy p;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(parse(&p, bad[i], err, sizeof(err)),
		    ST_ECONFIG);
		assert_non_null(strstr(err, "update_policy"));
		dns_policy_deinit(&p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_errors),
	};
	size_t len;

	dns_name_from_text("marathon.mesos", zone, &len);
	dns_name_from_text("example.org", other, &len);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
