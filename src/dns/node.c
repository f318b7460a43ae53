/*
 * node.c -- encode, walk and merge the RRsets of one owner name.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/journal.h"
#include "dns/node.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"

#define RRSET_HDR 10	/* type, origin, reserved, ttl, count */
#define RR_HDR 4	/* weight, rdlen */

int
dns_node_iter_init(struct dns_node_iter *it, const uint8_t *blob, size_t len)
{
	if (len < 2)
		return ST_EFORMAT;
	it->left = wire_rd16(blob);
	it->p = blob + 2;
	it->end = blob + len;
	return ST_OK;
}

int
dns_node_iter_next(struct dns_node_iter *it, struct dns_rrset *set)
{
	const uint8_t *p;

	if (it->left == 0)
		return 0;
	if ((size_t)(it->end - it->p) < RRSET_HDR)
		return ST_EFORMAT;
	set->type = wire_rd16(it->p);
	set->origin = it->p[2];
	set->ttl = wire_rd32(it->p + 4);
	set->count = wire_rd16(it->p + 8);
	p = it->p + RRSET_HDR;
	set->rrs = p;
	for (uint16_t i = 0; i < set->count; i++) {
		if ((size_t)(it->end - p) < RR_HDR)
			return ST_EFORMAT;
		if ((size_t)(it->end - p) < RR_HDR + (size_t)wire_rd16(p + 2))
			return ST_EFORMAT;
		p += RR_HDR + wire_rd16(p + 2);
	}
	set->rrs_len = (size_t)(p - set->rrs);
	it->p = p;
	it->left--;
	return 1;
}

void
dns_rr_iter_init(struct dns_rr_iter *it, const struct dns_rrset *set)
{
	it->p = set->rrs;
	it->end = set->rrs + set->rrs_len;
	it->left = set->count;
}

int
dns_rr_iter_next(struct dns_rr_iter *it, struct dns_rr *rr)
{
	if (it->left == 0)
		return 0;
	if ((size_t)(it->end - it->p) < RR_HDR)
		return ST_EFORMAT;
	rr->weight = wire_rd16(it->p);
	rr->rdlen = wire_rd16(it->p + 2);
	if ((size_t)(it->end - it->p) < RR_HDR + (size_t)rr->rdlen)
		return ST_EFORMAT;
	rr->rdata = it->p + RR_HDR;
	it->p += RR_HDR + rr->rdlen;
	it->left--;
	return 1;
}

void
dns_node_edit_init(struct dns_node_edit *e, enum dns_origin origin)
{
	memset(e, 0, sizeof(*e));
	e->origin = (uint8_t)origin;
	e->cur = SIZE_MAX;
}

void
dns_node_edit_deinit(struct dns_node_edit *e)
{
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
}

static uint8_t *
edit_reserve(struct dns_node_edit *e, size_t n)
{
	if (e->err)
		return NULL;
	if (e->len + n > e->cap) {
		size_t cap = e->cap ? e->cap : 256;
		uint8_t *b;

		while (cap < e->len + n)
			cap *= 2;
		if ((b = realloc(e->buf, cap)) == NULL) {
			e->err = ST_ENOMEM;
			return NULL;
		}
		e->buf = b;
		e->cap = cap;
	}
	e->len += n;
	return e->buf + e->len - n;
}

void
dns_node_edit_rrset(struct dns_node_edit *e, uint16_t type, uint32_t ttl)
{
	uint8_t *p = edit_reserve(e, RRSET_HDR);

	if (p == NULL)
		return;
	if (e->nsets == UINT16_MAX) {
		e->err = ST_EINVAL;
		return;
	}
	wire_wr16(p, type);
	p[2] = e->origin;
	p[3] = 0;
	wire_wr32(p + 4, ttl);
	wire_wr16(p + 8, 0);
	e->cur = (size_t)(p - e->buf);
	e->nsets++;
}

void
dns_node_edit_rr(struct dns_node_edit *e, uint16_t weight,
    const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t *p;
	uint16_t count;

	if (e->err)
		return;
	if (e->cur == SIZE_MAX) {
		e->err = ST_EINVAL;
		return;
	}
	count = wire_rd16(e->buf + e->cur + 8);
	if (count == UINT16_MAX) {
		e->err = ST_EINVAL;
		return;
	}
	if ((p = edit_reserve(e, RR_HDR + (size_t)rdlen)) == NULL)
		return;
	wire_wr16(p, weight);
	wire_wr16(p + 2, rdlen);
	memcpy(p + RR_HDR, rdata, rdlen);
	wire_wr16(e->buf + e->cur + 8, count + 1);
}

int
dns_node_edit_commit(struct dns_node_edit *e, struct store_txn *txn,
    const uint8_t *key, size_t klen)
{
	const void *old = NULL;
	size_t oldlen = 0, total, o;
	struct dns_node_iter it;
	struct dns_rrset set;
	uint8_t *blob;
	uint16_t nsets = e->nsets;
	int err, rc;

	if (e->err) {
		store_txn_fail(txn, e->err);
		return e->err;
	}
	err = store_get(txn, STORE_DB_NODES, key, klen, &old, &oldlen);
	if (err && err != ST_ENOTFOUND) {
		store_txn_fail(txn, err);
		return err;
	}
	total = 2 + e->len;
	if (old) {
		if ((err = dns_node_iter_init(&it, old, oldlen)) != ST_OK)
			goto corrupt;
		while ((rc = dns_node_iter_next(&it, &set)) == 1) {
			if (set.origin == e->origin)
				continue;
			total += RRSET_HDR + set.rrs_len;
			nsets++;
		}
		if (rc < 0)
			goto corrupt;
	}
	if (nsets == 0) {
		if ((err = dns_journal_node(txn, key, klen, old, oldlen, NULL,
		    0)) != ST_OK)
			return err;
		return store_del(txn, STORE_DB_NODES, key, klen);
	}
	if ((blob = malloc(total)) == NULL) {
		store_txn_fail(txn, ST_ENOMEM);
		return ST_ENOMEM;
	}
	wire_wr16(blob, nsets);
	o = 2;
	if (old) {
		dns_node_iter_init(&it, old, oldlen);
		while (dns_node_iter_next(&it, &set) == 1) {
			if (set.origin == e->origin)
				continue;
			memcpy(blob + o, set.rrs - RRSET_HDR, RRSET_HDR + set.rrs_len);
			o += RRSET_HDR + set.rrs_len;
		}
	}
	if (e->len)
		memcpy(blob + o, e->buf, e->len);
	/* Before the put: old points into the map, which the put may move. */
	err = dns_journal_node(txn, key, klen, old, oldlen, blob, total);
	if (err == ST_OK)
		err = store_put(txn, STORE_DB_NODES, key, klen, blob, total);
	free(blob);
	return err;
corrupt:
	store_txn_fail(txn, ST_EFORMAT);
	return ST_EFORMAT;
}
