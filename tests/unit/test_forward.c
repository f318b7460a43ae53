/*
 * test_forward.c -- the forwarder against fake upstreams on 127.0.0.1,
 * all on one libevent base: answers and the cache, timeout and the next
 * upstream, TC and TCP, SERVFAIL in bounded time, forged answers ignored,
 * the EDNS fallback, random ids and ports; and the upstream list.
 */
#include "config.h"

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
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "dns/cache.h"
#include "dns/forward.h"
#include "dns/msg.h"
#include "dns/pkt.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/wire.h"

enum mode {
	M_DROP,		/* reads and never answers */
	M_ANSWER,
	M_TRUNC,	/* TC over UDP, the answer over TCP */
	M_SERVFAIL,
	M_FORGED,	/* a wrong id and a wrong question before the answer */
	M_FORMERR_EDNS,	/* FORMERR to a query with EDNS */
	M_CLOSED,	/* nothing listens: ICMP port unreachable */
};

struct fake {
	int index;
	enum mode mode;
	int fd;
	uint16_t port;
	struct event *ev;
	struct evconnlistener *tl;
	struct bufferevent *conn;
	int nudp, ntcp;
	uint16_t ids[64], ports[64];
	int edns[64];
};

struct fx {
	struct event_base *base;
	struct fake up[2];
	size_t nup;
	struct dns_cache *cache;
	struct dns_fwd *fwd;
	int got;
	uint8_t reply[65535 + 64];
	size_t rlen;
	uint8_t sync[65535];
};

static double fake_now = 1000.0;

static double
now_fn(void)
{
	return fake_now;
}

/* The fake's answer to query q into out; 0 for none. */
static size_t
fake_answer(struct fake *fk, const uint8_t *qm, size_t qlen, uint8_t *out,
    int tcp)
{
	static const char big[200] = { 199 };
	struct dns_query q;
	struct dns_pkt p;
	struct dns_pkt_mark m;
	uint8_t a[4] = { 192, 0, 2, 0 }, soa[128];
	size_t limit, n1, n2;
	uint8_t rcode = DNS_RCODE_NOERROR;

	assert_int_equal(dns_pkt_parse_query(qm, qlen, &q), ST_OK);
	a[3] = (uint8_t)fk->index;
	limit = tcp ? 65535 : q.edns ? q.udp_size : 512;
	if (fk->mode == M_SERVFAIL)
		rcode = DNS_RCODE_SERVFAIL;
	if (fk->mode == M_FORMERR_EDNS && q.edns)
		rcode = DNS_RCODE_FORMERR;
	if (q.qname[1] == 'n' && q.qname[2] == 'x')
		rcode = DNS_RCODE_NXDOMAIN;
	dns_pkt_init(&p, out, 65535, limit - (q.edns ? DNS_OPT_LEN : 0), &q,
	    DNS_FLAG_AA, rcode);
	assert_int_equal(dns_pkt_put_question(&p, &q), ST_OK);
	dns_pkt_mark(&p, &m);
	if (rcode == DNS_RCODE_NXDOMAIN) {
		dns_name_from_text("ns1.example.org", soa, &n1);
		dns_name_from_text("host.example.org", soa + n1, &n2);
		memset(soa + n1 + n2, 0, 20);
		wire_wr32(soa + n1 + n2 + 16, 30);
		dns_pkt_put_rr(&p, DNS_SEC_NS, q.qname + 1 + q.qname[0],
		    DNS_TYPE_SOA, DNS_CLASS_IN, 300, soa,
		    (uint16_t)(n1 + n2 + 20));
	} else if (rcode == DNS_RCODE_NOERROR && q.qtype == DNS_TYPE_TXT) {
		for (int i = 0; i < 40; i++)
			if (dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname, DNS_TYPE_TXT,
			    DNS_CLASS_IN, 300, (const uint8_t *)big,
			    sizeof(big)) != ST_OK) {
				dns_pkt_rewind(&p, &m);
				dns_pkt_set_flags(&p, DNS_FLAG_TC);
				break;
			}
	} else if (rcode == DNS_RCODE_NOERROR) {
		dns_pkt_put_rr(&p, DNS_SEC_AN, q.qname, q.qtype, DNS_CLASS_IN,
		    300, a, 4);
	}
	if (fk->mode == M_TRUNC && !tcp) {
		dns_pkt_rewind(&p, &m);
		dns_pkt_set_flags(&p, DNS_FLAG_TC);
	}
	if (q.edns)
		return dns_pkt_finish_opt(&p, 4096, 0, q.edns_do);
	return dns_pkt_finish(&p);
}

