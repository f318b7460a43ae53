/*
 * tsig_fixture.c -- the test keys, buffers and helpers of the TSIG tests.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "dns/name.h"
#include "util/error.h"
#include "tsig_fixture.h"

struct dns_tsig_keyring tf_ring;
uint8_t tf_req[TF_BUF], tf_resp[TF_BUF];

int
tf_setup(void **state)
{
	char err[256];

	dns_tsig_keyring_init(&tf_ring);
	if (dns_tsig_keyfile_load(&tf_ring, TF_DATA "keys.conf", err,
	    sizeof(err)) != ST_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

int
tf_teardown(void **state)
{
	dns_tsig_keyring_deinit(&tf_ring);
	return 0;
}

const struct dns_tsig_key *
tf_key(const char *name)
{
	const struct dns_tsig_key *k;
	uint8_t wire[DNS_NAME_MAX];
	size_t len;

	assert_int_equal(dns_name_from_text(name, wire, &len), ST_OK);
	k = dns_tsig_keyring_find(&tf_ring, wire);
	assert_non_null(k);
	return k;
}

size_t
tf_load(const char *file, uint8_t *buf)
{
	char path[1024];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), TF_DATA "%s", file);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, TF_BUF, f);
	fclose(f);
	assert_true(n > 12);
	return n;
}

int
tf_verify(const uint8_t *msg, size_t len, uint64_t now, uint16_t *error)
{
	struct dns_tsig_ctx ctx;
	int rc;

	rc = dns_tsig_verify_request(&ctx, &tf_ring, msg, len, now);
	*error = ctx.error;
	dns_tsig_ctx_deinit(&ctx);
	return rc;
}
