/*
 * tsig_fixture.h -- what test_tsig.c and test_tsig_interop.c share: the
 * test keys of tests/unit/data/tsig/keys.conf, message buffers, captured
 * messages, and a one-call verify.
 *
 * Helpers assert (cmocka) on what must not fail.
 */
#ifndef STADION_TESTS_TSIG_FIXTURE_H
#define STADION_TESTS_TSIG_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/tsig.h"

#define TF_DATA TOP_SRCDIR "/tests/unit/data/tsig/"
#define TF_BUF 65535

extern struct dns_tsig_keyring tf_ring;		/* keys.conf */
extern uint8_t tf_req[TF_BUF], tf_resp[TF_BUF];

/* Group setup and teardown: load keys.conf into tf_ring, free it. */
int tf_setup(void **state);
int tf_teardown(void **state);

/* The key of that name in tf_ring (it must be there). */
const struct dns_tsig_key *tf_key(const char *name);
/* Read tests/unit/data/tsig/FILE into buf (TF_BUF octets); its length. */
size_t tf_load(const char *file, uint8_t *buf);
/* dns_tsig_verify_request against tf_ring; the verdict into *error. */
int tf_verify(const uint8_t *msg, size_t len, uint64_t now, uint16_t *error);

#endif
