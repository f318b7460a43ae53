/*
 * forward.c -- upstream queries over UDP (TCP after TC), their answers
 * checked, cached and turned into the client's answer.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "dns/cache.h"
#include "dns/forward.h"
#include "dns/msg.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/rand.h"
#include "util/wire.h"

#define FWD_FLAG_RA 0x0080
#define FWD_FLAG_AD 0x0020
#define FWD_MSG_MAX 65535
/* Header, name, type and class, OPT. */
#define FWD_QUERY_MAX (DNS_HDR_LEN + DNS_NAME_MAX + 4 + DNS_OPT_LEN)
/* How long an upstream that failed is asked after the others. */
#define FWD_DOWN_SECONDS 30.0

struct fwd_req {
	struct dns_fwd *f;
	struct fwd_req *prev, *next;
	struct dns_fwd_client cl;
	struct dns_query q;		/* the client's */
	uint32_t tried;			/* bit per upstream */
	size_t up;			/* asked now */
	int edns;			/* with EDNS (off after a FORMERR) */
	uint16_t id;
	int fd;				/* UDP, or -1 */
	struct event *rd;
	struct bufferevent *bev;	/* TCP */
	struct event *timer;		/* the upstream's time is up */
};

struct dns_fwd {
	struct event_base *base;
	struct dns_fwd_upstream up[DNS_FWD_UPSTREAMS_MAX];
	double down_until[DNS_FWD_UPSTREAMS_MAX];
	size_t nup;
	struct timeval timeout;
	uint16_t edns_udp_size;
	double (*now)(void);
	struct dns_cache *cache;
	dns_fwd_reply_fn *reply;
	void *arg;
	struct fwd_req *reqs;
	size_t npending;
	uint16_t ids[64];		/* random ids, from getrandom() */
	size_t nids;
	struct rand_state rnd;		/* only when getrandom() fails */
	uint8_t in[FWD_MSG_MAX];	/* an upstream's message */
	uint8_t out[FWD_MSG_MAX + DNS_OPT_LEN];	/* the client's answer */
};

enum fwd_verdict {
	FWD_IGNORE,	/* not the answer to this query: keep waiting */
	FWD_ANSWER,
	FWD_TCP,	/* truncated: ask again over TCP */
	FWD_NOEDNS,	/* FORMERR to EDNS: ask again without */
	FWD_NEXT,	/* a failure: the next upstream */
};

int
dns_fwd_new(struct event_base *base, const struct dns_fwd_conf *c,
    struct dns_cache *cache, dns_fwd_reply_fn *reply, void *arg,
    struct dns_fwd **out)
{
	struct dns_fwd *f;

	if (c->nup == 0 || c->nup > DNS_FWD_UPSTREAMS_MAX)
		return ST_EINVAL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ST_ENOMEM;
	f->base = base;
	memcpy(f->up, c->up, c->nup * sizeof(*c->up));
	f->nup = c->nup;
	f->timeout.tv_sec = c->timeout_ms / 1000;
	f->timeout.tv_usec = (c->timeout_ms % 1000) * 1000;
	f->edns_udp_size = c->edns_udp_size < DNS_UDP_MIN ? DNS_UDP_MIN :
	    c->edns_udp_size;
	f->now = c->now ? c->now : clock_mono;
	f->cache = cache;
	f->reply = reply;
	f->arg = arg;
	rand_seed(&f->rnd);
	*out = f;
	return ST_OK;
}

/* Close what the current attempt opened; the timer stays. */
static void
fwd_attempt_close(struct fwd_req *r)
{
	if (r->rd) {
		event_free(r->rd);
		r->rd = NULL;
	}
	if (r->fd != -1) {
		close(r->fd);
		r->fd = -1;
	}
	if (r->bev) {
		bufferevent_free(r->bev);
		r->bev = NULL;
	}
}

static void
fwd_req_free(struct fwd_req *r)
{
	struct dns_fwd *f = r->f;

	fwd_attempt_close(r);
	if (r->timer)
		event_free(r->timer);
	if (r->prev)
		r->prev->next = r->next;
	else
		f->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	f->npending--;
	free(r);
}

