/*
 * test_tsigkey.c -- TSIG keys: BIND key files (good ones, and every kind of
 * error with its file:line), dns_tsig_key_init and the keyring.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/name.h"
#include "dns/tsig.h"
#include "util/error.h"

#define DATA TOP_SRCDIR "/tests/unit/data/tsig/"

static const struct dns_tsig_key *
find(const struct dns_tsig_keyring *kr, const char *name)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t len;

	assert_int_equal(dns_name_from_text(name, wire, &len), ST_OK);
	return dns_tsig_keyring_find(kr, wire);
}

static int
parse(struct dns_tsig_keyring *kr, const char *text, char *err, size_t errlen)
{
	return dns_tsig_keyfile_parse(kr, text, strlen(text), "f", err, errlen);
}

/* The test keys, as tsig-keygen lays them out; nsupdate -k reads them too. */
static void
test_keyfile_data(void **state)
{
	static const struct {
		const char *name;
		enum dns_tsig_alg alg;
		size_t maclen, secretlen;
	} want[] = {
		{ "k1.example", DNS_TSIG_HMAC_SHA1, 20, 20 },
		{ "k224.example", DNS_TSIG_HMAC_SHA224, 28, 28 },
		{ "k256.example", DNS_TSIG_HMAC_SHA256, 32, 32 },
		{ "k384.example", DNS_TSIG_HMAC_SHA384, 48, 48 },
		{ "k512.example", DNS_TSIG_HMAC_SHA512, 64, 64 },
		{ "t256.example", DNS_TSIG_HMAC_SHA256, 16, 32 },
	};
	struct dns_tsig_keyring kr;
	const struct dns_tsig_key *k;
	char err[256] = "";

	dns_tsig_keyring_init(&kr);
	assert_int_equal(dns_tsig_keyfile_load(&kr, DATA "keys.conf", err,
	    sizeof(err)), ST_OK);
	assert_int_equal(kr.nkeys, 6);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		k = find(&kr, want[i].name);
		assert_non_null(k);
		assert_int_equal(k->alg, want[i].alg);
		assert_int_equal(k->maclen, want[i].maclen);
		assert_int_equal(k->secretlen, want[i].secretlen);
	}
	/* Keys of the same secret under two names are two keys. */
	assert_memory_equal(find(&kr, "k256.example")->secret,
	    find(&kr, "t256.example")->secret, 32);
	/* nsupdate.key holds k256 again: loading it as well is a duplicate. */
	assert_int_equal(dns_tsig_keyfile_load(&kr, DATA "nsupdate.key", err,
	    sizeof(err)), ST_ECONFIG);
	assert_string_equal(err, DATA "nsupdate.key:1: key \"k256.example\" "
	    "defined twice");
	assert_int_equal(kr.nkeys, 6);
	dns_tsig_keyring_deinit(&kr);
	assert_int_equal(kr.nkeys, 0);
	assert_null(kr.keys);
}

/* The other forms BIND's parser takes, and the algorithm default. */
static void
test_keyfile_forms(void **state)
{
	static const char text[] =
	    "/* a C comment\n   over lines */ key Upd.Example. {\n"
	    "\talgorithm \"HMAC-SHA512\";  # quoted, any case\n"
	    "\tsecret \"c2VjcmV0\";\n};\n"
	    "key \"nodefault\" { secret \"AAECAwQ=\"; }; // algorithm left out\n"
	    "key \"blank\" { secret \"AAEC AwQF\"; algorithm hmac-sha1-80; };\n"
	    "key\"tight\"{secret\"c2VjcmV0\";};";
	struct dns_tsig_keyring kr;
	const struct dns_tsig_key *k;
	char err[256] = "";

	dns_tsig_keyring_init(&kr);
	assert_int_equal(parse(&kr, text, err, sizeof(err)), ST_OK);
	assert_int_equal(kr.nkeys, 4);
	/* Looked up in any case; stored lowercase, as MACs need it. */
	k = find(&kr, "UPD.example");
	assert_non_null(k);
	assert_memory_equal(k->name, "\3upd\7example", 13);
	assert_int_equal(k->alg, DNS_TSIG_HMAC_SHA512);
	assert_int_equal(k->secretlen, 6);
	assert_memory_equal(k->secret, "secret", 6);
	k = find(&kr, "nodefault");
	assert_int_equal(k->alg, DNS_TSIG_HMAC_SHA256);
	assert_int_equal(k->maclen, 32);
	assert_int_equal(k->secretlen, 5);
	k = find(&kr, "blank");
	assert_int_equal(k->alg, DNS_TSIG_HMAC_SHA1);
	assert_int_equal(k->maclen, 10);
	assert_int_equal(k->secretlen, 6);
	assert_non_null(find(&kr, "tight."));
	assert_null(find(&kr, "upd"));
	dns_tsig_keyring_deinit(&kr);

	/* An empty file, or comments only, is no error. */
	dns_tsig_keyring_init(&kr);
	assert_int_equal(parse(&kr, "", err, sizeof(err)), ST_OK);
	assert_int_equal(parse(&kr, "# nothing\n// here\n/**/", err,
	    sizeof(err)), ST_OK);
	assert_int_equal(kr.nkeys, 0);
	dns_tsig_keyring_deinit(&kr);
}