static void
fake_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;
	uint8_t q[4096], out[65535];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t n;
	size_t len;
	struct dns_query pq;

	n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
	if (n < DNS_HDR_LEN)
		return;
	assert_int_equal(dns_pkt_parse_query(q, (size_t)n, &pq), ST_OK);
	if (fk->nudp < 64) {
		fk->ids[fk->nudp] = wire_rd16(q);
		fk->ports[fk->nudp] = ntohs(from.sin_port);
		fk->edns[fk->nudp] = pq.edns;
	}
	fk->nudp++;
	if (fk->mode == M_DROP)
		return;
	len = fake_answer(fk, q, (size_t)n, out, 0);
	if (fk->mode == M_FORGED) {
		/* Another id, then another question: both to be ignored. */
		wire_wr16(out, (uint16_t)(wire_rd16(q) ^ 1));
		sendto(fd, out, len, 0, (struct sockaddr *)&from, flen);
		wire_wr16(out, wire_rd16(q));
		out[DNS_HDR_LEN + pq.qname_len + 1] ^= 0x1c;	/* A -> AAAA */
		sendto(fd, out, len, 0, (struct sockaddr *)&from, flen);
		out[DNS_HDR_LEN + pq.qname_len + 1] ^= 0x1c;
	}
	sendto(fd, out, len, 0, (struct sockaddr *)&from, flen);
}

static void
fake_tcp_read(struct bufferevent *bev, void *arg)
{
	struct fake *fk = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t lenb[2], q[4096], out[65537];
	size_t mlen, len;

	if (evbuffer_copyout(in, lenb, 2) != 2)
		return;
	mlen = (size_t)lenb[0] << 8 | lenb[1];
	if (evbuffer_get_length(in) < 2 + mlen)
		return;
	evbuffer_drain(in, 2);
	evbuffer_remove(in, q, mlen);
	fk->ntcp++;
	len = fake_answer(fk, q, mlen, out + 2, 1);
	wire_wr16(out, (uint16_t)len);
	bufferevent_write(bev, out, len + 2);
}

static void
fake_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct fake *fk = arg;

	if (fk->conn)
		bufferevent_free(fk->conn);
	fk->conn = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(fk->conn, fake_tcp_read, NULL, NULL, fk);
	bufferevent_enable(fk->conn, EV_READ | EV_WRITE);
}

/* A UDP and a TCP socket on one free port of 127.0.0.1. */
static void
fake_start(struct fx *f, int index, enum mode mode)
{
	struct fake *fk = &f->up[index];
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int tfd, on = 1;

	memset(fk, 0, sizeof(*fk));
	fk->index = index;
	fk->mode = mode;
	for (int attempt = 0; attempt < 20; attempt++) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fk->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		assert_true(fk->fd >= 0);
		assert_int_equal(bind(fk->fd, (struct sockaddr *)&sin,
		    sizeof(sin)), 0);
		getsockname(fk->fd, (struct sockaddr *)&sin, &slen);
		fk->port = ntohs(sin.sin_port);
		tfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			break;
		close(tfd);
		close(fk->fd);
		tfd = -1;
	}
	assert_true(tfd >= 0);
	if (mode == M_CLOSED) {
		close(fk->fd);
		close(tfd);
		fk->fd = -1;
		return;
	}
	fk->ev = event_new(f->base, fk->fd, EV_READ | EV_PERSIST,
	    fake_udp_read, fk);
	event_add(fk->ev, NULL);
	fk->tl = evconnlistener_new(f->base, fake_accept, fk,
	    LEV_OPT_CLOSE_ON_FREE, 16, tfd);
	assert_non_null(fk->tl);
}

