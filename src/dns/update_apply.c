/*
 * update_apply.c -- RFC 2136 3.4.2: the updates applied in order to the
 * DNS_ORIGIN_UPDATE records of the names they touch, kept in memory until
 * the transaction writes them all (so that a later update of the request
 * sees what an earlier one did).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/update_int.h"
#include "store/store.h"
#include "util/error.h"

void
upd_nodes_clear(struct upd *u)
{
	for (size_t i = 0; i < u->nnodes; i++) {
		for (size_t j = 0; j < u->nodes[i].n; j++)
			free(u->nodes[i].rrs[j].rdata);
		free(u->nodes[i].rrs);
	}
	u->nnodes = 0;
}

static int
upd_node_push(struct upd_node *n, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t rdlen)
{
	struct upd_wrr *w;

	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;

		if ((w = realloc(n->rrs, cap * sizeof(*w))) == NULL)
			return ST_ENOMEM;
		n->rrs = w;
		n->cap = cap;
	}
	w = &n->rrs[n->n];
	if ((w->rdata = malloc(rdlen ? rdlen : 1)) == NULL)
		return ST_ENOMEM;
	memcpy(w->rdata, rdata, rdlen);
	w->type = type;
	w->ttl = ttl;
	w->rdlen = (uint16_t)rdlen;
	n->n++;
	return ST_OK;
}

static void
upd_node_drop(struct upd_node *n, size_t i)
{
	free(n->rrs[i].rdata);
	memmove(&n->rrs[i], &n->rrs[i + 1], (n->n - i - 1) * sizeof(*n->rrs));
	n->n--;
	n->dirty = 1;
}

/* The edit of key: found, or loaded with the update's records there. */
static int
upd_node_get(struct upd *u, struct store_txn *txn, const uint8_t *key,
    size_t klen, struct upd_node **out)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	struct upd_node *n;
	const void *val;
	size_t vlen;
	int err, r;

	for (size_t i = 0; i < u->nnodes; i++)
		if (u->nodes[i].klen == klen &&
		    memcmp(u->nodes[i].key, key, klen) == 0) {
			*out = &u->nodes[i];
			return ST_OK;
		}
	if (u->nnodes == u->capnodes) {
		size_t cap = u->capnodes ? u->capnodes * 2 : 8;

		if ((n = realloc(u->nodes, cap * sizeof(*n))) == NULL)
			return ST_ENOMEM;
		u->nodes = n;
		u->capnodes = cap;
	}
	n = &u->nodes[u->nnodes++];
	memset(n, 0, sizeof(*n));
	memcpy(n->key, key, klen);
	n->klen = klen;
	*out = n;
	err = store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen);
	if (err == ST_ENOTFOUND)
		return ST_OK;
	if (err != ST_OK || (err = dns_node_iter_init(&it, val, vlen)) != ST_OK)
		return err;
	while ((r = dns_node_iter_next(&it, &set)) == 1) {
		struct dns_rr_iter rit;
		struct dns_rr rr;

		if (set.origin != DNS_ORIGIN_UPDATE)
			continue;
		dns_rr_iter_init(&rit, &set);
		while (dns_rr_iter_next(&rit, &rr) == 1)
			if ((err = upd_node_push(n, set.type, set.ttl, rr.rdata,
			    rr.rdlen)) != ST_OK)
				return err;
	}
	return r;
}

/* 1 if our RR w has the rdata canon (names lowercase). */
static int
upd_wrr_same(struct upd *u, const struct upd_wrr *w, uint16_t type,
    const uint8_t *canon, size_t clen)
{
	size_t l;

	return w->type == type && upd_rdata(w->rdata, w->rdlen, 0, w->rdlen,
	    type, 1, u->cmp, &l) == ST_OK && l == clen &&
	    memcmp(u->cmp, canon, l) == 0;
}

int
upd_other_has(struct upd *u, struct store_txn *txn, const uint8_t *key,
    size_t klen, uint16_t type, const uint8_t *canon, size_t clen)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	const void *val;
	size_t vlen;
	int err, r;

	err = store_get(txn, STORE_DB_NODES, key, klen, &val, &vlen);
	if (err != ST_OK)
		return err == ST_ENOTFOUND ? 0 : err;
	if ((err = dns_node_iter_init(&it, val, vlen)) != ST_OK)
		return err;
	while ((r = dns_node_iter_next(&it, &set)) == 1) {
		struct dns_rr_iter rit;
		struct dns_rr rr;
		struct upd_wrr w;

		if (set.origin == DNS_ORIGIN_UPDATE || set.count == 0)
			continue;
		if (canon == NULL && (type == DNS_TYPE_ANY ?
		    set.type != DNS_TYPE_CNAME : set.type == type))
			return 1;
		if (canon == NULL || set.type != type)
			continue;
		dns_rr_iter_init(&rit, &set);
		while (dns_rr_iter_next(&rit, &rr) == 1) {
			w.type = type;
			w.rdata = (uint8_t *)(uintptr_t)rr.rdata;
			w.rdlen = rr.rdlen;
			if (upd_wrr_same(u, &w, type, canon, clen))
				return 1;
		}
	}
	return r;
}

/* 1 if the update's records at n hold type (ANY: a type but CNAME). */
static int
upd_node_has(const struct upd_node *n, uint16_t type)
{
	for (size_t i = 0; i < n->n; i++)
		if (type == DNS_TYPE_ANY ? n->rrs[i].type != DNS_TYPE_CNAME :
		    n->rrs[i].type == type)
			return 1;
	return 0;
}