static void
test_keyfile_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "key \"a\" {\n algorithm hmac-md5;\n secret \"AAAA\";\n};",
		    "f:2: unsupported algorithm 'hmac-md5' (hmac-sha1, "
		    "hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512, "
		    "optionally -BITS)" },
		{ "key \"a\" { algorithm hmac-sha256-64; secret \"AAAA\"; };",
		    "f:1: unsupported algorithm 'hmac-sha256-64' (hmac-sha1, "
		    "hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512, "
		    "optionally -BITS)" },
		{ "key \"a\" { algorithm hmac-sha256-264; secret \"AAAA\"; };",
		    "f:1: unsupported algorithm 'hmac-sha256-264' (hmac-sha1, "
		    "hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512, "
		    "optionally -BITS)" },
		{ "key \"a\" {\n\n secret \"AA*A\";\n};",
		    "f:3: key \"a\": secret is not valid base64" },
		{ "key \"a\" { secret \"AAA\"; };",
		    "f:1: key \"a\": secret is not valid base64" },
		{ "key \"a\" { secret \"AA==AA==\"; };",
		    "f:1: key \"a\": secret is not valid base64" },
		{ "key \"a\" { secret \"\"; };",
		    "f:1: key \"a\": secret is empty" },
		{ "key \"a\" {\n algorithm hmac-sha256;\n};",
		    "f:3: key \"a\" has no secret" },
		{ "key \"a\" { secret \"AAAA\"; }\nkey \"b\" { };",
		    "f:2: expected ';' after '}', got 'key'" },
		{ "key \"a\" { secret \"AAAA\" };",
		    "f:1: expected ';' after the value, got '}'" },
		{ "key \"a\" {\n secret \"AAAA\";\n owner x;\n};",
		    "f:3: unknown statement 'owner' in key (algorithm, secret)" },
		{ "key \"a\" { secret \"AAAA\"; secret \"AAAA\"; };",
		    "f:1: secret given twice" },
		{ "key \"a\" { algorithm hmac-sha1; algorithm hmac-sha1; };",
		    "f:1: algorithm given twice" },
		{ "key \"a\" {\n secret \"AAAA;\n};\n",
		    "f:2: unterminated string" },
		{ "key \"a\" { secret \"AAAA\"; };\n/* left\nopen",
		    "f:2: unterminated comment" },
		{ "key \"a\" {\n secret \"AAAA\";\n",
		    "f:3: key \"a\" not closed" },
		{ "options { };", "f:1: expected 'key', got 'options'" },
		{ "key { secret \"AAAA\"; };",
		    "f:1: expected a key name, got '{'" },
		{ "key \"a\" secret", "f:1: expected '{' after the key name, "
		    "got 'secret'" },
		{ "key", "f:1: expected a key name, got end of file" },
		{ "key \"a..b\" { secret \"AAAA\"; };",
		    "f:1: key \"a..b\": bad key name" },
		{ "key \"\" { secret \"AAAA\"; };",
		    "f:1: key \"\": bad key name" },
		{ "key \"a\" { secret \"AAAA\"; };\n\nkey \"A.\" { secret \"AAAA\"; };",
		    "f:3: key \"A.\" defined twice" },
		{ "key \"a\" { secret \"AAAA\"; };\n\0", "f:2: NUL octet in the file" },
	};
	struct dns_tsig_keyring kr;
	struct dns_tsig_key pre;
	const char *why;
	char err[256];

	/* A failed file leaves the keyring as it was. */
	dns_tsig_keyring_init(&kr);
	assert_int_equal(dns_tsig_key_init(&pre, "pre", NULL, "AAAA", &why),
	    ST_OK);
	assert_int_equal(dns_tsig_keyring_add(&kr, &pre), ST_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text);

		if (strstr(cases[i].err, "NUL") != NULL)
			len++;
		err[0] = '\0';
		assert_int_equal(dns_tsig_keyfile_parse(&kr, cases[i].text,
		    len, "f", err, sizeof(err)), ST_ECONFIG);
		assert_string_equal(err, cases[i].err);
		assert_int_equal(kr.nkeys, 1);
		assert_non_null(find(&kr, "pre"));
	}
	/* A file that reads badly. */
	assert_int_equal(dns_tsig_keyfile_load(&kr, DATA "nosuch.conf", err,
	    sizeof(err)), ST_EIO);
	assert_string_equal(err, DATA "nosuch.conf: No such file or directory");
	/* The error message is cut to the buffer. */
	assert_int_equal(parse(&kr, "options", err, 8), ST_ECONFIG);
	assert_string_equal(err, "f:1: ex");
	dns_tsig_keyring_deinit(&kr);
}

