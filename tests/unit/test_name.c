/*
 * test_name.c -- wire names, keys, label mapping; hostile names.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/name.h"
#include "util/error.h"

static void
test_unpack_plain_and_compressed(void **state)
{
	/* "web.mesos." at 0, then "a" + pointer to 4 ("mesos."). */
	static const uint8_t pkt[] = "\3web\5mesos\0\1a\xc0\x04";
	uint8_t out[DNS_NAME_MAX];
	size_t pos = 0, len;

	assert_int_equal(dns_name_unpack(pkt, sizeof(pkt) - 1, &pos, out, &len), ST_OK);
	assert_int_equal(pos, 11);
	assert_int_equal(len, 11);
	assert_memory_equal(out, "\3web\5mesos", 11);
	assert_int_equal(dns_name_unpack(pkt, sizeof(pkt) - 1, &pos, out, &len), ST_OK);
	assert_int_equal(pos, 15);
	assert_int_equal(len, 9);
	assert_memory_equal(out, "\1a\5mesos", 9);
}

static void
test_unpack_pointer_loop(void **state)
{
	/* A pointer to itself, and two pointers to each other. */
	static const uint8_t self[] = "\xc0\x00";
	static const uint8_t pair[] = "\1a\xc0\x04\xc0\x00";
	uint8_t out[DNS_NAME_MAX];
	size_t pos = 0, len;

	assert_int_equal(dns_name_unpack(self, 2, &pos, out, &len), ST_EFORMAT);
	pos = 4;
	assert_int_equal(dns_name_unpack(pair, 6, &pos, out, &len), ST_EFORMAT);
}

static void
test_unpack_forward_pointer(void **state)
{
	static const uint8_t pkt[] = "\xc0\x02\0";
	uint8_t out[DNS_NAME_MAX];
	size_t pos = 0, len;

	assert_int_equal(dns_name_unpack(pkt, 3, &pos, out, &len), ST_EFORMAT);
}

static void
test_unpack_truncated(void **state)
{
	static const uint8_t label[] = "\5mes";
	static const uint8_t noroot[] = "\3web";
	static const uint8_t halfptr[] = "\3web\xc0";
	static const uint8_t reserved[] = "\x40web\0";
	uint8_t out[DNS_NAME_MAX];
	size_t pos, len;

	pos = 0;
	assert_int_equal(dns_name_unpack(label, 4, &pos, out, &len), ST_EFORMAT);
	pos = 0;
	assert_int_equal(dns_name_unpack(noroot, 4, &pos, out, &len), ST_EFORMAT);
	pos = 0;
	assert_int_equal(dns_name_unpack(halfptr, 5, &pos, out, &len), ST_EFORMAT);
	pos = 0;
	assert_int_equal(dns_name_unpack(reserved, 5, &pos, out, &len), ST_EFORMAT);
	pos = 0;
	assert_int_equal(dns_name_unpack(label, 0, &pos, out, &len), ST_EFORMAT);
}

static void
test_unpack_too_long(void **state)
{
	uint8_t pkt[300], out[DNS_NAME_MAX];
	size_t pos = 0, len, o = 0;

	/* 5 labels of 63: 320 octets, over the 255 limit. */
	for (int i = 0; i < 4; i++) {
		pkt[o++] = 63;
		memset(pkt + o, 'a', 63);
		o += 63;
	}
	pkt[o++] = 0;
	assert_int_equal(dns_name_unpack(pkt, o, &pos, out, &len), ST_EFORMAT);
}