/* Drop the update's RRs of type (ANY: all; at the apex not SOA and NS). */
static void
upd_node_drop_type(struct upd *u, struct upd_node *n, uint16_t type, int apex)
{
	for (size_t i = n->n; i-- > 0;) {
		uint16_t t = n->rrs[i].type;

		if ((type != DNS_TYPE_ANY && t != type) || (apex &&
		    (t == DNS_TYPE_SOA || t == DNS_TYPE_NS)))
			continue;
		upd_node_drop(n, i);
		u->changes++;
	}
}

/* RFC 2136 3.4.2.2: CNAME and other data do not mix; SOA is stadion's. */
static int
upd_add(struct upd *u, struct store_txn *txn, const struct upd_rr *x,
    struct upd_node *n)
{
	size_t alen, clen;
	int r;

	if (x->type == DNS_TYPE_SOA)
		return ST_OK;
	if (x->type == DNS_TYPE_CNAME) {
		if ((r = upd_other_has(u, txn, x->key, x->klen, DNS_TYPE_ANY,
		    NULL, 0)) != 0 || upd_node_has(n, DNS_TYPE_ANY))
			return r < 0 ? r : ST_OK;
		upd_node_drop_type(u, n, DNS_TYPE_CNAME, 0);
	} else if ((r = upd_other_has(u, txn, x->key, x->klen, DNS_TYPE_CNAME,
	    NULL, 0)) != 0 || upd_node_has(n, DNS_TYPE_CNAME)) {
		return r < 0 ? r : ST_OK;
	}
	if (upd_rdata(u->msg, u->len, x->rdata, x->rdlen, x->type, 0, u->a,
	    &alen) != ST_OK || upd_rdata(u->msg, u->len, x->rdata, x->rdlen,
	    x->type, 1, u->b, &clen) != ST_OK)
		return ST_EFORMAT;
	for (size_t i = 0; i < n->n; i++) {
		if (!upd_wrr_same(u, &n->rrs[i], x->type, u->b, clen))
			continue;
		if (n->rrs[i].ttl == x->ttl)
			return ST_OK;
		goto ttl;
	}
	if ((r = upd_other_has(u, txn, x->key, x->klen, x->type, u->b,
	    clen)) != 0)
		return r < 0 ? r : ST_OK;
	if ((r = upd_node_push(n, x->type, x->ttl, u->a, alen)) != ST_OK)
		return r;
ttl:
	/* One TTL per RRset: the last one added sets it. */
	for (size_t i = 0; i < n->n; i++)
		if (n->rrs[i].type == x->type)
			n->rrs[i].ttl = x->ttl;
	n->dirty = 1;
	u->changes++;
	return ST_OK;
}

/* RFC 2136 3.4.2.4: no SOA, and not the apex's last NS. */
static int
upd_del_rr(struct upd *u, struct store_txn *txn, const struct upd_rr *x,
    struct upd_node *n, int apex)
{
	size_t clen;
	int r, ns = 0;

	if (x->type == DNS_TYPE_SOA)
		return ST_OK;
	if (upd_rdata(u->msg, u->len, x->rdata, x->rdlen, x->type, 1, u->b,
	    &clen) != ST_OK)
		return ST_EFORMAT;
	if (apex && x->type == DNS_TYPE_NS) {
		if ((r = upd_other_has(u, txn, x->key, x->klen, DNS_TYPE_NS,
		    NULL, 0)) < 0)
			return r;
		for (size_t i = 0; i < n->n; i++)
			ns += n->rrs[i].type == DNS_TYPE_NS;
		if (r == 0 && ns <= 1)
			return ST_OK;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (upd_wrr_same(u, &n->rrs[i], x->type, u->b, clen)) {
			upd_node_drop(n, i);
			u->changes++;
			return ST_OK;
		}
	}
	return ST_OK;
}

int
upd_apply(struct upd *u, struct store_txn *txn)
{
	for (size_t i = 0; i < u->nup; i++) {
		const struct upd_rr *x = &u->up[i];
		int apex = x->klen == u->zkeylen;
		struct upd_node *n;
		int err;

		if ((err = upd_node_get(u, txn, x->key, x->klen, &n)) != ST_OK)
			return err;
		if (x->class == DNS_CLASS_IN)
			err = upd_add(u, txn, x, n);
		else if (x->class == DNS_CLASS_NONE)
			err = upd_del_rr(u, txn, x, n, apex);
		else if (x->type != DNS_TYPE_ANY && apex &&
		    (x->type == DNS_TYPE_SOA || x->type == DNS_TYPE_NS))
			err = ST_OK;
		else
			upd_node_drop_type(u, n, x->type, apex);
		if (err != ST_OK)
			return err;
	}
	return ST_OK;
}

int
upd_commit(struct upd *u, struct store_txn *txn)
{
	for (size_t i = 0; i < u->nnodes; i++) {
		struct upd_node *n = &u->nodes[i];
		struct dns_node_edit e;
		int err;

		if (!n->dirty)
			continue;
		dns_node_edit_init(&e, DNS_ORIGIN_UPDATE);
		/* RRsets in the order their types first appear. */
		for (size_t j = 0; j < n->n; j++) {
			int seen = 0;

			for (size_t k = 0; k < j && !seen; k++)
				seen = n->rrs[k].type == n->rrs[j].type;
			if (seen)
				continue;
			dns_node_edit_rrset(&e, n->rrs[j].type, n->rrs[j].ttl);
			for (size_t k = j; k < n->n; k++)
				if (n->rrs[k].type == n->rrs[j].type)
					dns_node_edit_rr(&e, 1, n->rrs[k].rdata,
					    n->rrs[k].rdlen);
		}
		err = dns_node_edit_commit(&e, txn, n->key, n->klen);
		dns_node_edit_deinit(&e);
		if (err != ST_OK)
			return err;
	}
	return ST_OK;
}