static void
fake_stop(struct fake *fk)
{
	if (fk->ev)
		event_free(fk->ev);
	if (fk->fd >= 0)
		close(fk->fd);
	if (fk->conn)
		bufferevent_free(fk->conn);
	if (fk->tl)
		evconnlistener_free(fk->tl);
}

static void
on_reply(void *arg, const struct dns_fwd_client *cl, const uint8_t *msg,
    size_t len)
{
	struct fx *f = arg;

	memcpy(f->reply, msg, len);
	f->rlen = len;
	f->got++;
	event_base_loopbreak(f->base);
}

/* Fakes of the given modes, a forwarder asking them, with a cache. */
static struct fx *
fx_new(int timeout_ms, int cache, enum mode m0, enum mode m1)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct dns_fwd_upstream up[2];
	struct dns_fwd_conf c;
	char text[32];

	assert_non_null(f);
	f->base = event_base_new();
	fake_start(f, 0, m0);
	f->nup = 1;
	if ((int)m1 >= 0) {
		fake_start(f, 1, m1);
		f->nup = 2;
	}
	for (size_t i = 0; i < f->nup; i++) {
		snprintf(text, sizeof(text), "127.0.0.1:%u", f->up[i].port);
		assert_int_equal(dns_fwd_upstream_parse(text, &up[i]), ST_OK);
	}
	if (cache)
		assert_int_equal(dns_cache_new(1 << 20, &f->cache), ST_OK);
	memset(&c, 0, sizeof(c));
	c.up = up;
	c.nup = f->nup;
	c.timeout_ms = (unsigned)timeout_ms;
	c.edns_udp_size = 1232;
	c.now = now_fn;
	assert_int_equal(dns_fwd_new(f->base, &c, f->cache, on_reply, f,
	    &f->fwd), ST_OK);
	return f;
}

static void
fx_free(struct fx *f)
{
	dns_fwd_free(f->fwd);
	dns_cache_free(f->cache);
	for (size_t i = 0; i < f->nup; i++)
		fake_stop(&f->up[i]);
	event_base_free(f->base);
	free(f);
}

static void
give_up(evutil_socket_t fd, short what, void *arg)
{
	struct fx *f = arg;

	f->got = -1;
	event_base_loopbreak(f->base);
}

/* Run the base until a reply came, for 5 s at most. */
static void
wait_reply(struct fx *f)
{
	struct timeval tv = { 5, 0 };
	struct event *t = evtimer_new(f->base, give_up, f);
	int before = f->got;

	evtimer_add(t, &tv);
	while (f->got == before)
		event_base_dispatch(f->base);
	event_free(t);
	assert_int_equal(f->got, before + 1);
}

/* Run the base for ms milliseconds. */
static void
run_for(struct fx *f, int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	event_base_loopexit(f->base, &tv);
	event_base_dispatch(f->base);
}

struct ask {
	const char *name;
	uint16_t qtype;
	uint16_t id;
	uint16_t flags;		/* RD by default */
	uint16_t edns;		/* payload size, 0: none */
	int tcp;
	void *owner;
};

/*
 * Ask; the answer, now or after the base ran, into f->reply. Returns 1
 * when it came at once (from the cache, or an error).
 */
