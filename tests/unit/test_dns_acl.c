/*
 * test_dns_acl.c -- the transfer ACL: networks, key names, and the items
 * it refuses.
 */
#include "config.h"

#include <sys/socket.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/acl.h"
#include "dns/name.h"
#include "util/error.h"
#include "testlib.h"

static int
allows(const struct dns_acl *a, const char *addr, const char *key)
{
	struct sockaddr_storage ss = testlib_addr(addr);
	uint8_t name[DNS_NAME_MAX];
	size_t len;

	if (key)
		assert_int_equal(dns_name_from_text(key, name, &len), ST_OK);
	return dns_acl_allows(a, (struct sockaddr *)&ss, key ? name : NULL);
}

static void
test_networks_and_keys(void **state)
{
	char *items[] = { "192.0.2.0/24", "xfr.Example.", "2001:db8::/32",
	    "second-key", "198.51.100.7" };
	struct dns_acl a;
	size_t bad;

	(void)state;
	assert_int_equal(dns_acl_init(&a, items, 5, &bad), ST_OK);
	assert_int_equal(a.nets.n, 3);
	assert_int_equal(a.nkeys, 2);
	assert_true(allows(&a, "192.0.2.77", NULL));
	assert_true(allows(&a, "198.51.100.7", NULL));
	assert_false(allows(&a, "198.51.100.8", NULL));
	assert_true(allows(&a, "2001:db8:1::5", NULL));
	assert_false(allows(&a, "2001:db9::5", NULL));
	/* A listed key lets in from anywhere, in any case. */
	assert_true(allows(&a, "203.0.113.1", "XFR.example"));
	assert_true(allows(&a, "203.0.113.1", "second-key."));
	assert_false(allows(&a, "203.0.113.1", "third-key"));
	assert_false(allows(&a, "203.0.113.1", "example"));
	/* A listed network needs no key, and any key will do there. */
	assert_true(allows(&a, "192.0.2.1", "third-key"));
	assert_false(dns_acl_allows(&a, NULL, NULL));
	dns_acl_deinit(&a);
	dns_acl_deinit(&a);
}

static void
test_empty_any(void **state)
{
	char *any[] = { "any" }, *none[] = { "none" };
	struct dns_acl a;
	size_t bad;

	(void)state;
	assert_int_equal(dns_acl_init(&a, NULL, 0, &bad), ST_OK);
	assert_false(allows(&a, "127.0.0.1", NULL));
	assert_false(allows(&a, "127.0.0.1", "k"));
	dns_acl_deinit(&a);
	assert_int_equal(dns_acl_init(&a, none, 1, &bad), ST_OK);
	assert_false(allows(&a, "127.0.0.1", NULL));
	dns_acl_deinit(&a);
	assert_int_equal(dns_acl_init(&a, any, 1, &bad), ST_OK);
	assert_true(allows(&a, "203.0.113.9", NULL));
	assert_true(allows(&a, "2001:db8::9", NULL));
	dns_acl_deinit(&a);
}

static void
test_bad_items(void **state)
{
	const char *bad_items[] = { "10.0.0.0/33", "10.1.0.0/8", "fc00::/129",
	    "10.0.0.0/", "1.2.3", "::g", "a..b", "",
	    "012345678901234567890123456789012345678901234567890123456789"
	    "0123.example" };
	char *items[3] = { "127.0.0.0/8", "key.example", NULL };
	struct dns_acl a;
	size_t bad;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_items) / sizeof(bad_items[0]); i++) {
		items[2] = (char *)bad_items[i];
		bad = 99;
		if (dns_acl_init(&a, items, 3, &bad) != ST_EINVAL)
			fail_msg("'%s' accepted", bad_items[i]);
		assert_int_equal(bad, 2);
		assert_int_equal(a.nets.n, 0);
		assert_int_equal(a.nkeys, 0);
		assert_null(a.keys);
	}
	/* The first bad item is named, addresses and keys mixed. */
	items[0] = "a..b";
	items[2] = "10.0.0.0/33";
	assert_int_equal(dns_acl_init(&a, items, 3, &bad), ST_EINVAL);
	assert_int_equal(bad, 0);
	items[0] = "127.0.0.0/8";
	assert_int_equal(dns_acl_init(&a, items, 3, &bad), ST_EINVAL);
	assert_int_equal(bad, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_networks_and_keys),
		cmocka_unit_test(test_empty_any),
		cmocka_unit_test(test_bad_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
