/*
 * xfr_out.c -- the messages of a transfer: the zone's RRs read from the
 * snapshot (or a journal difference), packed into messages of up to
 * DNS_XFR_MSG_SIZE octets and handed to the send callback one by one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/node.h"
#include "dns/xfr_int.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"

/* The payload size our OPT RR announces (the DNS flag day's). */
#define XFR_EDNS_SIZE 1232

void
xfr_out_init(struct xfr_out *o, struct dns_xfr *x,
    const struct xfr_request *req, const struct dns_xfr_req *r,
    dns_xfr_send_fn send, void *arg)
{
	size_t opt = req->q.edns ? DNS_OPT_LEN : 0, room;

	memset(o, 0, sizeof(*o));
	o->x = x;
	o->req = req;
	o->send = send;
	o->arg = arg;
	room = r->tcp ? XFR_BUF_SIZE : req->q.udp_size;
	if (!r->tcp && !req->q.edns)
		room = DNS_UDP_MIN;
	/* What send adds must fit; leave at least a header and question. */
	o->max = room > opt + r->reserve + DNS_UDP_MIN ?
	    room - opt - r->reserve : DNS_UDP_MIN - opt;
	o->fill = o->max < DNS_XFR_MSG_SIZE ? o->max : DNS_XFR_MSG_SIZE;
}

static void
xfr_msg_start(struct xfr_out *o, uint8_t rcode)
{
	dns_pkt_init(&o->p, o->x->buf, XFR_BUF_SIZE, o->fill, &o->req->q,
	    DNS_FLAG_AA, rcode);
	/* RFC 5936 2.2.1: the question in the first message only. */
	if (o->msgs == 0)
		dns_pkt_put_question(&o->p, &o->req->q);
	o->open = 1;
}

static int
xfr_msg_send(struct xfr_out *o)
{
	size_t len;

	if (o->req->q.edns)
		len = dns_pkt_finish_opt(&o->p, XFR_EDNS_SIZE, 0,
		    o->req->q.edns_do);
	else
		len = dns_pkt_finish(&o->p);
	o->open = 0;
	o->msgs++;
	return o->send(o->x->buf, len, XFR_BUF_SIZE, o->arg);
}

static int
xfr_put(struct xfr_out *o, const uint8_t *owner, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, uint16_t rdlen)
{
	int err;

	if (!o->open)
		xfr_msg_start(o, 0);
	err = dns_pkt_put_rr(&o->p, DNS_SEC_AN, owner, type, DNS_CLASS_IN, ttl,
	    rdata, rdlen);
	if (err == ST_ESPACE && o->p.counts[DNS_SEC_AN] > 0) {
		if ((err = xfr_msg_send(o)) != ST_OK)
			return err;
		xfr_msg_start(o, 0);
		err = dns_pkt_put_rr(&o->p, DNS_SEC_AN, owner, type,
		    DNS_CLASS_IN, ttl, rdata, rdlen);
	}
	if (err == ST_ESPACE) {
		/* An RR bigger than a message is filled to: one of its own. */
		o->p.limit = o->max;
		err = dns_pkt_put_rr(&o->p, DNS_SEC_AN, owner, type,
		    DNS_CLASS_IN, ttl, rdata, rdlen);
	}
	if (err == ST_OK)
		o->rrs++;
	return err;
}

int
xfr_out_error(struct xfr_out *o, uint8_t rcode)
{
	xfr_msg_start(o, rcode);
	return xfr_msg_send(o);
}

int
xfr_zone_soa(struct store_txn *txn, struct xfr_zone *z)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	const void *blob;
	size_t blen, n1, n2;
	int err, rc;

	if ((err = store_get(txn, STORE_DB_NODES, z->key, z->klen, &blob,
	    &blen)) != ST_OK)
		return err;
	if (dns_node_iter_init(&it, blob, blen) != ST_OK)
		return ST_EFORMAT;
	while ((rc = dns_node_iter_next(&it, &set)) == 1) {
		if (set.type != DNS_TYPE_SOA)
			continue;
		dns_rr_iter_init(&ri, &set);
		if (dns_rr_iter_next(&ri, &rr) != 1 ||
		    dns_name_wire_len(rr.rdata, rr.rdlen, &n1) != ST_OK ||
		    dns_name_wire_len(rr.rdata + n1, rr.rdlen - n1, &n2) !=
		    ST_OK || n1 + n2 + 20 != rr.rdlen)
			return ST_EFORMAT;
		z->ttl = set.ttl;
		z->soa = rr.rdata;
		z->soalen = rr.rdlen;
		z->serial = wire_rd32(rr.rdata + n1 + n2);
		return ST_OK;
	}
	return rc < 0 ? ST_EFORMAT : ST_ENOTFOUND;
}

static int
xfr_put_soa(struct xfr_out *o, const struct xfr_zone *z)
{
	return xfr_put(o, z->apex, DNS_TYPE_SOA, z->ttl, z->soa, z->soalen);
}

int
xfr_out_soa(struct xfr_out *o, const struct xfr_zone *z)
{
	int err;

	if ((err = xfr_put_soa(o, z)) != ST_OK)
		return err;
	return xfr_msg_send(o);
}

/* The walk over a zone's nodes, and the apexes of the zones inside it. */
struct xfr_walk {
	struct xfr_out *o;
	const struct xfr_zone *z;
	uint8_t *keys;		/* nested apex keys, back to back */
	size_t *off;		/* key i is keys[off[i] .. off[i + 1]) */
	size_t n, len, cap;
};