void
dns_fwd_free(struct dns_fwd *f)
{
	if (f == NULL)
		return;
	while (f->reqs)
		fwd_req_free(f->reqs);
	free(f);
}

void
dns_fwd_cancel(struct dns_fwd *f, const void *owner)
{
	struct fwd_req *r, *next;

	for (r = f->reqs; r != NULL; r = next) {
		next = r->next;
		if (r->cl.owner == owner)
			fwd_req_free(r);
	}
}

/* An unpredictable query id (RFC 5452). */
static uint16_t
fwd_id(struct dns_fwd *f)
{
	if (f->nids == 0) {
		if (getrandom(f->ids, sizeof(f->ids), GRND_NONBLOCK) ==
		    (ssize_t)sizeof(f->ids))
			f->nids = sizeof(f->ids) / sizeof(f->ids[0]);
		else
			return (uint16_t)rand_next(&f->rnd);
	}
	return f->ids[--f->nids];
}

/* Our query for r into buf; returns its length. */
static size_t
fwd_build_query(struct fwd_req *r, uint8_t *buf)
{
	const struct dns_query *q = &r->q;
	size_t n = DNS_HDR_LEN;

	r->id = fwd_id(r->f);
	wire_wr16(buf, r->id);
	wire_wr16(buf + 2, (uint16_t)(DNS_FLAG_RD |
	    (q->flags & (DNS_FLAG_CD | FWD_FLAG_AD))));
	wire_wr16(buf + 4, 1);
	wire_wr16(buf + 6, 0);
	wire_wr16(buf + 8, 0);
	wire_wr16(buf + 10, r->edns ? 1 : 0);
	memcpy(buf + n, q->qname, q->qname_len);
	n += q->qname_len;
	wire_wr16(buf + n, q->qtype);
	wire_wr16(buf + n + 2, q->qclass);
	n += 4;
	if (r->edns) {
		buf[n] = 0;
		wire_wr16(buf + n + 1, DNS_TYPE_OPT);
		wire_wr16(buf + n + 3, r->f->edns_udp_size);
		wire_wr32(buf + n + 5, q->edns_do ? 0x8000 : 0);
		wire_wr16(buf + n + 9, 0);
		n += DNS_OPT_LEN;
	}
	return n;
}

/* Does the message repeat our question, uncompressed right after the header? */
static int
fwd_same_question(const struct fwd_req *r, const uint8_t *m, size_t len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t pos = DNS_HDR_LEN, nlen;

	if (wire_rd16(m + 4) != 1 ||
	    dns_name_unpack(m, len, &pos, name, &nlen) != ST_OK ||
	    pos != DNS_HDR_LEN + r->q.qname_len || pos + 4 > len ||
	    !dns_name_equal(name, r->q.qname))
		return 0;
	return wire_rd16(m + pos) == r->q.qtype &&
	    wire_rd16(m + pos + 2) == r->q.qclass;
}

/*
 * Judge an upstream's message; for an answer, cut its OPT RR (and what
 * follows it) off and set *len to what is left.
 */
static enum fwd_verdict
fwd_judge(struct fwd_req *r, uint8_t *m, size_t *len, int tcp)
{
	struct dns_msg_iter it;
	struct dns_msg_rr rr;
	uint16_t flags, ar = 0;
	size_t end;
	int rc, rcode;

	if (*len < DNS_HDR_LEN || wire_rd16(m) != r->id)
		return FWD_IGNORE;
	flags = wire_rd16(m + 2);
	if (!(flags & DNS_FLAG_QR))
		return FWD_IGNORE;
	rcode = flags & 0x0f;
	/* Some servers send FORMERR without the question. */
	if (!fwd_same_question(r, m, *len)) {
		if (wire_rd16(m + 4) != 0 || (rcode != DNS_RCODE_FORMERR &&
		    rcode != DNS_RCODE_NOTIMP))
			return tcp ? FWD_NEXT : FWD_IGNORE;
	} else if (flags & DNS_FLAG_TC) {
		return tcp ? FWD_NEXT : FWD_TCP;
	}
	if (((flags >> 11) & 0x0f) != DNS_OPCODE_QUERY)
		return FWD_NEXT;
	if (rcode == DNS_RCODE_FORMERR || rcode == DNS_RCODE_NOTIMP)
		return r->edns ? FWD_NOEDNS : FWD_NEXT;
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN)
		return FWD_NEXT;
	if (dns_msg_iter_init(&it, m, *len) != ST_OK)
		return FWD_NEXT;
	end = it.pos;
	while ((rc = dns_msg_iter_next(&it, &rr)) == 1) {
		if (rr.type == DNS_TYPE_OPT) {
			/* An extended rcode (RFC 6891 6.1.3) is a failure. */
			if (rr.sec != DNS_SEC_AR || m[rr.ttl_off] != 0)
				return FWD_NEXT;
			break;
		}
		if (rr.sec == DNS_SEC_AR)
			ar++;
		end = rr.end;
	}
	if (rc < 0)
		return FWD_NEXT;
	wire_wr16(m + 10, ar);
	*len = end;
	return FWD_ANSWER;
}