static void
test_key_order_and_case(void **state)
{
	uint8_t name[DNS_NAME_MAX], key[DNS_KEY_MAX];
	size_t len, klen;

	assert_int_equal(dns_name_from_text("Web.Marathon.MESOS.", name, &len), ST_OK);
	assert_int_equal(dns_name_to_key(name, len, key, &klen), ST_OK);
	assert_int_equal(klen, 19);
	assert_memory_equal(key, "mesos\0marathon\0web\0", 19);
	assert_int_equal(dns_name_from_text(".", name, &len), ST_OK);
	assert_int_equal(dns_name_to_key(name, len, key, &klen), ST_OK);
	assert_int_equal(klen, 0);
	/* A 0 octet inside a label cannot be keyed. */
	memcpy(name, "\3a\0b\0", 6);
	assert_int_equal(dns_name_to_key(name, 6, key, &klen), ST_EFORMAT);
}

static void
test_text_roundtrip(void **state)
{
	uint8_t name[DNS_NAME_MAX];
	char text[1024];
	size_t len;

	assert_int_equal(dns_name_from_text("_web._tcp.marathon.mesos", name, &len), ST_OK);
	assert_int_equal(dns_name_to_text(name, len, text, sizeof(text)), ST_OK);
	assert_string_equal(text, "_web._tcp.marathon.mesos.");
	assert_int_equal(dns_name_from_text("a..b", name, &len), ST_EINVAL);
	memcpy(name, "\3a.b\0", 5);
	assert_int_equal(dns_name_to_text(name, 5, text, sizeof(text)), ST_OK);
	assert_string_equal(text, "a\\.b.");
	assert_int_equal(dns_name_to_text(name, 5, text, 3), ST_ESPACE);
}

static void
test_equal_parent_labels(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	size_t al, bl;

	dns_name_from_text("WEB.mesos", a, &al);
	dns_name_from_text("web.MESOS.", b, &bl);
	assert_true(dns_name_equal(a, b));
	assert_int_equal(dns_name_labels(a), 2);
	assert_memory_equal(dns_name_parent(a, 1), "\5mesos", 7);
	assert_null(dns_name_parent(a, 3));
	dns_name_from_text("web.mesos.x", b, &bl);
	assert_false(dns_name_equal(a, b));
}

static void
test_label_mapping(void **state)
{
	char out[64];

	assert_int_equal(dns_label_from_app_id("/prod/web", out, sizeof(out)), ST_OK);
	assert_string_equal(out, "web-prod");
	assert_int_equal(dns_label_from_app_id("web", out, sizeof(out)), ST_OK);
	assert_string_equal(out, "web");
	assert_int_equal(dns_label_from_app_id("/a/b/c", out, sizeof(out)), ST_OK);
	assert_string_equal(out, "c-b-a");
	assert_int_equal(dns_label_from_app_id("/Prod/My_App.v2/", out, sizeof(out)), ST_OK);
	assert_string_equal(out, "my-app-v2-prod");
	assert_int_equal(dns_label_from_app_id("/", out, sizeof(out)), ST_EINVAL);
	assert_int_equal(dns_label_from_app_id("/__/", out, sizeof(out)), ST_EINVAL);
}

static void
test_label_sanitize_limits(void **state)
{
	char in[200], out[100];

	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(dns_label_sanitize(in, 63, out, sizeof(out)), ST_OK);
	assert_int_equal(strlen(out), 63);
	assert_int_equal(dns_label_sanitize("--a--", 63, out, sizeof(out)), ST_OK);
	assert_string_equal(out, "a");
	/* Cut at the limit, then trailing '-' trimmed. */
	assert_int_equal(dns_label_sanitize("ab-cd", 3, out, sizeof(out)), ST_OK);
	assert_string_equal(out, "ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unpack_plain_and_compressed),
		cmocka_unit_test(test_unpack_pointer_loop),
		cmocka_unit_test(test_unpack_forward_pointer),
		cmocka_unit_test(test_unpack_truncated),
		cmocka_unit_test(test_unpack_too_long),
		cmocka_unit_test(test_key_order_and_case),
		cmocka_unit_test(test_text_roundtrip),
		cmocka_unit_test(test_equal_parent_labels),
		cmocka_unit_test(test_label_mapping),
		cmocka_unit_test(test_label_sanitize_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
