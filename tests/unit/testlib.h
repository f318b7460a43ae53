/*
 * testlib.h -- helpers shared by the unit tests.
 */
#ifndef STADION_TESTS_TESTLIB_H
#define STADION_TESTS_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* A fresh directory under $TMPDIR (or /tmp); the path is static storage. */
const char *testlib_tmpdir(void);
/*
 * The built-in zones mesos. and marathon.mesos. (SOA serial 1), as
 * stadiond writes them at start: the registry needs its zone's SOA.
 */
int testlib_zones(struct store *st);
/* Remove a directory tree made by testlib_tmpdir. */
void testlib_rmtree(const char *dir);

/*
 * Build a query for name (presentation form) into buf; returns its length.
 * edns_size 0: no OPT record.
 */
size_t testlib_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype, uint16_t qclass, uint16_t edns_size);

#endif