/*
 * Turn the upstream message in f->out (len octets, no OPT) into the answer
 * to q: the client's id, case of the name and RD/CD bits, RA set, AA
 * clear, AD only for a client that asked for DNSSEC; truncated when it
 * exceeds what the client can take over UDP; OPT when q had one.
 */
static size_t
fwd_finish(struct dns_fwd *f, const struct dns_query *q, int tcp, size_t len)
{
	uint8_t *m = f->out;
	uint16_t up = wire_rd16(m + 2), flags;
	size_t limit, reserve = q->edns ? DNS_OPT_LEN : 0;

	if (tcp)
		limit = FWD_MSG_MAX;
	else if (q->edns)
		limit = q->udp_size < f->edns_udp_size ? q->udp_size :
		    f->edns_udp_size;
	else
		limit = DNS_UDP_MIN;
	flags = (uint16_t)(DNS_FLAG_QR | FWD_FLAG_RA | (up & 0x0f) |
	    (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)));
	if ((up & FWD_FLAG_AD) && (q->edns_do || (q->flags & FWD_FLAG_AD)))
		flags |= FWD_FLAG_AD;
	wire_wr16(m, q->id);
	memcpy(m + DNS_HDR_LEN, q->qname, q->qname_len);
	if (len + reserve > limit) {
		flags |= DNS_FLAG_TC;
		len = DNS_HDR_LEN + q->qname_len + 4;
		memset(m + 6, 0, 6);
	}
	wire_wr16(m + 2, flags);
	if (q->edns) {
		m[len] = 0;
		wire_wr16(m + len + 1, DNS_TYPE_OPT);
		wire_wr16(m + len + 3, f->edns_udp_size);
		wire_wr32(m + len + 5, q->edns_do ? 0x8000 : 0);
		wire_wr16(m + len + 9, 0);
		len += DNS_OPT_LEN;
		wire_wr16(m + 10, (uint16_t)(wire_rd16(m + 10) + 1));
	}
	return len;
}

/* An answer of rcode alone (REFUSED, SERVFAIL) to q into f->out. */
static size_t
fwd_error(struct dns_fwd *f, const struct dns_query *q, uint8_t rcode)
{
	struct dns_pkt p;

	dns_pkt_init(&p, f->out, sizeof(f->out), sizeof(f->out), q,
	    FWD_FLAG_RA, rcode);
	dns_pkt_put_question(&p, q);
	if (q->edns)
		return dns_pkt_finish_opt(&p, f->edns_udp_size, 0, q->edns_do);
	return dns_pkt_finish(&p);
}

static void fwd_udp_read(evutil_socket_t, short, void *);
static void fwd_tcp_read(struct bufferevent *, void *);
static void fwd_tcp_event(struct bufferevent *, short, void *);