static int
ask(struct fx *f, const struct ask *a)
{
	struct dns_query q;
	struct dns_fwd_client cl;
	ssize_t n;

	memset(&q, 0, sizeof(q));
	assert_int_equal(dns_name_from_text(a->name, q.qname, &q.qname_len),
	    ST_OK);
	q.id = a->id;
	q.flags = a->flags ? a->flags : DNS_FLAG_RD;
	q.has_question = 1;
	q.qtype = a->qtype ? a->qtype : DNS_TYPE_A;
	q.qclass = DNS_CLASS_IN;
	q.edns = a->edns != 0;
	q.udp_size = a->edns ? a->edns : DNS_UDP_MIN;
	memset(&cl, 0, sizeof(cl));
	cl.owner = a->owner;
	cl.tcp = a->tcp;
	n = dns_fwd_query(f->fwd, &q, &cl, f->sync, sizeof(f->sync));
	assert_true(n >= 0);
	if (n > 0) {
		memcpy(f->reply, f->sync, (size_t)n);
		f->rlen = (size_t)n;
		return 1;
	}
	wait_reply(f);
	return 0;
}

static uint16_t
flags(const struct fx *f)
{
	return wire_rd16(f->reply + 2);
}

static uint16_t
count(const struct fx *f, enum dns_section s)
{
	return wire_rd16(f->reply + 4 + 2 * s);
}

/* The first RR of the answer section. */
static void
first_answer(const struct fx *f, struct dns_msg_rr *rr)
{
	struct dns_msg_iter it;

	assert_int_equal(dns_msg_iter_init(&it, f->reply, f->rlen), ST_OK);
	assert_int_equal(dns_msg_iter_next(&it, rr), 1);
	assert_int_equal(rr->sec, DNS_SEC_AN);
}

static void
test_answer_and_cache(void **state)
{
	struct fx *f = fx_new(500, 1, M_ANSWER, -1);
	struct ask a = { .name = "www.example.org", .id = 0xbeef,
	    .edns = 4096 };
	struct dns_msg_rr rr;

	(void)state;
	fake_now = 1000.0;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(wire_rd16(f->reply), 0xbeef);
	/* Not authoritative, recursion available, RD as asked. */
	assert_int_equal(flags(f) & 0xff8f, DNS_FLAG_QR | DNS_FLAG_RD | 0x0080);
	assert_int_equal(count(f, DNS_SEC_AN), 1);
	assert_int_equal(count(f, DNS_SEC_AR), 1);	/* our OPT */
	first_answer(f, &rr);
	assert_int_equal(rr.ttl, 300);
	assert_int_equal(f->reply[rr.rdata + 3], 0);
	assert_int_equal(f->up[0].nudp, 1);

	/* From the cache: at once, the upstream not asked. */
	a.id = 0x1111;
	assert_int_equal(ask(f, &a), 1);
	assert_int_equal(wire_rd16(f->reply), 0x1111);
	assert_int_equal(f->up[0].nudp, 1);
	fake_now += 100;
	a.name = "WWW.Example.ORG";
	assert_int_equal(ask(f, &a), 1);
	first_answer(f, &rr);
	assert_int_equal(rr.ttl, 200);
	/* The client's spelling of the name. */
	assert_memory_equal(f->reply + DNS_HDR_LEN, "\3WWW\7Example\3ORG", 17);
	/* Without EDNS, no OPT. */
	a.edns = 0;
	assert_int_equal(ask(f, &a), 1);
	assert_int_equal(count(f, DNS_SEC_AR), 0);
	/* Without RD (AD alone): the cache only. */
	a.name = "www.example.org";
	a.flags = 0x0020;
	assert_int_equal(ask(f, &a), 1);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_NOERROR);
	assert_int_equal(count(f, DNS_SEC_AN), 1);
	assert_false(flags(f) & DNS_FLAG_RD);
	a.name = "new.example.org";
	assert_int_equal(ask(f, &a), 1);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_REFUSED);
	assert_int_equal(f->up[0].nudp, 1);
	/* Expired: asked again. */
	fake_now += 201;
	a.name = "www.example.org";
	a.flags = DNS_FLAG_RD;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(f->up[0].nudp, 2);
	fx_free(f);
}

