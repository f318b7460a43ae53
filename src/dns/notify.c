/*
 * notify.c -- NOTIFY the secondaries: serial changes gathered for a moment,
 * then one message per zone and secondary over UDP, sent again with a
 * doubling wait until answered.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/notify.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/addr.h"
#include "util/error.h"
#include "util/log.h"
#include "util/wire.h"

#define NT_OPCODE_NOTIFY 4
/* Header, question and an SOA RR with uncompressed names. */
#define NT_MSG_MAX (DNS_HDR_LEN + 3 * DNS_NAME_MAX + 40)

struct nt_target {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];
};

/* A zone whose serial changed, waiting for the burst to end. */
struct nt_zone {
	uint8_t apex[DNS_NAME_MAX];
	size_t len;
	uint32_t serial;
};

/* One NOTIFY to one secondary, until answered or given up. */
struct nt_job {
	struct dns_notify *n;
	struct nt_job *prev, *next;
	size_t target;
	uint8_t apex[DNS_NAME_MAX];
	size_t len;
	char zone[DNS_NAME_MAX * 4 + 2];
	uint32_t serial;
	uint16_t id;
	unsigned sent;
	struct event *timer;
	uint8_t msg[NT_MSG_MAX];
	size_t msglen;
};

struct dns_notify {
	struct event_base *base;
	struct store_txn *txn;
	struct dns_notify_params p;
	struct nt_target *targets;
	size_t ntargets;
	int fd4, fd6;
	struct event *ev4, *ev6, *coalesce;
	struct nt_zone *pending;
	size_t npending;
	struct nt_job *jobs;
};

static void
nt_job_free(struct nt_job *j)
{
	struct dns_notify *n = j->n;

	if (j->prev)
		j->prev->next = j->next;
	else
		n->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	if (j->timer)
		event_free(j->timer);
	free(j);
}

/* The message: question apex SOA, and the zone's SOA when we have it. */
static void
nt_job_build(struct nt_job *j)
{
	struct dns_notify *n = j->n;
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	uint8_t key[DNS_KEY_MAX], *m = j->msg;
	const void *blob;
	size_t klen, blen, o;

	if (getrandom(&j->id, sizeof(j->id), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(j->id))
		j->id = (uint16_t)(j->id * 31 + j->serial);
	memset(m, 0, DNS_HDR_LEN);
	wire_wr16(m, j->id);
	wire_wr16(m + 2, NT_OPCODE_NOTIFY << 11 | DNS_FLAG_AA);
	wire_wr16(m + 4, 1);
	memcpy(m + DNS_HDR_LEN, j->apex, j->len);
	o = DNS_HDR_LEN + j->len;
	wire_wr16(m + o, DNS_TYPE_SOA);
	wire_wr16(m + o + 2, DNS_CLASS_IN);
	o += 4;
	j->msglen = o;
	/* RFC 1996 3.7: the new SOA may come along, as a hint. */
	if (dns_name_to_key(j->apex, j->len, key, &klen) != ST_OK ||
	    store_reader_begin(n->txn) != ST_OK)
		return;
	if (store_get(n->txn, STORE_DB_NODES, key, klen, &blob, &blen) ==
	    ST_OK && dns_node_iter_init(&it, blob, blen) == ST_OK) {
		while (dns_node_iter_next(&it, &set) == 1) {
			if (set.type != DNS_TYPE_SOA)
				continue;
			dns_rr_iter_init(&ri, &set);
			if (dns_rr_iter_next(&ri, &rr) != 1 ||
			    o + 12 + rr.rdlen > sizeof(j->msg))
				break;
			wire_wr16(m + o, 0xc000 | DNS_HDR_LEN);
			wire_wr16(m + o + 2, DNS_TYPE_SOA);
			wire_wr16(m + o + 4, DNS_CLASS_IN);
			wire_wr32(m + o + 6, set.ttl);
			wire_wr16(m + o + 10, rr.rdlen);
			memcpy(m + o + 12, rr.rdata, rr.rdlen);
			j->msglen = o + 12 + rr.rdlen;
			wire_wr16(m + 6, 1);
			break;
		}
	}
	store_reader_end(n->txn);
}

static void
nt_job_send(struct nt_job *j)
{
	struct dns_notify *n = j->n;
	const struct nt_target *t = &n->targets[j->target];
	int fd = t->ss.ss_family == AF_INET ? n->fd4 : n->fd6;
	struct timeval tv;
	unsigned ms;

	/* A failed send is retried as a lost one would be. */
	if (sendto(fd, j->msg, j->msglen, 0, (const struct sockaddr *)&t->ss,
	    t->len) == -1)
		log_warn("notify: cannot send to %s", t->text);
	ms = n->p.retry_ms << (j->sent < 16 ? j->sent : 16);
	j->sent++;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(j->timer, &tv);
}

static void
nt_job_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct nt_job *j = arg;

	(void)fd, (void)what;
	if (j->sent > j->n->p.retries) {
		log_warnx("notify: no answer from %s to the NOTIFY of %s "
		    "(serial %u) after %u tries", j->n->targets[j->target].text,
		    j->zone, j->serial, j->sent);
		nt_job_free(j);
		return;
	}
	log_debug("notify: %s serial %u to %s again", j->zone, j->serial,
	    j->n->targets[j->target].text);
	nt_job_send(j);
}

