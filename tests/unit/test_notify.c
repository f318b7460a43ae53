/*
 * test_notify.c -- NOTIFY to secondaries played by UDP sockets of the test
 * on the same event loop: coalescing, the message (parsed by ldns),
 * retries with back-off, answers that end them or not, newer serials.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>
#include <ldns/ldns.h>

#include "dns/journal.h"
#include "dns/name.h"
#include "dns/notify.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/wire.h"
#include "testlib.h"

#define GOT_MAX 32

enum sec_mode { SEC_ANSWER, SEC_REFUSE, SEC_IGNORE, SEC_BADID, SEC_LATE };

/* A secondary: what it received, and how it answers. */
struct sec {
	int fd;
	uint16_t port;
	struct event *ev;
	enum sec_mode mode;
	int answer_from;	/* SEC_LATE: answer from this message on */
	int got;
	uint16_t id[GOT_MAX];
	uint32_t serial[GOT_MAX];
	char zone[GOT_MAX][64];
	double at[GOT_MAX];
};

struct fx {
	char dir[4096];
	struct store *st;
	struct dns_journal *j;
	struct registry *reg;
	struct event_base *base;
	struct dns_notify *n;
	struct sec sec[2];
	int want;		/* stop the loop once both got this many */
};

static void
sec_read(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;
	struct sec *s = f->sec[0].fd == fd ? &f->sec[0] : &f->sec[1];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	uint8_t buf[1024];
	ldns_pkt *pkt;
	ldns_rr *q, *soa;
	char *name;
	ssize_t r;
	int i;

	(void)what;
	r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
	assert_true(r > 0);
	assert_int_equal(ldns_wire2pkt(&pkt, buf, (size_t)r), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_get_opcode(pkt), LDNS_PACKET_NOTIFY);
	assert_false(ldns_pkt_qr(pkt));
	assert_true(ldns_pkt_aa(pkt));
	assert_int_equal(ldns_pkt_qdcount(pkt), 1);
	assert_int_equal(ldns_pkt_ancount(pkt), 1);
	q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	assert_int_equal(ldns_rr_get_type(q), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_rr_get_class(q), LDNS_RR_CLASS_IN);
	soa = ldns_rr_list_rr(ldns_pkt_answer(pkt), 0);
	assert_int_equal(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_dname_compare(ldns_rr_owner(q),
	    ldns_rr_owner(soa)), 0);
	i = s->got++;
	assert_true(i < GOT_MAX);
	s->id[i] = ldns_pkt_id(pkt);
	s->serial[i] = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	name = ldns_rdf2str(ldns_rr_owner(q));
	snprintf(s->zone[i], sizeof(s->zone[i]), "%s", name);
	free(name);
	s->at[i] = clock_mono();
	ldns_pkt_free(pkt);
	if (s->mode == SEC_IGNORE || (s->mode == SEC_LATE &&
	    s->got < s->answer_from))
		goto out;
	/* The answer: the header and question back, QR set. */
	buf[2] |= 0x80;
	if (s->mode == SEC_REFUSE)
		buf[3] = (buf[3] & 0xf0) | DNS_RCODE_REFUSED;
	if (s->mode == SEC_BADID)
		buf[0] ^= 0xff;
	wire_wr16(buf + 6, 0);
	assert_true(sendto(fd, buf, DNS_HDR_LEN + strlen((char *)buf +
	    DNS_HDR_LEN) + 1 + 4, 0, (struct sockaddr *)&from, flen) > 0);
out:
	if (f->want && f->sec[0].got >= f->want && f->sec[1].got >= f->want)
		event_base_loopbreak(f->base);
}

static void
sec_open(struct fx *f, struct sec *s)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_true((s->fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sin, &len), 0);
	s->port = ntohs(sin.sin_port);
	assert_non_null(s->ev = event_new(f->base, s->fd, EV_READ | EV_PERSIST,
	    sec_read, f));
	assert_int_equal(event_add(s->ev, NULL), 0);
}

