/*
 * journal.c -- the journal as the store's hook, and the changes of each
 * write transaction: how a node changed, as the RRs it lost and gained.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/journal.h"
#include "dns/journal_int.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"

static int
jn_hook_precommit(struct store_txn *txn, void *arg, void *state)
{
	return state ? jn_precommit(txn, arg, state) : ST_OK;
}

static void
jn_hook_end(void *arg, void *state, int committed)
{
	struct dns_journal *j = arg;
	struct jn_txn *t = state;

	if (t == NULL)
		return;
	for (size_t i = 0; committed && j->on_change && i < t->nserials; i++)
		j->on_change(t->serials[i].apex, t->serials[i].len,
		    t->serials[i].serial, j->on_change_arg);
	free(t->buf);
	free(t->serials);
	free(t);
}

static const struct store_hook jn_hook = { jn_hook_precommit, jn_hook_end };

int
dns_journal_new(struct store *st, const struct dns_journal_params *p,
    struct dns_journal **out)
{
	struct dns_journal *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return ST_ENOMEM;
	j->st = st;
	j->p = *p;
	store_set_hook(st, &jn_hook, j);
	*out = j;
	return ST_OK;
}

void
dns_journal_free(struct dns_journal *j)
{
	if (j == NULL)
		return;
	store_set_hook(j->st, NULL, NULL);
	free(j);
}

void
dns_journal_on_change(struct dns_journal *j, dns_journal_change_fn fn,
    void *arg)
{
	j->on_change = fn;
	j->on_change_arg = arg;
}

/* The transaction's changes, made on the first one; NULL without journal. */
static int
jn_txn_get(struct store_txn *txn, struct jn_txn **out)
{
	void **slot;

	*out = NULL;
	if (store_txn_hook(txn, &jn_hook, &slot) == NULL)
		return ST_OK;
	if (*slot == NULL && (*slot = calloc(1, sizeof(struct jn_txn))) == NULL)
		return ST_ENOMEM;
	*out = *slot;
	return ST_OK;
}

static uint8_t *
jn_reserve(struct jn_txn *t, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		uint8_t *b;

		while (cap < t->len + n)
			cap *= 2;
		if ((b = realloc(t->buf, cap)) == NULL)
			return NULL;
		t->buf = b;
		t->cap = cap;
	}
	t->len += n;
	return t->buf + t->len - n;
}

/* One RR of a node, on one side of a change. */
struct jn_tuple {
	uint16_t type;
	uint16_t rdlen;
	uint32_t ttl;
	const uint8_t *rdata;
	int side;		/* 0 old, 1 new */
};

static int
jn_tuple_cmp(const void *a, const void *b)
{
	const struct jn_tuple *x = a, *y = b;
	int c;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->ttl != y->ttl)
		return x->ttl < y->ttl ? -1 : 1;
	if (x->rdlen != y->rdlen)
		return x->rdlen < y->rdlen ? -1 : 1;
	if ((c = memcmp(x->rdata, y->rdata, x->rdlen)) != 0)
		return c;
	return x->side - y->side;
}

/* Count (v NULL) or collect the RRs of a blob; ST_EFORMAT if corrupt. */
static int
jn_tuples(const uint8_t *blob, size_t len, int side, struct jn_tuple *v,
    size_t *n)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	int rc;

	if (blob == NULL)
		return ST_OK;
	if (dns_node_iter_init(&it, blob, len) != ST_OK)
		return ST_EFORMAT;
	while ((rc = dns_node_iter_next(&it, &set)) == 1) {
		if (v == NULL) {
			*n += set.count;
			continue;
		}
		dns_rr_iter_init(&ri, &set);
		while ((rc = dns_rr_iter_next(&ri, &rr)) == 1)
			v[(*n)++] = (struct jn_tuple){ set.type, rr.rdlen,
			    set.ttl, rr.rdata, side };
		if (rc < 0)
			return ST_EFORMAT;
	}
	return rc < 0 ? ST_EFORMAT : ST_OK;
}