/* Start (or restart, for a newer serial) the NOTIFY of z to target t. */
static int
nt_job_start(struct dns_notify *n, const struct nt_zone *z, size_t t)
{
	struct nt_job *j;

	for (j = n->jobs; j; j = j->next)
		if (j->target == t && j->len == z->len &&
		    dns_name_equal(j->apex, z->apex))
			break;
	if (j == NULL) {
		if ((j = calloc(1, sizeof(*j))) == NULL)
			return ST_ENOMEM;
		j->n = n;
		if ((j->timer = evtimer_new(n->base, nt_job_timeout, j)) ==
		    NULL) {
			free(j);
			return ST_ENOMEM;
		}
		j->target = t;
		memcpy(j->apex, z->apex, z->len);
		j->len = z->len;
		if (dns_name_to_text(j->apex, j->len, j->zone,
		    sizeof(j->zone)) != ST_OK)
			strcpy(j->zone, "?");
		j->next = n->jobs;
		if (n->jobs)
			n->jobs->prev = j;
		n->jobs = j;
	}
	j->serial = z->serial;
	j->sent = 0;
	nt_job_build(j);
	log_info("notify: %s serial %u to %s", j->zone, j->serial,
	    n->targets[t].text);
	nt_job_send(j);
	return ST_OK;
}

static void
nt_coalesced(evutil_socket_t fd, short what, void *arg)
{
	struct dns_notify *n = arg;

	(void)fd, (void)what;
	for (size_t i = 0; i < n->npending; i++)
		for (size_t t = 0; t < n->ntargets; t++)
			if (nt_job_start(n, &n->pending[i], t) != ST_OK)
				log_warnx("notify: out of memory, %s not "
				    "notified", n->targets[t].text);
	n->npending = 0;
}

void
dns_notify_zone(const uint8_t *apex, size_t len, uint32_t serial, void *arg)
{
	struct dns_notify *n = arg;
	struct nt_zone *z;
	struct timeval tv;
	size_t i;

	if (n->ntargets == 0 || len > DNS_NAME_MAX)
		return;
	for (i = 0; i < n->npending; i++)
		if (n->pending[i].len == len &&
		    dns_name_equal(n->pending[i].apex, apex))
			break;
	if (i == n->npending) {
		if ((z = realloc(n->pending, (i + 1) * sizeof(*z))) == NULL) {
			log_warnx("notify: out of memory, a serial change is "
			    "not notified");
			return;
		}
		n->pending = z;
		n->npending++;
		memcpy(n->pending[i].apex, apex, len);
		n->pending[i].len = len;
	}
	n->pending[i].serial = serial;
	if (!evtimer_pending(n->coalesce, NULL)) {
		tv.tv_sec = n->p.coalesce_ms / 1000;
		tv.tv_usec = (n->p.coalesce_ms % 1000) * 1000;
		evtimer_add(n->coalesce, &tv);
	}
}

static int
nt_same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	    memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr)) == 0;
}

/* An answer: the job it answers (same id, peer and zone) is done. */
static void
nt_answer(struct dns_notify *n, const uint8_t *m, size_t len,
    const struct sockaddr_storage *from)
{
	uint8_t name[DNS_NAME_MAX];
	size_t pos = DNS_HDR_LEN, nlen;
	uint16_t flags;
	struct nt_job *j;

	if (len < DNS_HDR_LEN)
		return;
	flags = wire_rd16(m + 2);
	if (!(flags & DNS_FLAG_QR) ||
	    ((flags >> 11) & 0x0f) != NT_OPCODE_NOTIFY)
		return;
	for (j = n->jobs; j; j = j->next)
		if (j->id == wire_rd16(m) &&
		    nt_same_peer(&n->targets[j->target].ss, from))
			break;
	/* RFC 1996 4.7: the question must match too, where there is one. */
	if (j == NULL || (wire_rd16(m + 4) > 0 &&
	    (dns_name_unpack(m, len, &pos, name, &nlen) != ST_OK ||
	    !dns_name_equal(name, j->apex))))
		return;
	if ((flags & 0x0f) == DNS_RCODE_NOERROR)
		log_info("notify: %s serial %u acknowledged by %s", j->zone,
		    j->serial, n->targets[j->target].text);
	else
		log_warnx("notify: %s answered the NOTIFY of %s with rcode %u",
		    n->targets[j->target].text, j->zone, flags & 0x0f);
	nt_job_free(j);
}

