/*
 * test_acl.c -- client address lists: networks, hosts, any and none, and
 * the items they refuse.
 */
#include "config.h"

#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/acl.h"
#include "util/error.h"
#include "testlib.h"

static int
match(const struct acl *a, const char *text)
{
	struct sockaddr_storage ss = testlib_addr(text);

	return acl_match(a, (struct sockaddr *)&ss);
}

static void
test_networks(void **state)
{
	char *items[] = { "127.0.0.0/8", "::1/128", "10.0.0.0/8",
	    "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "192.0.2.7",
	    "none" };
	struct acl a;
	char text[64];
	size_t bad;

	(void)state;
	assert_int_equal(acl_init(&a, items, 8, &bad), ST_OK);
	assert_int_equal(a.n, 7);
	assert_true(match(&a, "127.0.0.1"));
	assert_true(match(&a, "127.255.0.9"));
	assert_true(match(&a, "10.200.3.4"));
	assert_true(match(&a, "172.17.0.2"));
	assert_true(match(&a, "172.31.255.255"));
	assert_false(match(&a, "172.32.0.1"));
	assert_false(match(&a, "172.15.0.1"));
	assert_true(match(&a, "192.168.1.1"));
	assert_false(match(&a, "192.169.1.1"));
	assert_true(match(&a, "192.0.2.7"));
	assert_false(match(&a, "192.0.2.8"));
	assert_false(match(&a, "8.8.8.8"));
	assert_true(match(&a, "::1"));
	assert_false(match(&a, "::2"));
	assert_true(match(&a, "fd12:3456::1"));
	assert_true(match(&a, "fc00::1"));
	assert_false(match(&a, "fe80::1"));
	assert_false(match(&a, "2001:db8::1"));
	/* An IPv4 network does not hold IPv6 addresses. */
	assert_false(match(&a, "::ffff:10.0.0.1"));
	acl_net_text(&a.nets[3], text, sizeof(text));
	assert_string_equal(text, "172.16.0.0/12");
	acl_deinit(&a);
}

static void
test_any_none(void **state)
{
	char *any[] = { "any" }, *none[] = { "none" };
	struct acl a;
	size_t bad;

	(void)state;
	assert_int_equal(acl_init(&a, any, 1, &bad), ST_OK);
	assert_true(match(&a, "8.8.8.8"));
	assert_true(match(&a, "2001:db8::1"));
	acl_deinit(&a);
	assert_int_equal(acl_init(&a, none, 1, &bad), ST_OK);
	assert_int_equal(a.n, 0);
	assert_false(match(&a, "127.0.0.1"));
	acl_deinit(&a);
	assert_int_equal(acl_init(&a, NULL, 0, &bad), ST_OK);
	assert_false(match(&a, "127.0.0.1"));
	acl_deinit(&a);
}

static void
test_bad_items(void **state)
{
	const char *bad_items[] = { "10.0.0.0/33", "10.1.0.0/8", "fc00::/129",
	    "localhost", "10.0.0.0/", "/8", "10.0.0.0/8x", "", "10.0.0.0/-1",
	    "fc01::/7" };
	char *items[2] = { "127.0.0.0/8", NULL };
	struct acl a;
	size_t bad;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_items) / sizeof(bad_items[0]); i++) {
		items[1] = (char *)bad_items[i];
		bad = 99;
		if (acl_init(&a, items, 2, &bad) != ST_EINVAL)
			fail_msg("'%s' accepted", bad_items[i]);
		assert_int_equal(bad, 1);
		assert_int_equal(a.n, 0);
		assert_null(a.nets);
	}
	/* Prefix 0 and full-length prefixes are fine. */
	items[1] = "0.0.0.0/0";
	assert_int_equal(acl_init(&a, items, 2, &bad), ST_OK);
	assert_true(match(&a, "203.0.113.1"));
	acl_deinit(&a);
	items[1] = "203.0.113.1/32";
	assert_int_equal(acl_init(&a, items, 2, &bad), ST_OK);
	assert_true(match(&a, "203.0.113.1"));
	assert_false(match(&a, "203.0.113.2"));
	acl_deinit(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_networks),
		cmocka_unit_test(test_any_none),
		cmocka_unit_test(test_bad_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