static int
jn_put_rr(struct jn_txn *t, uint8_t op, const uint8_t *owner, size_t olen,
    const struct jn_tuple *x)
{
	uint8_t *p = jn_reserve(t, 1 + olen + 10 + x->rdlen);

	if (p == NULL)
		return ST_ENOMEM;
	p[0] = op;
	memcpy(p + 1, owner, olen);
	p += 1 + olen;
	wire_wr16(p, x->type);
	wire_wr16(p + 2, DNS_CLASS_IN);
	wire_wr32(p + 4, x->ttl);
	wire_wr16(p + 8, x->rdlen);
	memcpy(p + 10, x->rdata, x->rdlen);
	return ST_OK;
}

/*
 * A node is a set of RRs: the same RR written by two origins is there once,
 * and stays while either keeps it. A changed TTL is an RR deleted and one
 * added, as IXFR says it.
 */
static int
jn_node_diff(struct jn_txn *t, const uint8_t *key, size_t klen,
    const uint8_t *old, size_t oldlen, const uint8_t *new, size_t newlen)
{
	uint8_t owner[DNS_NAME_MAX];
	struct jn_tuple *v = NULL;
	size_t olen, n = 0, i, j;
	int err;

	if ((err = dns_name_from_key(key, klen, owner, &olen)) != ST_OK ||
	    (err = jn_tuples(old, oldlen, 0, NULL, &n)) != ST_OK ||
	    (err = jn_tuples(new, newlen, 1, NULL, &n)) != ST_OK)
		return err;
	if (n == 0)
		return ST_OK;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return ST_ENOMEM;
	n = 0;
	if ((err = jn_tuples(old, oldlen, 0, v, &n)) != ST_OK ||
	    (err = jn_tuples(new, newlen, 1, v, &n)) != ST_OK)
		goto out;
	qsort(v, n, sizeof(*v), jn_tuple_cmp);
	for (i = 0; i < n && err == ST_OK; i = j) {
		int sides = 0;

		for (j = i; j < n && (j == i || (v[j].type == v[i].type &&
		    v[j].ttl == v[i].ttl && v[j].rdlen == v[i].rdlen &&
		    memcmp(v[j].rdata, v[i].rdata, v[i].rdlen) == 0)); j++)
			sides |= 1 << v[j].side;
		if (sides == 1)
			err = jn_put_rr(t, JN_DEL, owner, olen, &v[i]);
		else if (sides == 2)
			err = jn_put_rr(t, JN_ADD, owner, olen, &v[i]);
	}
out:
	free(v);
	return err;
}

int
dns_journal_node(struct store_txn *txn, const uint8_t *key, size_t klen,
    const uint8_t *old, size_t oldlen, const uint8_t *new, size_t newlen)
{
	struct jn_txn *t;
	int err;

	if (old == NULL)
		oldlen = 0;
	if (new == NULL)
		newlen = 0;
	if (oldlen == newlen && (oldlen == 0 || memcmp(old, new, oldlen) == 0))
		return ST_OK;
	if ((err = jn_txn_get(txn, &t)) == ST_OK && t != NULL)
		err = jn_node_diff(t, key, klen, old, oldlen, new, newlen);
	if (err != ST_OK)
		store_txn_fail(txn, err);
	return err;
}

int
dns_journal_zone(struct store_txn *txn, const uint8_t *key, size_t klen)
{
	struct jn_txn *t;
	uint8_t *p;
	int err;

	if ((err = jn_txn_get(txn, &t)) != ST_OK || t == NULL)
		goto out;
	if (klen > UINT8_MAX || (p = jn_reserve(t, 2 + klen)) == NULL) {
		err = klen > UINT8_MAX ? ST_EINVAL : ST_ENOMEM;
		goto out;
	}
	p[0] = JN_ZONE;
	p[1] = (uint8_t)klen;
	memcpy(p + 2, key, klen);
out:
	if (err != ST_OK)
		store_txn_fail(txn, err);
	return err;
}
