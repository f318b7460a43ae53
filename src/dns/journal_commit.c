/*
 * journal_commit.c -- the end of a write transaction: its changes condensed,
 * sorted into the zones they belong to, and appended to each zone's
 * journal, or the journal dropped where it could no longer be trusted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/journal.h"
#include "dns/journal_int.h"
#include "dns/pkt.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/wire.h"

/* What the transaction did to one zone. */
struct jn_zone {
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	int reset;		/* the zone or one inside it came or went */
	int has_old, has_new;
	struct dns_journal_rr old_soa, new_soa;
	struct dns_journal_rr *del, *add;
	size_t ndel, nadd, cdel, cadd;
};

struct jn_zones {
	struct jn_zone *v;
	size_t n, cap;
};

static void
jn_zones_free(struct jn_zones *zs)
{
	for (size_t i = 0; i < zs->n; i++) {
		free(zs->v[i].del);
		free(zs->v[i].add);
	}
	free(zs->v);
}

/* The zone at key, added when new; NULL when out of memory. */
static struct jn_zone *
jn_zone(struct jn_zones *zs, const uint8_t *key, size_t klen)
{
	struct jn_zone *z;

	for (size_t i = 0; i < zs->n; i++)
		if (zs->v[i].klen == klen &&
		    memcmp(zs->v[i].key, key, klen) == 0)
			return &zs->v[i];
	if (zs->n == zs->cap) {
		size_t cap = zs->cap ? zs->cap * 2 : 4;

		if ((z = realloc(zs->v, cap * sizeof(*z))) == NULL)
			return NULL;
		zs->v = z;
		zs->cap = cap;
	}
	z = &zs->v[zs->n++];
	memset(z, 0, sizeof(*z));
	memcpy(z->key, key, klen);
	z->klen = klen;
	return z;
}

static int
jn_zone_push(struct jn_zone *z, const struct dns_journal_rr *rr, int add)
{
	struct dns_journal_rr **v = add ? &z->add : &z->del;
	size_t *n = add ? &z->nadd : &z->ndel, *cap = add ? &z->cadd : &z->cdel;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct dns_journal_rr *nv = realloc(*v, c * sizeof(*nv));

		if (nv == NULL)
			return ST_ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = *rr;
	return ST_OK;
}

/* Length of the key of a name's parent. */
static size_t
jn_parent_key(const uint8_t *key, size_t klen)
{
	if (klen > 0)
		klen--;		/* step over the last label's 0 */
	while (klen > 0 && key[klen - 1] != 0)
		klen--;
	return klen;
}

/* The zone holding the name at key, as the transaction leaves them. */
static int
jn_zone_of(struct store_txn *txn, struct jn_zones *zs, const uint8_t *key,
    size_t klen, struct jn_zone **z, size_t *zklen)
{
	uint8_t flags;
	int err;

	*z = NULL;
	err = dns_zone_find(txn, key, klen, zklen, &flags);
	if (err == ST_ENOTFOUND)
		return ST_OK;
	if (err != ST_OK)
		return err;
	return (*z = jn_zone(zs, key, *zklen)) ? ST_OK : ST_ENOMEM;
}

/*
 * File a net change of an RR under the zones whose transfer it changes:
 * the zone holding the owner, and for the NS RRset at a zone's apex the
 * zone around it too (its delegation).
 */
static int
jn_file(struct store_txn *txn, struct jn_zones *zs,
    const struct dns_journal_rr *rr, int add)
{
	uint8_t key[DNS_KEY_MAX];
	size_t klen, zklen, pklen;
	struct jn_zone *z;
	int err;

	if ((err = dns_name_to_key(rr->owner, rr->len, key, &klen)) != ST_OK ||
	    (err = jn_zone_of(txn, zs, key, klen, &z, &zklen)) != ST_OK ||
	    z == NULL)
		return err;
	if (rr->type == DNS_TYPE_SOA && zklen == klen) {
		*(add ? &z->new_soa : &z->old_soa) = *rr;
		*(add ? &z->has_new : &z->has_old) = 1;
		return ST_OK;
	}
	if ((err = jn_zone_push(z, rr, add)) != ST_OK)
		return err;
	if (rr->type != DNS_TYPE_NS || zklen != klen || klen == 0)
		return ST_OK;
	pklen = jn_parent_key(key, klen);
	if ((err = jn_zone_of(txn, zs, key, pklen, &z, &zklen)) != ST_OK ||
	    z == NULL)
		return err;
	return jn_zone_push(z, rr, add);
}

/* A zone came or went: its journal and that of the zone around it go. */
static int
jn_file_zone(struct store_txn *txn, struct jn_zones *zs, const uint8_t *key,
    size_t klen)
{
	struct jn_zone *z;
	size_t zklen;
	int err;

	if ((z = jn_zone(zs, key, klen)) == NULL)
		return ST_ENOMEM;
	z->reset = 1;
	if (klen == 0)
		return ST_OK;
	if ((err = jn_zone_of(txn, zs, key, jn_parent_key(key, klen), &z,
	    &zklen)) != ST_OK)
		return err;
	if (z != NULL)
		z->reset = 1;
	return ST_OK;
}