static int
setup(void **state)
{
	static const struct dns_journal_params jp = { 10, 1 << 20 };
	struct registry_params rp = { "mesos", "marathon", 60 };
	struct dns_notify_params np;
	char t0[64], t1[64], *targets[2] = { t0, t1 };
	struct fx *f = calloc(1, sizeof(*f));
	size_t bad;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(registry_new(f->st, &rp, &f->reg), ST_OK);
	assert_non_null(f->base = event_base_new());
	sec_open(f, &f->sec[0]);
	sec_open(f, &f->sec[1]);
	snprintf(t0, sizeof(t0), "127.0.0.1:%u", f->sec[0].port);
	snprintf(t1, sizeof(t1), "127.0.0.1:%u", f->sec[1].port);
	memset(&np, 0, sizeof(np));
	np.targets = targets;
	np.ntargets = 2;
	np.coalesce_ms = 10;
	np.retry_ms = 40;
	np.retries = 2;
	assert_int_equal(dns_notify_new(f->base, f->st, &np, &bad, &f->n),
	    ST_OK);
	assert_int_equal(dns_journal_new(f->st, &jp, &f->j), ST_OK);
	dns_journal_on_change(f->j, dns_notify_zone, f->n);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	dns_notify_free(f->n);
	dns_journal_free(f->j);
	for (int i = 0; i < 2; i++) {
		event_free(f->sec[i].ev);
		close(f->sec[i].fd);
	}
	event_base_free(f->base);
	registry_free(f->reg);
	store_close(f->st);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

static void
put(struct fx *f, const char *id, const char *health)
{
	struct registry_error e;
	json_t *body = json_pack("{s:s, s:s, s:s}", "id", id, "address",
	    "10.0.0.1", "health", health);

	assert_int_equal(registry_instance_put(f->reg, "web", id, body,
	    REGISTRY_REPLACE, NULL, &e), ST_OK);
	json_decref(body);
}

/* Run the loop until both secondaries got want messages, or for ms. */
static void
run(struct fx *f, int want, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	f->want = want;
	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

/* A burst of changes: one NOTIFY per secondary, of the last serial. */
static void
test_coalesced(void **state)
{
	struct fx *f = *state;

	put(f, "a1", "none");
	put(f, "a2", "none");
	put(f, "a1", "unhealthy");
	put(f, "a3", "none");
	run(f, 1, 2000);
	/* Nothing more comes once answered. */
	run(f, 0, 200);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(f->sec[i].got, 1);
		assert_string_equal(f->sec[i].zone[0], "marathon.mesos.");
		assert_int_equal(f->sec[i].serial[0],
		    testlib_serial(f->st, "marathon.mesos"));
	}
}

/* Unanswered: sent again after 40, 80 ms, then given up. */
static void
test_retries(void **state)
{
	struct fx *f = *state;

	f->sec[0].mode = SEC_IGNORE;
	f->sec[1].mode = SEC_BADID;
	put(f, "a1", "none");
	run(f, 3, 3000);
	run(f, 0, 300);
	for (int i = 0; i < 2; i++) {
		struct sec *s = &f->sec[i];

		assert_int_equal(s->got, 3);
		assert_int_equal(s->id[1], s->id[0]);
		assert_int_equal(s->id[2], s->id[0]);
		assert_true(s->at[1] - s->at[0] >= 0.035);
		assert_true(s->at[2] - s->at[1] >= 0.075);
	}
}

/* Any answer ends it; a refusal too (it is logged). */
static void
test_refused(void **state)
{
	struct fx *f = *state;

	f->sec[0].mode = SEC_REFUSE;
	f->sec[1].mode = SEC_LATE;
	f->sec[1].answer_from = 2;
	put(f, "a1", "none");
	run(f, 0, 400);
	assert_int_equal(f->sec[0].got, 1);
	assert_int_equal(f->sec[1].got, 2);
}

/* A newer serial replaces the NOTIFY still unanswered. */
static void
test_newer_serial(void **state)
{
	struct fx *f = *state;
	uint32_t first;

	f->sec[0].mode = SEC_LATE;
	f->sec[0].answer_from = 3;
	put(f, "a1", "none");
	first = testlib_serial(f->st, "marathon.mesos");
	run(f, 1, 2000);
	assert_int_equal(f->sec[0].got, 1);
	put(f, "a2", "none");
	run(f, 0, 500);
	/*
	 * The second message is the new serial's, or (on a slow host) the
	 * first one's retry; the third, answered, is the new serial's.
	 */
	assert_int_equal(f->sec[0].got, 3);
	assert_int_equal(f->sec[0].serial[0], first);
	assert_int_equal(f->sec[0].serial[2], first + 1);
	assert_int_not_equal(f->sec[0].id[2], f->sec[0].id[0]);
	assert_int_equal(f->sec[1].got, 2);
	assert_int_equal(f->sec[1].serial[1], first + 1);
}

static int
zone_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_all(void **state)
{
	struct fx *f = *state;

	assert_int_equal(dns_notify_all(f->n), ST_OK);
	run(f, 2, 2000);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(f->sec[i].got, 2);
		qsort(f->sec[i].zone, 2, sizeof(f->sec[i].zone[0]), zone_cmp);
		assert_string_equal(f->sec[i].zone[0], "marathon.mesos.");
		assert_string_equal(f->sec[i].zone[1], "mesos.");
	}
}

static void
test_bad_targets(void **state)
{
	struct fx *f = *state;
	char *targets[] = { "127.0.0.1:53", "[::1]:5353", "localhost:53" };
	struct dns_notify_params np = { targets, 3, 100, 1000, 5 };
	struct dns_notify *n = NULL;
	size_t bad = 0;

	assert_int_equal(dns_notify_new(f->base, f->st, &np, &bad, &n),
	    ST_EINVAL);
	assert_int_equal(bad, 2);
	assert_null(n);
	np.ntargets = 2;
	assert_int_equal(dns_notify_new(f->base, f->st, &np, &bad, &n), ST_OK);
	dns_notify_free(n);
	dns_notify_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_coalesced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_serial, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_targets, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
