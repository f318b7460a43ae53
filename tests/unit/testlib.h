/*
 * testlib.h -- helpers shared by the unit tests.
 */
#ifndef STADION_TESTS_TESTLIB_H
#define STADION_TESTS_TESTLIB_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <jansson.h>

struct event_base;
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
/* The SOA serial of zone (presentation form) in st; fails the test if none. */
uint32_t testlib_serial(struct store *st, const char *zone);

/* A loopback TCP port nobody listens on: bound, noted, closed. */
uint16_t testlib_free_port(void);
/* The IPv4 or IPv6 address text (no port); fails the test if malformed. */
struct sockaddr_storage testlib_addr(const char *text);

/* One HTTP answer as a test's client got it. */
struct testlib_resp {
	int done;		/* 1 answered, -1 failed or timed out */
	int code;
	char *body;		/* NUL-terminated */
	json_t *json;		/* the body parsed, NULL when not JSON */
	char ctype[128], allow[128], location[256];
};

/*
 * Send method uri to 127.0.0.1:port, with body (NULL: none) as JSON, and
 * run base until the answer; fails the test without one within 5 s. Free
 * r's contents with testlib_resp_clear.
 */
void testlib_http(struct event_base *base, uint16_t port,
    enum evhttp_cmd_type method, const char *uri, const char *body,
    struct testlib_resp *r);
void testlib_resp_clear(struct testlib_resp *r);

/*
 * Build a query for name (presentation form) into buf; returns its length.
 * edns_size 0: no OPT record.
 */
size_t testlib_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype, uint16_t qclass, uint16_t edns_size);

#endif