static void
test_key_init(void **state)
{
	struct dns_tsig_key k;
	const char *why = NULL;

	assert_int_equal(dns_tsig_key_init(&k, "Upd.Example", "hmac-sha384",
	    "c2VjcmV0", &why), ST_OK);
	assert_memory_equal(k.name, "\3upd\7example", 13);
	assert_int_equal(k.namelen, 13);
	assert_int_equal(k.alg, DNS_TSIG_HMAC_SHA384);
	assert_int_equal(k.maclen, 48);
	dns_tsig_key_deinit(&k);
	assert_int_equal(k.secretlen, 0);

	/* BIND's truncated forms: whole octets, at least half and 80 bits. */
	assert_int_equal(dns_tsig_key_init(&k, "a", "hmac-sha512-256", "AAAA",
	    &why), ST_OK);
	assert_int_equal(k.maclen, 32);
	assert_int_equal(dns_tsig_key_init(&k, "a", "hmac-sha512-248", "AAAA",
	    &why), ST_EINVAL);
	assert_int_equal(dns_tsig_key_init(&k, "a", "hmac-sha1-80", "AAAA",
	    &why), ST_OK);
	assert_int_equal(k.maclen, 10);
	assert_int_equal(dns_tsig_key_init(&k, "a", "hmac-sha1-72", "AAAA",
	    &why), ST_EINVAL);
	assert_int_equal(dns_tsig_key_init(&k, "a", "hmac-sha256-130", "AAAA",
	    &why), ST_EINVAL);
	assert_int_equal(dns_tsig_key_init(&k, "a", "hmac-sha256x", "AAAA",
	    &why), ST_EINVAL);
	assert_string_equal(why, "unsupported algorithm (hmac-sha1, "
	    "hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512, optionally "
	    "-BITS)");
	assert_int_equal(dns_tsig_key_init(&k, ".", NULL, "AAAA", &why),
	    ST_EINVAL);
	assert_string_equal(why, "bad key name");
	assert_int_equal(dns_tsig_key_init(&k, "a", NULL, "A===", &why),
	    ST_EINVAL);
	assert_string_equal(why, "secret is not valid base64");
	/* Every byte of the secret is wiped when init fails. */
	for (size_t i = 0; i < sizeof(k.secret); i++)
		assert_int_equal(k.secret[i], 0);

	/* The longest secret, and one octet more. */
	{
		char b64[DNS_TSIG_SECRET_MAX * 2];
		size_t n = DNS_TSIG_SECRET_MAX / 3 * 4;

		memset(b64, 'A', n);
		strcpy(b64 + n, "AA==");
		assert_int_equal(dns_tsig_key_init(&k, "a", NULL, b64, &why),
		    ST_OK);
		assert_int_equal(k.secretlen, DNS_TSIG_SECRET_MAX / 3 * 3 + 1);
		memset(b64, 'A', n + 4);
		strcpy(b64 + n + 4, "AA==");
		assert_int_equal(dns_tsig_key_init(&k, "a", NULL, b64, &why),
		    ST_EINVAL);
		assert_string_equal(why, "secret too long");
	}
}

static void
test_keyring(void **state)
{
	struct dns_tsig_keyring kr;
	struct dns_tsig_key k;
	const char *why;
	char name[32];

	dns_tsig_keyring_init(&kr);
	assert_null(find(&kr, "k0"));
	/* Past the first allocation, every key can still be found. */
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "K%d.Example", i);
		assert_int_equal(dns_tsig_key_init(&k, name, "hmac-sha1",
		    "AAAA", &why), ST_OK);
		k.secret[0] = (uint8_t)i;
		assert_int_equal(dns_tsig_keyring_add(&kr, &k), ST_OK);
		assert_int_equal(dns_tsig_keyring_add(&kr, &k), ST_EEXIST);
	}
	assert_int_equal(kr.nkeys, 20);
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "k%d.EXAMPLE.", i);
		assert_non_null(find(&kr, name));
		assert_int_equal(find(&kr, name)->secret[0], i);
	}
	dns_tsig_key_deinit(&k);
	dns_tsig_keyring_deinit(&kr);
	/* Deinit twice (or of a zeroed ring) is harmless. */
	dns_tsig_keyring_deinit(&kr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyfile_data),
		cmocka_unit_test(test_keyfile_forms),
		cmocka_unit_test(test_keyfile_errors),
		cmocka_unit_test(test_key_init),
		cmocka_unit_test(test_keyring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