static void
test_nxdomain(void **state)
{
	struct fx *f = fx_new(500, 1, M_ANSWER, -1);
	struct ask a = { .name = "nx.example.org", .id = 7 };
	struct dns_msg_rr rr;
	struct dns_msg_iter it;

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_NXDOMAIN);
	assert_int_equal(count(f, DNS_SEC_NS), 1);
	assert_int_equal(dns_msg_iter_init(&it, f->reply, f->rlen), ST_OK);
	assert_int_equal(dns_msg_iter_next(&it, &rr), 1);
	assert_int_equal(rr.type, DNS_TYPE_SOA);
	/* Cached for the SOA's MINIMUM. */
	fake_now += 29;
	assert_int_equal(ask(f, &a), 1);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_NXDOMAIN);
	fake_now += 2;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(f->up[0].nudp, 2);
	fx_free(f);
}

static void
test_timeout_next(void **state)
{
	struct fx *f = fx_new(100, 0, M_DROP, M_ANSWER);
	struct ask a = { .name = "www.example.org", .id = 1 };
	struct dns_msg_rr rr;
	double t0 = clock_mono();

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	assert_true(clock_mono() - t0 >= 0.09);
	first_answer(f, &rr);
	assert_int_equal(f->reply[rr.rdata + 3], 1);
	assert_int_equal(f->up[0].nudp, 1);
	assert_int_equal(f->up[1].nudp, 1);
	/* The upstream that failed is asked last for a while. */
	t0 = clock_mono();
	a.name = "www2.example.org";
	assert_int_equal(ask(f, &a), 0);
	assert_true(clock_mono() - t0 < 0.09);
	assert_int_equal(f->up[0].nudp, 1);
	assert_int_equal(f->up[1].nudp, 2);
	fx_free(f);
}

static void
test_all_fail_servfail(void **state)
{
	struct fx *f = fx_new(100, 1, M_DROP, M_DROP);
	struct ask a = { .name = "www.example.org", .id = 0x4242,
	    .edns = 1232 };
	double t0 = clock_mono(), dt;

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	dt = clock_mono() - t0;
	/* Each upstream its timeout, and no more. */
	assert_true(dt >= 0.19);
	assert_true(dt < 1.0);
	assert_int_equal(wire_rd16(f->reply), 0x4242);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_SERVFAIL);
	assert_int_equal(count(f, DNS_SEC_QD), 1);
	assert_int_equal(count(f, DNS_SEC_AR), 1);
	assert_int_equal(f->up[0].nudp, 1);
	assert_int_equal(f->up[1].nudp, 1);
	/* Not cached. */
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_SERVFAIL);
	fx_free(f);
}

static void
test_error_rcode_next(void **state)
{
	struct fx *f = fx_new(2000, 0, M_SERVFAIL, M_ANSWER);
	struct ask a = { .name = "www.example.org", .id = 1 };
	struct dns_msg_rr rr;
	double t0;

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	first_answer(f, &rr);
	assert_int_equal(f->reply[rr.rdata + 3], 1);
	assert_int_equal(f->up[0].nudp, 1);
	/* It answered: still asked first. */
	a.name = "www2.example.org";
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(f->up[0].nudp, 2);
	fx_free(f);

	/* Port unreachable: the next at once, not after the timeout. */
	f = fx_new(2000, 0, M_CLOSED, M_ANSWER);
	t0 = clock_mono();
	assert_int_equal(ask(f, &a), 0);
	assert_true(clock_mono() - t0 < 1.0);
	first_answer(f, &rr);
	assert_int_equal(f->reply[rr.rdata + 3], 1);
	fx_free(f);
}

static void
test_tc_tcp(void **state)
{
	struct fx *f = fx_new(1000, 1, M_TRUNC, -1);
	struct ask a = { .name = "www.example.org", .id = 9, .edns = 1232 };

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	assert_false(flags(f) & DNS_FLAG_TC);
	assert_int_equal(count(f, DNS_SEC_AN), 1);
	assert_int_equal(f->up[0].nudp, 1);
	assert_int_equal(f->up[0].ntcp, 1);
	fx_free(f);

	/* Larger than the client takes over UDP: TC to it; all over TCP. */
	f = fx_new(1000, 1, M_ANSWER, -1);
	a.qtype = DNS_TYPE_TXT;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(f->up[0].ntcp, 1);
	assert_true(flags(f) & DNS_FLAG_TC);
	assert_int_equal(count(f, DNS_SEC_AN), 0);
	assert_int_equal(count(f, DNS_SEC_QD), 1);
	assert_true(f->rlen <= 1232);
	a.tcp = 1;
	assert_int_equal(ask(f, &a), 1);
	assert_false(flags(f) & DNS_FLAG_TC);
	assert_int_equal(count(f, DNS_SEC_AN), 40);
	assert_int_equal(f->up[0].ntcp, 1);
	fx_free(f);
}