static int
fwd_start_udp(struct fwd_req *r)
{
	struct dns_fwd *f = r->f;
	const struct dns_fwd_upstream *up = &f->up[r->up];
	uint8_t buf[FWD_QUERY_MAX];
	size_t n = fwd_build_query(r, buf);

	r->fd = socket(up->addr.ss_family,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd == -1) {
		log_warn("forward: socket failed");
		return ST_EIO;
	}
	/* connect() binds a random port and filters what comes back. */
	if (connect(r->fd, (const struct sockaddr *)&up->addr, up->len) == -1 ||
	    send(r->fd, buf, n, 0) != (ssize_t)n)
		return ST_EIO;
	r->rd = event_new(f->base, r->fd, EV_READ | EV_PERSIST, fwd_udp_read,
	    r);
	if (r->rd == NULL || event_add(r->rd, NULL) != 0)
		return ST_ENOMEM;
	return ST_OK;
}

static int
fwd_start_tcp(struct fwd_req *r)
{
	struct dns_fwd *f = r->f;
	const struct dns_fwd_upstream *up = &f->up[r->up];
	uint8_t buf[2 + FWD_QUERY_MAX];
	size_t n = fwd_build_query(r, buf + 2);

	wire_wr16(buf, (uint16_t)n);
	r->bev = bufferevent_socket_new(f->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (r->bev == NULL)
		return ST_ENOMEM;
	bufferevent_setcb(r->bev, fwd_tcp_read, NULL, fwd_tcp_event, r);
	if (bufferevent_enable(r->bev, EV_READ | EV_WRITE) != 0 ||
	    bufferevent_write(r->bev, buf, n + 2) != 0)
		return ST_ENOMEM;
	if (bufferevent_socket_connect(r->bev,
	    (const struct sockaddr *)&up->addr, (int)up->len) != 0)
		return ST_EIO;
	return ST_OK;
}

/* The next upstream not tried, preferring those that have not failed. */
static int
fwd_pick(struct fwd_req *r, size_t *up)
{
	struct dns_fwd *f = r->f;
	double now = f->now();
	int found = 0;

	for (size_t i = 0; i < f->nup && !found; i++)
		if (!(r->tried & (1u << i)) && f->down_until[i] <= now) {
			*up = i;
			found = 1;
		}
	for (size_t i = 0; i < f->nup && !found; i++)
		if (!(r->tried & (1u << i))) {
			*up = i;
			found = 1;
		}
	return found;
}

/* Ask the upstreams not tried yet, until one query leaves. */
static int
fwd_start(struct fwd_req *r)
{
	char text[64];

	while (fwd_pick(r, &r->up)) {
		r->tried |= 1u << r->up;
		r->edns = 1;
		if (evtimer_add(r->timer, &r->f->timeout) != 0)
			return ST_ENOMEM;
		if (fwd_start_udp(r) == ST_OK)
			return ST_OK;
		dns_fwd_upstream_text(&r->f->up[r->up], text, sizeof(text));
		log_debug("forward: cannot ask %s (%s)", text, strerror(errno));
		fwd_attempt_close(r);
	}
	return ST_ENOTFOUND;
}

/*
 * The upstream asked now failed: the next one, or SERVFAIL. One that did
 * not answer at all (down) is asked last for a while; one that answered
 * with an error may just dislike this name.
 */
static void
fwd_fail(struct fwd_req *r, const char *why, int down)
{
	struct dns_fwd *f = r->f;
	char text[64];
	size_t len;

	dns_fwd_upstream_text(&f->up[r->up], text, sizeof(text));
	log_debug("forward: upstream %s failed (%s)", text, why);
	if (down)
		f->down_until[r->up] = f->now() + FWD_DOWN_SECONDS;
	fwd_attempt_close(r);
	if (fwd_start(r) == ST_OK)
		return;
	len = fwd_error(f, &r->q, DNS_RCODE_SERVFAIL);
	f->reply(f->arg, &r->cl, f->out, len);
	fwd_req_free(r);
}

/* f->in holds the answer (len octets, OPT cut off). */
static void
fwd_answer(struct fwd_req *r, size_t len)
{
	struct dns_fwd *f = r->f;
	uint8_t key[DNS_CACHE_KEY_MAX];

	f->down_until[r->up] = 0;
	/* What the cache will not keep still goes to the client. */
	if (f->cache)
		dns_cache_put(f->cache, key, dns_cache_key(&r->q, key), f->in,
		    len, f->now());
	memcpy(f->out, f->in, len);
	len = fwd_finish(f, &r->q, r->cl.tcp, len);
	f->reply(f->arg, &r->cl, f->out, len);
	fwd_req_free(r);
}

/* Act on a message from the upstream; 1 if r is done with it. */
static int
fwd_handle(struct fwd_req *r, size_t len, int tcp)
{
	switch (fwd_judge(r, r->f->in, &len, tcp)) {
	case FWD_IGNORE:
		return 0;
	case FWD_ANSWER:
		fwd_answer(r, len);
		return 1;
	case FWD_TCP:
		fwd_attempt_close(r);
		if (fwd_start_tcp(r) != ST_OK)
			fwd_fail(r, "cannot connect over TCP", 1);
		return 1;
	case FWD_NOEDNS:
		fwd_attempt_close(r);
		r->edns = 0;
		if (fwd_start_udp(r) != ST_OK)
			fwd_fail(r, "cannot ask again without EDNS", 1);
		return 1;
	case FWD_NEXT:
		fwd_fail(r, "error rcode or broken answer", 0);
		return 1;
	}
	return 1;
}

static void
fwd_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct fwd_req *r = arg;
	ssize_t n;

	for (;;) {
		n = recv(fd, r->f->in, sizeof(r->f->in), 0);
		if (n < 0) {
			/* An ICMP error on the connected socket. */
			if (errno != EAGAIN && errno != EINTR)
				fwd_fail(r, strerror(errno), 1);
			return;
		}
		if (fwd_handle(r, (size_t)n, 0))
			return;
	}
}