/* Parse the transaction's events, condense them and file them by zone. */
static int
jn_sort(struct store_txn *txn, struct jn_txn *t, struct jn_zones *zs)
{
	struct dns_journal_rr *del = NULL, *add = NULL;
	struct jn_op *ops = NULL;
	size_t n = 0, ndel = 0, nadd = 0, o;
	int err = ST_OK;

	for (o = 0; o < t->len; ) {
		struct dns_journal_rr rr;

		if (t->buf[o] == JN_ZONE) {
			o += 2 + t->buf[o + 1];
		} else if (dns_journal_rr_parse(t->buf + o + 1, t->len - o - 1,
		    &rr) == ST_OK) {
			o += 1 + rr.len;
			n++;
		} else {
			return ST_EFORMAT;
		}
	}
	if (n && (ops = calloc(n, sizeof(*ops))) == NULL)
		return ST_ENOMEM;
	n = 0;
	for (o = 0; o < t->len && err == ST_OK; ) {
		if (t->buf[o] == JN_ZONE) {
			err = jn_file_zone(txn, zs, t->buf + o + 2,
			    t->buf[o + 1]);
			o += 2 + t->buf[o + 1];
			continue;
		}
		dns_journal_rr_parse(t->buf + o + 1, t->len - o - 1,
		    &ops[n].rr);
		ops[n].add = t->buf[o] == JN_ADD;
		ops[n].seq = (uint32_t)n;
		o += 1 + ops[n++].rr.len;
	}
	if (err == ST_OK)
		err = jn_condense(ops, n, &del, &ndel, &add, &nadd);
	for (size_t i = 0; i < ndel && err == ST_OK; i++)
		err = jn_file(txn, zs, &del[i], 0);
	for (size_t i = 0; i < nadd && err == ST_OK; i++)
		err = jn_file(txn, zs, &add[i], 1);
	free(ops);
	free(del);
	free(add);
	return err;
}

static void
jn_wr64(uint8_t *p, uint64_t v)
{
	wire_wr32(p, (uint32_t)(v >> 32));
	wire_wr32(p + 4, (uint32_t)v);
}

static int
jn_head_put(struct store_txn *txn, const uint8_t *key, size_t klen,
    const struct jn_head *h)
{
	uint8_t v[JN_HEAD_LEN];

	jn_wr64(v, h->first);
	jn_wr64(v + 8, h->next);
	jn_wr64(v + 16, h->bytes);
	wire_wr32(v + 24, h->serial);
	return store_put(txn, STORE_DB_JOURNAL, key, klen, v, sizeof(v));
}

/* Drop the oldest entry of h; key holds the zone part (zlen octets). */
static int
jn_drop_first(struct store_txn *txn, uint8_t *key, size_t zlen,
    struct jn_head *h)
{
	const void *val;
	size_t vlen = 0;
	int err;

	jn_wr64(key + zlen, h->first);
	err = store_get(txn, STORE_DB_JOURNAL, key, zlen + 8, &val, &vlen);
	if (err == ST_OK)
		err = store_del(txn, STORE_DB_JOURNAL, key, zlen + 8);
	else if (err == ST_ENOTFOUND)
		err = ST_OK;
	if (err != ST_OK)
		return err;
	h->first++;
	h->bytes = vlen < h->bytes ? h->bytes - vlen : 0;
	return ST_OK;
}

static void
jn_zone_text(const struct jn_zone *z, char *out, size_t size)
{
	uint8_t apex[DNS_NAME_MAX];
	size_t len;

	if (dns_name_from_key(z->key, z->klen, apex, &len) != ST_OK ||
	    dns_name_to_text(apex, len, out, size) != ST_OK)
		snprintf(out, size, "?");
}

/* Drop the zone's journal, saying why when there was one. */
static int
jn_clear(struct store_txn *txn, const struct jn_zone *z, const char *why)
{
	uint8_t key[JN_KEY_MAX];
	size_t zlen = jn_zone_key(z->key, z->klen, key);
	char name[DNS_NAME_MAX * 4 + 2];
	struct jn_head h;
	int err;

	if ((err = jn_head_get(txn, key, zlen, &h)) != ST_OK)
		return err == ST_ENOTFOUND ? ST_OK : err;
	if (h.first != h.next) {
		jn_zone_text(z, name, sizeof(name));
		log_info("journal: %s %s; its %llu entries are dropped (IXFR "
		    "falls back to AXFR)", name, why,
		    (unsigned long long)(h.next - h.first));
	}
	while (h.first != h.next)
		if ((err = jn_drop_first(txn, key, zlen, &h)) != ST_OK)
			return err;
	return store_del(txn, STORE_DB_JOURNAL, key, zlen);
}