static void
test_forged_ignored(void **state)
{
	struct fx *f = fx_new(1000, 0, M_FORGED, -1);
	struct ask a = { .name = "www.example.org", .id = 3 };
	struct dns_msg_rr rr;

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_NOERROR);
	first_answer(f, &rr);
	assert_int_equal(rr.type, DNS_TYPE_A);
	assert_int_equal(wire_rd16(f->reply), 3);
	fx_free(f);
}

static void
test_formerr_edns(void **state)
{
	struct fx *f = fx_new(1000, 0, M_FORMERR_EDNS, -1);
	struct ask a = { .name = "www.example.org", .id = 3, .edns = 1232 };

	(void)state;
	assert_int_equal(ask(f, &a), 0);
	assert_int_equal(flags(f) & 0x0f, DNS_RCODE_NOERROR);
	assert_int_equal(count(f, DNS_SEC_AN), 1);
	assert_int_equal(f->up[0].nudp, 2);
	assert_true(f->up[0].edns[0]);
	assert_false(f->up[0].edns[1]);
	/* The client still gets its OPT. */
	assert_int_equal(count(f, DNS_SEC_AR), 1);
	fx_free(f);
}

static void
test_random_ids_ports(void **state)
{
	struct fx *f = fx_new(1000, 0, M_ANSWER, -1);
	struct ask a = { .id = 5 };
	char name[32];
	int same_id = 0, same_port = 0;

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "n%d.example.org", i);
		a.name = name;
		assert_int_equal(ask(f, &a), 0);
		/* The client's id whatever went upstream. */
		assert_int_equal(wire_rd16(f->reply), 5);
	}
	assert_int_equal(f->up[0].nudp, 40);
	for (int i = 0; i < 40; i++)
		for (int j = 0; j < i; j++) {
			same_id += f->up[0].ids[i] == f->up[0].ids[j];
			same_port += f->up[0].ports[i] == f->up[0].ports[j];
		}
	/* 780 pairs: a few equal ids or ports by chance, not more. */
	assert_true(same_id <= 3);
	assert_true(same_port <= 20);
	fx_free(f);
}

static void
test_cancel(void **state)
{
	struct fx *f = fx_new(100, 0, M_DROP, -1);
	struct ask a = { .name = "www.example.org", .tcp = 1 };
	struct dns_query q;
	struct dns_fwd_client cl;
	int conn;

	(void)state;
	memset(&q, 0, sizeof(q));
	dns_name_from_text(a.name, q.qname, &q.qname_len);
	q.flags = DNS_FLAG_RD;
	q.qtype = DNS_TYPE_A;
	q.qclass = DNS_CLASS_IN;
	memset(&cl, 0, sizeof(cl));
	cl.owner = &conn;
	cl.tcp = 1;
	assert_int_equal(dns_fwd_query(f->fwd, &q, &cl, f->sync,
	    sizeof(f->sync)), 0);
	dns_fwd_cancel(f->fwd, &conn);
	run_for(f, 250);
	assert_int_equal(f->got, 0);
	/* Freed with a query pending: it goes unanswered (and leaks nothing). */
	assert_int_equal(dns_fwd_query(f->fwd, &q, &cl, f->sync,
	    sizeof(f->sync)), 0);
	fx_free(f);
}

