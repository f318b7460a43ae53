/*
 * journal_read.c -- read a zone's journal back: the entries leading from
 * one serial to another, condensed into one difference for IXFR.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/journal.h"
#include "dns/journal_int.h"
#include "dns/pkt.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"

static uint64_t
jn_rd64(const uint8_t *p)
{
	return (uint64_t)wire_rd32(p) << 32 | wire_rd32(p + 4);
}

int
dns_journal_rr_parse(const uint8_t *p, size_t avail, struct dns_journal_rr *rr)
{
	size_t nlen;

	if (dns_name_wire_len(p, avail, &nlen) != ST_OK || nlen + 10 > avail)
		return ST_EFORMAT;
	rr->wire = p;
	rr->owner = p;
	rr->type = wire_rd16(p + nlen);
	rr->ttl = wire_rd32(p + nlen + 4);
	rr->rdlen = wire_rd16(p + nlen + 8);
	rr->rdata = p + nlen + 10;
	rr->len = nlen + 10 + rr->rdlen;
	return rr->len > avail ? ST_EFORMAT : ST_OK;
}

size_t
jn_zone_key(const uint8_t *zkey, size_t zklen, uint8_t *out)
{
	/* The store hands the root's key back as one 0 octet. */
	if (zklen == 1 && zkey[0] == 0)
		zklen = 0;
	out[0] = (uint8_t)zklen;
	memcpy(out + 1, zkey, zklen);
	return 1 + zklen;
}

int
jn_head_get(struct store_txn *txn, const uint8_t *key, size_t klen,
    struct jn_head *h)
{
	const void *val;
	const uint8_t *p;
	size_t vlen;
	int err;

	if ((err = store_get(txn, STORE_DB_JOURNAL, key, klen, &val,
	    &vlen)) != ST_OK)
		return err;
	if (vlen != JN_HEAD_LEN)
		return ST_EFORMAT;
	p = val;
	h->first = jn_rd64(p);
	h->next = jn_rd64(p + 8);
	h->bytes = jn_rd64(p + 16);
	h->serial = wire_rd32(p + 24);
	return h->first <= h->next ? ST_OK : ST_EFORMAT;
}