static void
nt_read(evutil_socket_t fd, short what, void *arg)
{
	struct dns_notify *n = arg;
	struct sockaddr_storage from;
	uint8_t buf[4096];
	socklen_t flen;
	ssize_t r;

	(void)what;
	for (;;) {
		flen = sizeof(from);
		r = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		    (struct sockaddr *)&from, &flen);
		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_warn("notify: recvfrom failed");
			return;
		}
		nt_answer(n, buf, (size_t)r, &from);
	}
}

static int
nt_socket(struct dns_notify *n, int family, int *fd, struct event **ev)
{
	*fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (*fd == -1) {
		log_err("notify: cannot make a UDP socket");
		return ST_EIO;
	}
	if ((*ev = event_new(n->base, *fd, EV_READ | EV_PERSIST, nt_read,
	    n)) == NULL || event_add(*ev, NULL) != 0)
		return ST_ENOMEM;
	return ST_OK;
}

int
dns_notify_new(struct event_base *base, struct store *st,
    const struct dns_notify_params *p, size_t *bad, struct dns_notify **out)
{
	struct dns_notify *n;
	int err = ST_ENOMEM, want4 = 0, want6 = 0;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return ST_ENOMEM;
	n->base = base;
	n->p = *p;
	n->p.targets = NULL;
	n->fd4 = n->fd6 = -1;
	if ((n->targets = calloc(p->ntargets ? p->ntargets : 1,
	    sizeof(*n->targets))) == NULL)
		goto fail;
	for (size_t i = 0; i < p->ntargets; i++) {
		struct nt_target *t = &n->targets[i];

		*bad = i;
		if (addr_parse(p->targets[i], &t->ss, &t->len) != ST_OK) {
			err = ST_EINVAL;
			goto fail;
		}
		snprintf(t->text, sizeof(t->text), "%s", p->targets[i]);
		want4 |= t->ss.ss_family == AF_INET;
		want6 |= t->ss.ss_family == AF_INET6;
		n->ntargets++;
	}
	if ((err = store_reader_new(st, &n->txn)) != ST_OK ||
	    (want4 && (err = nt_socket(n, AF_INET, &n->fd4, &n->ev4))) ||
	    (want6 && (err = nt_socket(n, AF_INET6, &n->fd6, &n->ev6))))
		goto fail;
	if ((n->coalesce = evtimer_new(base, nt_coalesced, n)) == NULL) {
		err = ST_ENOMEM;
		goto fail;
	}
	*out = n;
	return ST_OK;
fail:
	dns_notify_free(n);
	return err;
}

void
dns_notify_free(struct dns_notify *n)
{
	if (n == NULL)
		return;
	while (n->jobs)
		nt_job_free(n->jobs);
	if (n->coalesce)
		event_free(n->coalesce);
	if (n->ev4)
		event_free(n->ev4);
	if (n->ev6)
		event_free(n->ev6);
	if (n->fd4 != -1)
		close(n->fd4);
	if (n->fd6 != -1)
		close(n->fd6);
	store_reader_free(n->txn);
	free(n->pending);
	free(n->targets);
	free(n);
}

/* store_foreach over the zones: each one's serial, notified. */
static int
nt_zone_cb(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct dns_notify *n = arg;
	uint8_t apex[DNS_NAME_MAX];
	size_t len;
	uint32_t serial;

	(void)val, (void)vlen;
	if (dns_name_from_key(key, klen, apex, &len) == ST_OK &&
	    dns_zone_serial(n->txn, apex, len, &serial) == ST_OK)
		dns_notify_zone(apex, len, serial, n);
	return 0;
}

int
dns_notify_all(struct dns_notify *n)
{
	int err;

	if (n->ntargets == 0)
		return ST_OK;
	if ((err = store_reader_begin(n->txn)) != ST_OK)
		return err;
	err = store_foreach(n->txn, STORE_DB_ZONES, NULL, 0, nt_zone_cb, n);
	store_reader_end(n->txn);
	return err;
}