static int
xfr_collect_nested(const void *key, size_t klen, const void *val,
    size_t vlen, void *arg)
{
	struct xfr_walk *w = arg;
	size_t *off;

	(void)val, (void)vlen;
	if (klen == 1 && *(const uint8_t *)key == 0)
		klen = 0;
	if (klen <= w->z->klen)
		return 0;
	if (w->len + klen > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		uint8_t *k;

		while (cap < w->len + klen)
			cap *= 2;
		if ((k = realloc(w->keys, cap)) == NULL)
			return ST_ENOMEM;
		w->keys = k;
		w->cap = cap;
	}
	if ((off = realloc(w->off, (w->n + 2) * sizeof(*off))) == NULL)
		return ST_ENOMEM;
	w->off = off;
	memcpy(w->keys + w->len, key, klen);
	w->off[w->n++] = w->len;
	w->len += klen;
	w->off[w->n] = w->len;
	return 0;
}

/*
 * Where the node at key lies: 0 in the zone, 1 at the apex of a zone
 * inside it (only its NS RRset is ours), -1 below such an apex.
 */
static int
xfr_nested(const struct xfr_walk *w, const uint8_t *key, size_t klen)
{
	int where = 0;

	for (size_t i = 0; i < w->n; i++) {
		size_t nlen = w->off[i + 1] - w->off[i];

		if (klen < nlen || memcmp(key, w->keys + w->off[i], nlen) != 0)
			continue;
		if (klen > nlen)
			return -1;
		where = 1;
	}
	return where;
}

/* Did an RRset before set (of the same type and TTL) hold rr already? */
static int
xfr_seen(const uint8_t *blob, size_t blen, const struct dns_rrset *set,
    const struct dns_rr *rr)
{
	struct dns_node_iter it;
	struct dns_rrset s;
	struct dns_rr_iter ri;
	struct dns_rr r;

	dns_node_iter_init(&it, blob, blen);
	while (dns_node_iter_next(&it, &s) == 1 && s.rrs != set->rrs) {
		if (s.type != set->type || s.ttl != set->ttl)
			continue;
		dns_rr_iter_init(&ri, &s);
		while (dns_rr_iter_next(&ri, &r) == 1)
			if (r.rdlen == rr->rdlen &&
			    memcmp(r.rdata, rr->rdata, rr->rdlen) == 0)
				return 1;
	}
	return 0;
}

static int
xfr_node(const void *k, size_t klen, const void *val, size_t vlen, void *arg)
{
	struct xfr_walk *w = arg;
	const uint8_t *key = k;
	uint8_t owner[DNS_NAME_MAX];
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	size_t olen;
	int where, apex, rc, err;

	if (klen == 1 && key[0] == 0)
		klen = 0;
	if ((where = xfr_nested(w, key, klen)) < 0)
		return 0;
	apex = klen == w->z->klen;
	if (dns_name_from_key(key, klen, owner, &olen) != ST_OK ||
	    dns_node_iter_init(&it, val, vlen) != ST_OK)
		return ST_EFORMAT;
	while ((rc = dns_node_iter_next(&it, &set)) == 1) {
		if ((apex && set.type == DNS_TYPE_SOA) ||
		    (where == 1 && set.type != DNS_TYPE_NS))
			continue;
		dns_rr_iter_init(&ri, &set);
		while ((rc = dns_rr_iter_next(&ri, &rr)) == 1) {
			if (xfr_seen(val, vlen, &set, &rr))
				continue;
			if ((err = xfr_put(w->o, owner, set.type, set.ttl,
			    rr.rdata, rr.rdlen)) != ST_OK)
				return err;
		}
		if (rc < 0)
			return ST_EFORMAT;
	}
	return rc < 0 ? ST_EFORMAT : 0;
}

int
xfr_out_zone(struct xfr_out *o, const struct xfr_zone *z)
{
	struct xfr_walk w;
	struct store_txn *txn = o->x->txn;
	int err;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.z = z;
	if ((err = store_foreach(txn, STORE_DB_ZONES, z->key, z->klen,
	    xfr_collect_nested, &w)) == ST_OK &&
	    (err = xfr_put_soa(o, z)) == ST_OK &&
	    (err = store_foreach(txn, STORE_DB_NODES, z->key, z->klen,
	    xfr_node, &w)) == ST_OK &&
	    (err = xfr_put_soa(o, z)) == ST_OK)
		err = xfr_msg_send(o);
	free(w.keys);
	free(w.off);
	return err;
}

static int
xfr_put_rrs(struct xfr_out *o, const struct dns_journal_rr *v, size_t n)
{
	int err = ST_OK;

	for (size_t i = 0; i < n && err == ST_OK; i++)
		err = xfr_put(o, v[i].owner, v[i].type, v[i].ttl, v[i].rdata,
		    v[i].rdlen);
	return err;
}

int
xfr_out_diff(struct xfr_out *o, const struct xfr_zone *z,
    const struct dns_journal_diff *d)
{
	int err;

	/* RFC 1995 4: new SOA, (old SOA, deleted, new SOA, added), new SOA. */
	if ((err = xfr_put_soa(o, z)) != ST_OK ||
	    (err = xfr_put_rrs(o, &d->old_soa, 1)) != ST_OK ||
	    (err = xfr_put_rrs(o, d->del, d->ndel)) != ST_OK ||
	    (err = xfr_put_soa(o, z)) != ST_OK ||
	    (err = xfr_put_rrs(o, d->add, d->nadd)) != ST_OK ||
	    (err = xfr_put_soa(o, z)) != ST_OK)
		return err;
	return xfr_msg_send(o);
}