static void
test_upstream_list(void **state)
{
	struct dns_fwd_upstream up[4], one;
	struct sockaddr_storage own[2];
	socklen_t sl;
	char path[] = "/tmp/stadion-resolv.XXXXXX", text[64];
	size_t n;
	FILE *fp;
	int fd;

	(void)state;
	assert_int_equal(dns_fwd_upstream_parse("10.0.0.1", &one), ST_OK);
	dns_fwd_upstream_text(&one, text, sizeof(text));
	assert_string_equal(text, "10.0.0.1:53");
	assert_int_equal(dns_fwd_upstream_parse("10.0.0.1:5300", &one), ST_OK);
	dns_fwd_upstream_text(&one, text, sizeof(text));
	assert_string_equal(text, "10.0.0.1:5300");
	assert_int_equal(dns_fwd_upstream_parse("fd00::1", &one), ST_OK);
	dns_fwd_upstream_text(&one, text, sizeof(text));
	assert_string_equal(text, "[fd00::1]:53");
	assert_int_equal(dns_fwd_upstream_parse("[::1]:54", &one), ST_OK);
	assert_int_equal(dns_fwd_upstream_parse("resolver", &one), ST_EINVAL);
	assert_int_equal(dns_fwd_upstream_parse("10.0.0.1:0", &one), ST_EINVAL);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs("# generated\nsearch example.org\nnameserver 127.0.0.53\n"
	    "options edns0\n  nameserver   ::1  \nnameserver bogus\n"
	    "nameserver fe80::1%lo\nnameserver 192.0.2.1\n", fp);
	fclose(fp);
	assert_int_equal(dns_fwd_resolv_conf(path, up, 4, &n), ST_OK);
	assert_int_equal(n, 4);
	dns_fwd_upstream_text(&up[0], text, sizeof(text));
	assert_string_equal(text, "127.0.0.53:53");
	dns_fwd_upstream_text(&up[1], text, sizeof(text));
	assert_string_equal(text, "[::1]:53");
	assert_int_not_equal(((struct sockaddr_in6 *)&up[2].addr)->sin6_scope_id, 0);
	assert_int_equal(dns_fwd_resolv_conf(path, up, 1, &n), ST_OK);
	assert_int_equal(n, 1);
	unlink(path);
	assert_int_equal(dns_fwd_resolv_conf(path, up, 4, &n), ST_OK);
	assert_int_equal(n, 0);

	/* Loops: our own address and port, or a wildcard on this host. */
	assert_int_equal(addr_parse("127.0.0.1:53", &own[0], &sl), ST_OK);
	assert_int_equal(addr_parse("[::]:5300", &own[1], &sl), ST_OK);
	dns_fwd_upstream_parse("127.0.0.1", &one);
	assert_true(dns_fwd_upstream_is_own(&one, own, 2));
	dns_fwd_upstream_parse("127.0.0.2", &one);
	assert_false(dns_fwd_upstream_is_own(&one, own, 2));
	dns_fwd_upstream_parse("127.0.0.1:5300", &one);
	assert_false(dns_fwd_upstream_is_own(&one, own, 2));
	dns_fwd_upstream_parse("[::1]:5300", &one);
	assert_true(dns_fwd_upstream_is_own(&one, own, 2));
	dns_fwd_upstream_parse("[2001:db8::1]:5300", &one);
	assert_false(dns_fwd_upstream_is_own(&one, own, 2));
	assert_int_equal(addr_parse("0.0.0.0:53", &own[0], &sl), ST_OK);
	dns_fwd_upstream_parse("127.0.0.53", &one);
	assert_true(dns_fwd_upstream_is_own(&one, own, 1));
	dns_fwd_upstream_parse("192.0.2.1", &one);
	assert_false(dns_fwd_upstream_is_own(&one, own, 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_and_cache),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_timeout_next),
		cmocka_unit_test(test_all_fail_servfail),
		cmocka_unit_test(test_error_rcode_next),
		cmocka_unit_test(test_tc_tcp),
		cmocka_unit_test(test_forged_ignored),
		cmocka_unit_test(test_formerr_edns),
		cmocka_unit_test(test_random_ids_ports),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_upstream_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