static void
fwd_tcp_read(struct bufferevent *bev, void *arg)
{
	struct fwd_req *r = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t lenb[2];
	size_t mlen;

	if (evbuffer_copyout(in, lenb, 2) != 2)
		return;
	mlen = (size_t)lenb[0] << 8 | lenb[1];
	if (evbuffer_get_length(in) < 2 + mlen)
		return;
	evbuffer_drain(in, 2);
	evbuffer_remove(in, r->f->in, mlen);
	if (!fwd_handle(r, mlen, 1))
		fwd_fail(r, "answer over TCP does not match", 0);
}

static void
fwd_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		fwd_fail(arg, (what & BEV_EVENT_EOF) ? "TCP closed" :
		    "TCP error", 1);
}

static void
fwd_timeout(evutil_socket_t fd, short what, void *arg)
{
	fwd_fail(arg, "timed out", 1);
}

ssize_t
dns_fwd_query(struct dns_fwd *f, const struct dns_query *q,
    const struct dns_fwd_client *cl, uint8_t *resp, size_t respcap)
{
	uint8_t key[DNS_CACHE_KEY_MAX];
	struct fwd_req *r = NULL;
	size_t len = 0;

	if (f->cache && dns_cache_get(f->cache, key, dns_cache_key(q, key),
	    f->now(), f->out, FWD_MSG_MAX, &len) == ST_OK)
		len = fwd_finish(f, q, cl->tcp, len);
	else if (!(q->flags & DNS_FLAG_RD))
		len = fwd_error(f, q, DNS_RCODE_REFUSED);
	else if (f->npending >= DNS_FWD_PENDING_MAX ||
	    (r = calloc(1, sizeof(*r))) == NULL)
		len = fwd_error(f, q, DNS_RCODE_SERVFAIL);
	if (len > 0) {
		if (len > respcap)
			return ST_ESPACE;
		memcpy(resp, f->out, len);
		return (ssize_t)len;
	}
	r->f = f;
	r->cl = *cl;
	r->q = *q;
	r->fd = -1;
	r->next = f->reqs;
	if (f->reqs)
		f->reqs->prev = r;
	f->reqs = r;
	f->npending++;
	r->timer = evtimer_new(f->base, fwd_timeout, r);
	if (r->timer != NULL && fwd_start(r) == ST_OK)
		return 0;
	fwd_req_free(r);
	len = fwd_error(f, q, DNS_RCODE_SERVFAIL);
	memcpy(resp, f->out, len);
	return (ssize_t)len;
}
