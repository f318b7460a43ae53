/*
 * testlib.c -- helpers shared by the unit tests.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "dns/name.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "testlib.h"

static int
testlib_zones_txn(struct store_txn *txn, void *arg)
{
	static const char *const zones[] = { "mesos", "marathon.mesos" };
	struct dns_soa_params soa;
	uint8_t apex[DNS_NAME_MAX];
	size_t len;

	(void)arg;
	memset(&soa, 0, sizeof(soa));
	if (dns_name_from_text("ns1.mesos", soa.mname, &soa.mname_len) ||
	    dns_name_from_text("root.ns1.mesos", soa.rname, &soa.rname_len))
		return ST_EINVAL;
	soa.refresh = 60;
	soa.retry = 30;
	soa.expire = 86400;
	soa.minimum = 60;
	soa.ttl = 60;
	for (size_t i = 0; i < 2; i++) {
		if (dns_name_from_text(zones[i], apex, &len) != ST_OK)
			return ST_EINVAL;
		dns_zone_add(txn, apex, len, DNS_ZONE_BUILTIN);
		dns_zone_write_soa(txn, apex, len, &soa, 1);
	}
	return store_txn_error(txn);
}

int
testlib_zones(struct store *st)
{
	return store_write(st, testlib_zones_txn, NULL);
}

const char *
testlib_tmpdir(void)
{
	static char path[4096];
	const char *base = getenv("TMPDIR");

	snprintf(path, sizeof(path), "%s/stadion-test-XXXXXX",
	    base && *base ? base : "/tmp");
	if (mkdtemp(path) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	return path;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

void
testlib_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

uint32_t
testlib_serial(struct store *st, const char *zone)
{
	uint8_t apex[DNS_NAME_MAX];
	struct store_txn *txn;
	uint32_t serial;
	size_t len;

	assert_int_equal(dns_name_from_text(zone, apex, &len), ST_OK);
	assert_int_equal(store_reader_new(st, &txn), ST_OK);
	assert_int_equal(store_reader_begin(txn), ST_OK);
	assert_int_equal(dns_zone_serial(txn, apex, len, &serial), ST_OK);
	store_reader_free(txn);
	return serial;
}

uint16_t
testlib_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

struct sockaddr_storage
testlib_addr(const char *text)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':')) {
		ss.ss_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr), 1);
	} else {
		ss.ss_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text,
		    &((struct sockaddr_in *)&ss)->sin_addr), 1);
	}
	return ss;
}

static void
testlib_header(struct evhttp_request *req, const char *name, char *buf,
    size_t len)
{
	const char *v = evhttp_find_header(evhttp_request_get_input_headers(req),
	    name);

	snprintf(buf, len, "%s", v ? v : "");
}

static void
testlib_http_done(struct evhttp_request *req, void *arg)
{
	struct testlib_resp *r = arg;
	struct evbuffer *in;
	size_t len;

	r->done = -1;
	if (req == NULL || evhttp_request_get_response_code(req) == 0)
		return;
	r->done = 1;
	r->code = evhttp_request_get_response_code(req);
	in = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(in);
	r->body = calloc(1, len + 1);
	assert_non_null(r->body);
	evbuffer_remove(in, r->body, len);
	r->json = json_loads(r->body, JSON_DECODE_ANY, NULL);
	testlib_header(req, "Content-Type", r->ctype, sizeof(r->ctype));
	testlib_header(req, "Allow", r->allow, sizeof(r->allow));
	testlib_header(req, "Location", r->location, sizeof(r->location));
}

static void
testlib_http_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct testlib_resp *r = arg;

	(void)fd, (void)what;
	r->done = -1;
}

void
testlib_http(struct event_base *base, uint16_t port,
    enum evhttp_cmd_type method, const char *uri, const char *body,
    struct testlib_resp *r)
{
	struct timeval limit = { 5, 0 };
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	struct event *timer;
	char clen[24];

	memset(r, 0, sizeof(*r));
	assert_non_null(conn = evhttp_connection_base_new(base, NULL,
	    "127.0.0.1", port));
	assert_non_null(req = evhttp_request_new(testlib_http_done, r));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "127.0.0.1");
	if (body) {
		/* evhttp's client adds it itself for POST and PUT only. */
		snprintf(clen, sizeof(clen), "%zu", strlen(body));
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", clen);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evbuffer_add(evhttp_request_get_output_buffer(req), body,
		    strlen(body));
	}
	assert_non_null(timer = evtimer_new(base, testlib_http_timeout, r));
	evtimer_add(timer, &limit);
	assert_int_equal(evhttp_make_request(conn, req, method, uri), 0);
	while (r->done == 0)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(timer);
	evhttp_connection_free(conn);
	assert_int_equal(r->done, 1);
}

void
testlib_resp_clear(struct testlib_resp *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

size_t
testlib_query(uint8_t *buf, size_t cap, uint16_t id, const char *name,
    uint16_t qtype, uint16_t qclass, uint16_t edns_size)
{
	size_t nlen, o;

	memset(buf, 0, DNS_HDR_LEN);
	buf[0] = id >> 8;
	buf[1] = id & 0xff;
	buf[2] = 0x01;		/* RD */
	buf[5] = 1;		/* QDCOUNT */
	if (dns_name_from_text(name, buf + DNS_HDR_LEN, &nlen) != 0)
		return 0;
	o = DNS_HDR_LEN + nlen;
	buf[o++] = qtype >> 8;
	buf[o++] = qtype & 0xff;
	buf[o++] = qclass >> 8;
	buf[o++] = qclass & 0xff;
	if (edns_size) {
		buf[11] = 1;
		buf[o++] = 0;
		buf[o++] = 0;
		buf[o++] = DNS_TYPE_OPT;
		buf[o++] = edns_size >> 8;
		buf[o++] = edns_size & 0xff;
		memset(buf + o, 0, 6);
		o += 6;
	}
	(void)cap;
	return o;
}