static uint32_t
jn_soa_serial(const struct dns_journal_rr *soa)
{
	/* The serial leads the 20 octets that end an SOA's rdata. */
	return soa->rdlen >= 20 ? wire_rd32(soa->rdata + soa->rdlen - 20) : 0;
}

static uint8_t *
jn_put_rrs(uint8_t *p, const struct dns_journal_rr *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memcpy(p, v[i].wire, v[i].len);
		p += v[i].len;
	}
	return p;
}

/* Append the zone's change to its journal and keep within the bounds. */
static int
jn_append(struct store_txn *txn, const struct dns_journal *j,
    const struct jn_zone *z)
{
	uint8_t key[JN_KEY_MAX], *v, *p;
	size_t zlen = jn_zone_key(z->key, z->klen, key), size = JN_ENTRY_HDR;
	uint32_t from = jn_soa_serial(&z->old_soa);
	struct jn_head h;
	int err;

	size += z->old_soa.len + z->new_soa.len;
	for (size_t i = 0; i < z->ndel; i++)
		size += z->del[i].len;
	for (size_t i = 0; i < z->nadd; i++)
		size += z->add[i].len;
	if (j->p.max_entries == 0)
		return jn_clear(txn, z, "keeps no journal");
	if (size > j->p.max_bytes)
		return jn_clear(txn, z, "changed more than the journal holds");
	err = jn_head_get(txn, key, zlen, &h);
	if (err == ST_ENOTFOUND)
		memset(&h, 0, sizeof(h));
	else if (err != ST_OK)
		return err;
	/* The entries must chain: a journal left behind goes. */
	if (err == ST_OK && h.first != h.next && h.serial != from) {
		if ((err = jn_clear(txn, z, "has a gap in its changes")))
			return err;
		memset(&h, 0, sizeof(h));
	}
	if ((v = malloc(size)) == NULL)
		return ST_ENOMEM;
	wire_wr32(v, from);
	wire_wr32(v + 4, jn_soa_serial(&z->new_soa));
	wire_wr32(v + 8, (uint32_t)z->ndel);
	wire_wr32(v + 12, (uint32_t)z->nadd);
	p = jn_put_rrs(v + JN_ENTRY_HDR, &z->old_soa, 1);
	p = jn_put_rrs(p, z->del, z->ndel);
	p = jn_put_rrs(p, &z->new_soa, 1);
	jn_put_rrs(p, z->add, z->nadd);
	jn_wr64(key + zlen, h.next);
	err = store_put(txn, STORE_DB_JOURNAL, key, zlen + 8, v, size);
	free(v);
	if (err != ST_OK)
		return err;
	h.next++;
	h.bytes += size;
	h.serial = jn_soa_serial(&z->new_soa);
	while (err == ST_OK && (h.next - h.first > j->p.max_entries ||
	    h.bytes > j->p.max_bytes))
		err = jn_drop_first(txn, key, zlen, &h);
	return err ? err : jn_head_put(txn, key, zlen, &h);
}

static int
jn_serial_changed(struct jn_txn *t, const struct jn_zone *z)
{
	struct jn_serial *s;

	if ((s = realloc(t->serials, (t->nserials + 1) * sizeof(*s))) == NULL)
		return ST_ENOMEM;
	t->serials = s;
	s = &t->serials[t->nserials];
	if (dns_name_from_key(z->key, z->klen, s->apex, &s->len) != ST_OK)
		return ST_OK;
	s->serial = jn_soa_serial(&z->new_soa);
	t->nserials++;
	return ST_OK;
}

static int
jn_zone_commit(struct store_txn *txn, const struct dns_journal *j,
    struct jn_txn *t, const struct jn_zone *z)
{
	int err;

	if (z->has_new && (!z->has_old || jn_soa_serial(&z->old_soa) !=
	    jn_soa_serial(&z->new_soa)) &&
	    (err = jn_serial_changed(t, z)) != ST_OK)
		return err;
	if (z->reset)
		return jn_clear(txn, z, "or a zone inside it was created or "
		    "removed");
	if (!z->has_old || !z->has_new)
		return jn_clear(txn, z, z->has_new ? "got its SOA anew" :
		    z->has_old ? "lost its SOA" :
		    "changed without a new SOA serial");
	if (!dns_serial_gt(jn_soa_serial(&z->new_soa),
	    jn_soa_serial(&z->old_soa)))
		return jn_clear(txn, z, "changed without a newer SOA serial");
	return jn_append(txn, j, z);
}

int
jn_precommit(struct store_txn *txn, struct dns_journal *j, struct jn_txn *t)
{
	struct jn_zones zs = { NULL, 0, 0 };
	int err;

	t->nserials = 0;
	err = jn_sort(txn, t, &zs);
	for (size_t i = 0; i < zs.n && err == ST_OK; i++)
		err = jn_zone_commit(txn, j, t, &zs.v[i]);
	jn_zones_free(&zs);
	if (err != ST_OK) {
		log_errx("journal: cannot record the zone changes (%s)",
		    st_strerror(err));
		store_txn_fail(txn, err);
	}
	return err;
}