static int
jn_op_cmp(const void *a, const void *b)
{
	const struct jn_op *x = a, *y = b;
	int c;

	if (x->rr.len != y->rr.len)
		return x->rr.len < y->rr.len ? -1 : 1;
	if ((c = memcmp(x->rr.wire, y->rr.wire, x->rr.len)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
jn_condense(struct jn_op *ops, size_t n, struct dns_journal_rr **del,
    size_t *ndel, struct dns_journal_rr **add, size_t *nadd)
{
	size_t i, j;

	*del = *add = NULL;
	*ndel = *nadd = 0;
	if (n == 0)
		return ST_OK;
	if ((*del = calloc(n, sizeof(**del))) == NULL ||
	    (*add = calloc(n, sizeof(**add))) == NULL) {
		free(*del);
		*del = NULL;
		return ST_ENOMEM;
	}
	qsort(ops, n, sizeof(*ops), jn_op_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && ops[j].rr.len == ops[i].rr.len &&
		    memcmp(ops[j].rr.wire, ops[i].rr.wire, ops[i].rr.len) == 0;)
			j++;
		/*
		 * An RR deleted first was there before; one added last is
		 * there after. Whatever happened between cancels out.
		 */
		if (!ops[i].add && !ops[j - 1].add)
			(*del)[(*ndel)++] = ops[i].rr;
		else if (ops[i].add && ops[j - 1].add)
			(*add)[(*nadd)++] = ops[i].rr;
	}
	return ST_OK;
}

/* The parts of an entry: serials, counts, and where its RRs start. */
struct jn_entry {
	uint32_t from, to, ndel, nadd;
	const uint8_t *rrs;
	size_t len;
};

static int
jn_entry_get(struct store_txn *txn, uint8_t *key, size_t zlen, uint64_t seq,
    struct jn_entry *e)
{
	const void *val;
	const uint8_t *p;
	size_t vlen;
	int err;

	wire_wr32(key + zlen, (uint32_t)(seq >> 32));
	wire_wr32(key + zlen + 4, (uint32_t)seq);
	if ((err = store_get(txn, STORE_DB_JOURNAL, key, zlen + 8, &val,
	    &vlen)) != ST_OK)
		return err == ST_ENOTFOUND ? ST_EFORMAT : err;
	if (vlen < JN_ENTRY_HDR)
		return ST_EFORMAT;
	p = val;
	e->from = wire_rd32(p);
	e->to = wire_rd32(p + 4);
	e->ndel = wire_rd32(p + 8);
	e->nadd = wire_rd32(p + 12);
	e->rrs = p + JN_ENTRY_HDR;
	e->len = vlen - JN_ENTRY_HDR;
	return ST_OK;
}

/*
 * Add the changes of entry e to ops (from *n on, numbered from *seq on);
 * its SOAs into old_soa and new_soa.
 */
static int
jn_entry_ops(const struct jn_entry *e, struct jn_op *ops, size_t *n,
    uint32_t *seq, struct dns_journal_rr *old_soa,
    struct dns_journal_rr *new_soa)
{
	struct dns_journal_rr rr;
	size_t o = 0;

	for (uint32_t i = 0; i < 2 + e->ndel + e->nadd; i++) {
		if (dns_journal_rr_parse(e->rrs + o, e->len - o, &rr) != ST_OK)
			return ST_EFORMAT;
		o += rr.len;
		if (i == 0 || i == 1 + e->ndel) {
			if (rr.type != DNS_TYPE_SOA)
				return ST_EFORMAT;
			*(i == 0 ? old_soa : new_soa) = rr;
			continue;
		}
		ops[*n].rr = rr;
		ops[*n].add = i > 1 + e->ndel;
		ops[(*n)++].seq = (*seq)++;
	}
	return o == e->len ? ST_OK : ST_EFORMAT;
}

int
dns_journal_diff(struct store_txn *txn, const uint8_t *zkey, size_t zklen,
    uint32_t from, uint32_t to, struct dns_journal_diff *d)
{
	uint8_t key[JN_KEY_MAX];
	struct dns_journal_rr soa;
	struct jn_entry e;
	struct jn_head h;
	struct jn_op *ops = NULL;
	size_t zlen = jn_zone_key(zkey, zklen, key), n = 0, total = 0;
	uint64_t start, s;
	uint32_t seq = 0, prev = from;
	int err;

	memset(d, 0, sizeof(*d));
	if ((err = jn_head_get(txn, key, zlen, &h)) != ST_OK)
		return err;
	if (h.serial != to || h.first == h.next)
		return ST_ENOTFOUND;
	/* The entry that starts at from, counting the RRs from it on. */
	for (start = h.first; start < h.next; start++) {
		if ((err = jn_entry_get(txn, key, zlen, start, &e)) != ST_OK)
			return err;
		if (e.from == from)
			break;
	}
	if (start == h.next)
		return ST_ENOTFOUND;
	for (s = start; s < h.next; s++) {
		if ((err = jn_entry_get(txn, key, zlen, s, &e)) != ST_OK)
			return err;
		if (e.from != prev)
			return ST_EFORMAT;
		prev = e.to;
		total += (size_t)e.ndel + e.nadd;
	}
	if (total && (ops = calloc(total, sizeof(*ops))) == NULL)
		return ST_ENOMEM;
	for (s = start; s < h.next; s++) {
		if ((err = jn_entry_get(txn, key, zlen, s, &e)) != ST_OK ||
		    (err = jn_entry_ops(&e, ops, &n, &seq, s == start ?
		    &d->old_soa : &soa, &d->new_soa)) != ST_OK)
			goto out;
	}
	d->entries = (size_t)(h.next - start);
	err = jn_condense(ops, n, &d->del, &d->ndel, &d->add, &d->nadd);
out:
	free(ops);
	if (err != ST_OK)
		dns_journal_diff_deinit(d);
	return err;
}

void
dns_journal_diff_deinit(struct dns_journal_diff *d)
{
	free(d->del);
	free(d->add);
	memset(d, 0, sizeof(*d));
}

int
dns_journal_span(struct store_txn *txn, const uint8_t *zkey, size_t zklen,
    size_t *entries, uint32_t *first, uint32_t *last)
{
	uint8_t key[JN_KEY_MAX];
	size_t zlen = jn_zone_key(zkey, zklen, key);
	struct jn_entry e;
	struct jn_head h;
	int err;

	*entries = 0;
	*first = *last = 0;
	if ((err = jn_head_get(txn, key, zlen, &h)) != ST_OK)
		return err == ST_ENOTFOUND ? ST_OK : err;
	*first = *last = h.serial;
	if (h.first == h.next)
		return ST_OK;
	if ((err = jn_entry_get(txn, key, zlen, h.first, &e)) != ST_OK)
		return err;
	*entries = (size_t)(h.next - h.first);
	*first = e.from;
	return ST_OK;
}
