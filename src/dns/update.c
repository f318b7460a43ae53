/*
 * update.c -- an UPDATE from request to answer: TSIG, the zone section,
 * the prerequisites (RFC 2136 3.2), the permissions (3.3) and the prescan
 * of the updates (3.4.1), all inside the write transaction that applies
 * them (update_apply.c), so they hold for the state they change.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dns/msg.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/policy.h"
#include "dns/tsig.h"
#include "dns/update_int.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/wire.h"

/* The callback aborts the transaction with this once it has a verdict. */
#define UPD_ABORT ST_ECONFLICT

int
dns_update_is_update(const uint8_t *msg, size_t len)
{
	return len >= DNS_HDR_LEN && !(msg[2] & 0x80) &&
	    ((msg[2] >> 3) & 0x0f) == DNS_OPCODE_UPDATE;
}

int
upd_rdata(const uint8_t *pkt, size_t pktlen, size_t off, uint16_t rdlen,
    uint16_t type, int lower, uint8_t *out, size_t *outlen)
{
	size_t pos = off, end = off + rdlen, o = 0, skip = 0, tail = 0;
	int names = 0;

	switch (type) {
	case DNS_TYPE_A:
		if (rdlen != 4)
			return ST_EFORMAT;
		break;
	case DNS_TYPE_AAAA:
		if (rdlen != 16)
			return ST_EFORMAT;
		break;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		names = 1;
		break;
	case DNS_TYPE_MX:
		skip = 2;
		names = 1;
		break;
	case DNS_TYPE_SRV:
		skip = 6;
		names = 1;
		break;
	case DNS_TYPE_SOA:
		names = 2;
		tail = 20;
		break;
	case DNS_TYPE_TXT:
		if (rdlen == 0)
			return ST_EFORMAT;
		for (size_t p = off; p < end; p += 1 + pkt[p])
			if (p + 1 + pkt[p] > end)
				return ST_EFORMAT;
		break;
	}
	if (end > pktlen || skip > rdlen)
		return ST_EFORMAT;
	memcpy(out, pkt + pos, skip);
	o = skip;
	pos += skip;
	for (int i = 0; i < names; i++) {
		size_t nl;

		if (pos >= end || dns_name_unpack(pkt, end, &pos, out + o,
		    &nl) != ST_OK)
			return ST_EFORMAT;
		if (lower)
			for (size_t k = 0; k < nl; k++)
				out[o + k] = (uint8_t)tolower(out[o + k]);
		o += nl;
	}
	if (names > 0 && end - pos != tail)
		return ST_EFORMAT;
	if (o + (end - pos) > UPD_RDATA_MAX)
		return ST_EFORMAT;
	memcpy(out + o, pkt + pos, end - pos);
	*outlen = o + (end - pos);
	return ST_OK;
}

/* 1 if the wire name is the zone's apex or below it. */
static int
upd_in_zone(const struct upd *u, const uint8_t *name)
{
	int nl = dns_name_labels(name), zl = dns_name_labels(u->zone);

	return nl >= zl && dns_name_equal(dns_name_parent(name, nl - zl),
	    u->zone);
}

static int
upd_verdict(struct upd *u, int rcode, const char *why)
{
	u->rcode = rcode;
	u->why = why;
	return UPD_ABORT;
}

/* Read the prerequisite and update sections into u->pr and u->up. */
static int
upd_parse(struct upd *u)
{
	struct dns_msg_iter it;
	struct dns_msg_rr rr;
	int r;

	u->pr = calloc((size_t)wire_rd16(u->msg + 6) + 1, sizeof(*u->pr));
	u->up = calloc((size_t)wire_rd16(u->msg + 8) + 1, sizeof(*u->up));
	if (u->pr == NULL || u->up == NULL)
		return ST_ENOMEM;
	if (dns_msg_iter_init(&it, u->msg, u->len) != ST_OK)
		return ST_EFORMAT;
	while ((r = dns_msg_iter_next(&it, &rr)) == 1 && rr.sec != DNS_SEC_AR) {
		struct upd_rr *x = rr.sec == DNS_SEC_AN ? &u->pr[u->npr++] :
		    &u->up[u->nup++];
		size_t pos = rr.start, nl;

		if (dns_name_unpack(u->msg, u->len, &pos, x->name, &nl) !=
		    ST_OK || dns_name_to_key(x->name, nl, x->key, &x->klen) !=
		    ST_OK)
			return ST_EFORMAT;
		x->type = rr.type;
		x->class = rr.class;
		x->ttl = rr.ttl;
		x->rdata = rr.rdata;
		x->rdlen = rr.rdlen;
	}
	return r < 0 ? ST_EFORMAT : ST_OK;
}

/* The RRs of type at key, of every origin, one at a time. */
struct upd_each {
	struct dns_node_iter nit;
	struct dns_rr_iter rit;
	struct dns_rrset set;
	int inset;
	uint16_t type;		/* DNS_TYPE_ANY: all */
};

static int
upd_each_init(struct upd_each *e, struct store_txn *txn, const uint8_t *key,
    size_t klen, uint16_t type)
{
	const void *val;
	size_t vlen;
	int err;

	memset(e, 0, sizeof(*e));
	e->type = type;
	if ((err = store_get(txn, STORE_DB_NODES, key, klen ? klen : 1,
	    &val, &vlen)) != ST_OK)
		return err;
	return dns_node_iter_init(&e->nit, val, vlen);
}

static int
upd_each_next(struct upd_each *e, struct dns_rr *rr)
{
	int r;

	for (;;) {
		if (e->inset && dns_rr_iter_next(&e->rit, rr) == 1)
			return 1;
		e->inset = 0;
		if ((r = dns_node_iter_next(&e->nit, &e->set)) != 1)
			return r;
		if (e->type != DNS_TYPE_ANY && e->set.type != e->type)
			continue;
		dns_rr_iter_init(&e->rit, &e->set);
		e->inset = 1;
	}
}

/* Number of RRs of type at key in the zone as it is (0 if none). */
static int
upd_count(struct store_txn *txn, const uint8_t *key, size_t klen,
    uint16_t type)
{
	struct upd_each e;
	struct dns_rr rr;
	int n = 0, r;

	if ((r = upd_each_init(&e, txn, key, klen, type)) != ST_OK)
		return r == ST_ENOTFOUND ? 0 : r;
	while ((r = upd_each_next(&e, &rr)) == 1)
		n++;
	return r < 0 ? r : n;
}

/* 1 if the stored RRset at x's name and type holds x's rdata. */
static int
upd_stored_has(struct upd *u, struct store_txn *txn, const struct upd_rr *x)
{
	struct upd_each e;
	struct dns_rr rr;
	size_t alen, blen;
	int r;

	if (upd_rdata(u->msg, u->len, x->rdata, x->rdlen, x->type, 1, u->a,
	    &alen) != ST_OK)
		return ST_EFORMAT;
	if ((r = upd_each_init(&e, txn, x->key, x->klen, x->type)) != ST_OK)
		return r == ST_ENOTFOUND ? 0 : r;
	while ((r = upd_each_next(&e, &rr)) == 1)
		if (upd_rdata(rr.rdata, rr.rdlen, 0, rr.rdlen, x->type, 1,
		    u->b, &blen) == ST_OK && blen == alen &&
		    memcmp(u->a, u->b, alen) == 0)
			return 1;
	return r;
}

/* Distinct RRs among the stored RRset of x (the origins may repeat one). */
static int
upd_stored_distinct(struct upd *u, struct store_txn *txn,
    const struct upd_rr *x)
{
	struct upd_each e, f;
	struct dns_rr rr, rr2;
	int n = 0, r, r2;
	size_t alen, blen;

	if ((r = upd_each_init(&e, txn, x->key, x->klen, x->type)) != ST_OK)
		return r == ST_ENOTFOUND ? 0 : r;
	for (int i = 0; (r = upd_each_next(&e, &rr)) == 1; i++) {
		int dup = 0;

		if (upd_rdata(rr.rdata, rr.rdlen, 0, rr.rdlen, x->type, 1, u->a,
		    &alen) != ST_OK)
			return ST_EFORMAT;
		upd_each_init(&f, txn, x->key, x->klen, x->type);
		for (int j = 0; j < i && (r2 = upd_each_next(&f, &rr2)) == 1;
		    j++)
			if (upd_rdata(rr2.rdata, rr2.rdlen, 0, rr2.rdlen,
			    x->type, 1, u->b, &blen) == ST_OK &&
			    blen == alen && memcmp(u->a, u->b, alen) == 0)
				dup = 1;
		n += !dup;
	}
	return r < 0 ? r : n;
}

/* The same rdata as another RR of the section (names compared lowercase). */
static int
upd_rr_same(struct upd *u, const struct upd_rr *x, const struct upd_rr *y)
{
	size_t alen, blen;

	return x->type == y->type && x->klen == y->klen &&
	    memcmp(x->key, y->key, x->klen) == 0 &&
	    upd_rdata(u->msg, u->len, x->rdata, x->rdlen, x->type, 1, u->a,
	    &alen) == ST_OK && upd_rdata(u->msg, u->len, y->rdata, y->rdlen,
	    y->type, 1, u->b, &blen) == ST_OK && alen == blen &&
	    memcmp(u->a, u->b, alen) == 0;
}

/*
 * RFC 2136 3.2.5: RRsets that exist with these values must equal the set
 * of the prerequisites of their name and type.
 */
static int
upd_prereq_values(struct upd *u, struct store_txn *txn)
{
	for (size_t i = 0; i < u->npr; i++) {
		const struct upd_rr *x = &u->pr[i];
		int first = 1, distinct = 0, r;

		if (x->class != DNS_CLASS_IN)
			continue;
		for (size_t j = 0; j < u->npr && first; j++)
			if (j < i && u->pr[j].class == DNS_CLASS_IN &&
			    u->pr[j].type == x->type && u->pr[j].klen == x->klen &&
			    memcmp(u->pr[j].key, x->key, x->klen) == 0)
				first = 0;
		if (!first)
			continue;
		/* The group of x: count its distinct values, each stored. */
		for (size_t j = i; j < u->npr; j++) {
			const struct upd_rr *y = &u->pr[j];
			int dup = 0;

			if (y->class != DNS_CLASS_IN || y->type != x->type ||
			    y->klen != x->klen || memcmp(y->key, x->key,
			    x->klen) != 0)
				continue;
			for (size_t k = i; k < j && !dup; k++)
				if (u->pr[k].class == DNS_CLASS_IN &&
				    upd_rr_same(u, &u->pr[k], y))
					dup = 1;
			if (dup)
				continue;
			distinct++;
			if ((r = upd_stored_has(u, txn, y)) < 0)
				return r == ST_EFORMAT ? upd_verdict(u,
				    DNS_RCODE_FORMERR, "malformed rdata") : r;
			if (r == 0)
				return upd_verdict(u, DNS_RCODE_NXRRSET,
				    "prerequisite RRset differs");
		}
		if ((r = upd_stored_distinct(u, txn, x)) < 0)
			return r;
		if (r != distinct)
			return upd_verdict(u, DNS_RCODE_NXRRSET,
			    "prerequisite RRset differs");
	}
	return ST_OK;
}

static int
upd_prereqs(struct upd *u, struct store_txn *txn)
{
	for (size_t i = 0; i < u->npr; i++) {
		const struct upd_rr *x = &u->pr[i];
		int n;

		if (x->ttl != 0)
			return upd_verdict(u, DNS_RCODE_FORMERR,
			    "prerequisite with a TTL");
		if (!upd_in_zone(u, x->name))
			return upd_verdict(u, DNS_RCODE_NOTZONE,
			    "prerequisite outside the zone");
		if (x->class == DNS_CLASS_IN)
			continue;
		if ((x->class != DNS_CLASS_ANY && x->class != DNS_CLASS_NONE) ||
		    x->rdlen != 0 || x->type == DNS_TYPE_AXFR ||
		    x->type == DNS_TYPE_IXFR)
			return upd_verdict(u, DNS_RCODE_FORMERR,
			    "malformed prerequisite");
		if ((n = upd_count(txn, x->key, x->klen, x->type)) < 0)
			return n;
		if (x->class == DNS_CLASS_ANY && n == 0)
			return upd_verdict(u, x->type == DNS_TYPE_ANY ?
			    DNS_RCODE_NXDOMAIN : DNS_RCODE_NXRRSET,
			    "prerequisite: no such name or RRset");
		if (x->class == DNS_CLASS_NONE && n > 0)
			return upd_verdict(u, x->type == DNS_TYPE_ANY ?
			    DNS_RCODE_YXDOMAIN : DNS_RCODE_YXRRSET,
			    "prerequisite: name or RRset exists");
	}
	return upd_prereq_values(u, txn);
}

/*
 * 1 if stadion itself owns the name: records of the registry or of the
 * configuration there (the apex aside: its SOA and NS are kept anyway), or in the orchestrator's zone a first label that
 * the registry reserved for an app or instance (and its SRV names).
 */
static int
upd_owned(struct upd *u, struct store_txn *txn, const struct upd_rr *x)
{
	struct upd_each e;
	struct dns_rr rr;
	const uint8_t *l;
	const void *val;
	size_t vlen;
	char label[DNS_LABEL_MAX + 1];
	int rel, r;

	if (upd_each_init(&e, txn, x->key, x->klen, DNS_TYPE_ANY) == ST_OK)
		while ((r = upd_each_next(&e, &rr)) == 1)
			if (e.set.origin == DNS_ORIGIN_REGISTRY ||
			    (e.set.origin == DNS_ORIGIN_APEX &&
			    x->klen != u->zkeylen))
				return 1;
	rel = dns_name_labels(x->name) - dns_name_labels(u->c->regzone);
	if (rel <= 0 || !dns_name_equal(dns_name_parent(x->name, rel),
	    u->c->regzone))
		return 0;
	l = dns_name_parent(x->name, rel - 1);
	if (l[0] > 0 && l[1] == '_' && rel >= 2) {
		l = dns_name_parent(x->name, rel - 2);
		if (l[0] < 2 || l[1] != '_')
			return 0;
		memcpy(label, l + 2, l[0] - 1u);
		label[l[0] - 1] = '\0';
	} else {
		memcpy(label, l + 1, l[0]);
		label[l[0]] = '\0';
	}
	for (char *p = label; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	r = store_get(txn, STORE_DB_LABELS, label, strlen(label), &val, &vlen);
	return r == ST_OK ? 1 : r == ST_ENOTFOUND ? 0 : r;
}

static int
upd_is_meta(uint16_t type)
{
	return type == 0 || type == DNS_TYPE_OPT || (type >= 128 &&
	    type <= 255);
}

/* RFC 2136 3.3 and 3.4.1: every update is well formed and permitted. */
static int
upd_prescan(struct upd *u, struct store_txn *txn)
{
	for (size_t i = 0; i < u->nup; i++) {
		const struct upd_rr *x = &u->up[i];
		size_t alen;
		int owned;

		if (!upd_in_zone(u, x->name))
			return upd_verdict(u, DNS_RCODE_NOTZONE,
			    "update outside the zone");
		switch (x->class) {
		case DNS_CLASS_IN:
			if (upd_is_meta(x->type) || upd_rdata(u->msg, u->len,
			    x->rdata, x->rdlen, x->type, 0, u->a, &alen) !=
			    ST_OK)
				return upd_verdict(u, DNS_RCODE_FORMERR,
				    "malformed RR to add");
			break;
		case DNS_CLASS_ANY:
			if (x->ttl != 0 || x->rdlen != 0 || (x->type !=
			    DNS_TYPE_ANY && upd_is_meta(x->type)))
				return upd_verdict(u, DNS_RCODE_FORMERR,
				    "malformed RRset deletion");
			break;
		case DNS_CLASS_NONE:
			if (x->ttl != 0 || upd_is_meta(x->type) ||
			    upd_rdata(u->msg, u->len, x->rdata, x->rdlen,
			    x->type, 0, u->a, &alen) != ST_OK)
				return upd_verdict(u, DNS_RCODE_FORMERR,
				    "malformed RR deletion");
			break;
		default:
			return upd_verdict(u, DNS_RCODE_FORMERR,
			    "update of another class");
		}
		if ((owned = upd_owned(u, txn, x)) < 0)
			return owned;
		if (!dns_policy_allows(u->c->policy, u->zone, u->keyname,
		    x->name, x->type, owned))
			return upd_verdict(u, DNS_RCODE_REFUSED, owned ?
			    "name owned by the orchestrator" :
			    "not permitted by the update policy");
	}
	return ST_OK;
}

static int
upd_write(struct store_txn *txn, void *arg)
{
	struct upd *u = arg;
	size_t zkeylen;
	uint8_t flags;
	int err;

	upd_nodes_clear(u);
	u->changes = 0;
	u->rcode = DNS_RCODE_NOERROR;
	if (dns_zone_find(txn, u->zkey, u->zkeylen, &zkeylen, &flags) !=
	    ST_OK || zkeylen != u->zkeylen)
		return upd_verdict(u, DNS_RCODE_NOTAUTH, "not our zone");
	if ((err = upd_prereqs(u, txn)) != ST_OK ||
	    (err = upd_prescan(u, txn)) != ST_OK ||
	    (err = upd_apply(u, txn)) != ST_OK)
		return err;
	if (u->changes == 0)
		return ST_OK;
	if ((err = upd_commit(u, txn)) != ST_OK)
		return err;
	return dns_zone_bump_serial(txn, u->zone, u->zonelen, &u->serial);
}

/* Header and zone section of the answer; the zone only once it parsed. */
static size_t
upd_answer_head(const uint8_t *msg, uint8_t *out, const struct upd *u,
    int rcode, uint16_t zclass)
{
	size_t len = DNS_HDR_LEN;

	memset(out, 0, DNS_HDR_LEN);
	out[0] = msg[0];
	out[1] = msg[1];
	out[2] = 0x80 | DNS_OPCODE_UPDATE << 3;
	out[3] = (uint8_t)rcode;
	if (u->zonelen > 0) {
		out[5] = 1;
		memcpy(out + len, u->zone, u->zonelen);
		len += u->zonelen;
		wire_wr16(out + len, DNS_TYPE_SOA);
		wire_wr16(out + len + 2, zclass);
		len += 4;
	}
	return len;
}

static void
upd_log(const struct upd *u, int rcode, const char *why)
{
	char zone[DNS_NAME_MAX * 4 + 1] = "?", key[DNS_NAME_MAX * 4 + 1] = "-";

	if (u->zonelen)
		dns_name_to_text(u->zone, u->zonelen, zone, sizeof(zone));
	if (u->keyname)
		dns_name_to_text(u->keyname, u->keynamelen, key, sizeof(key));
	if (rcode == DNS_RCODE_NOERROR)
		log_info("update: zone %s key %s: %u changes, serial %u",
		    zone, key, u->changes, (unsigned)u->serial);
	else
		log_info("update: zone %s key %s: rcode %d (%s)", zone, key,
		    rcode, why ? why : "-");
}

/* TSIG, the zone section, then the transaction; the rcode to answer. */
static int
upd_run(struct upd *u, struct dns_tsig_ctx *ctx, uint64_t now,
    uint16_t *zclass)
{
	size_t pos = DNS_HDR_LEN, nl;
	int err;

	err = dns_tsig_verify_request(ctx, u->c->keys, u->msg, u->len, now);
	if (err == ST_ENOTFOUND)
		return u->why = "unsigned", DNS_RCODE_REFUSED;
	if (err != ST_OK)
		return u->why = "bad TSIG", err == ST_ENOMEM ?
		    DNS_RCODE_SERVFAIL : DNS_RCODE_FORMERR;
	u->sign = 1;
	if (ctx->error != DNS_TSIG_NOERROR)
		return u->why = "TSIG failed", DNS_RCODE_NOTAUTH;
	u->keyname = ctx->key->name;
	u->keynamelen = ctx->key->namelen;
	if (wire_rd16(u->msg + 4) != 1 || dns_name_unpack(u->msg, u->len,
	    &pos, u->zone, &nl) != ST_OK || pos + 4 > u->len)
		return u->why = "zone section", DNS_RCODE_FORMERR;
	u->zonelen = nl;
	*zclass = wire_rd16(u->msg + pos + 2);
	if (wire_rd16(u->msg + pos) != DNS_TYPE_SOA)
		return u->why = "zone type", DNS_RCODE_FORMERR;
	if (*zclass != DNS_CLASS_IN)
		return u->why = "zone class", DNS_RCODE_NOTAUTH;
	if (dns_name_to_key(u->zone, nl, u->zkey, &u->zkeylen) != ST_OK)
		return u->why = "zone name", DNS_RCODE_NOTAUTH;
	if ((err = upd_parse(u)) != ST_OK)
		return u->why = "malformed", err == ST_ENOMEM ?
		    DNS_RCODE_SERVFAIL : DNS_RCODE_FORMERR;
	err = store_write(u->c->store, upd_write, u);
	if (err == UPD_ABORT || (err == ST_OK && u->rcode != 0))
		return u->rcode;
	if (err != ST_OK)
		return u->why = st_strerror(err), DNS_RCODE_SERVFAIL;
	return DNS_RCODE_NOERROR;
}

size_t
dns_update_answer(const struct dns_update_conf *c, const uint8_t *msg,
    size_t len, uint64_t now, uint8_t *out, size_t cap)
{
	struct dns_tsig_ctx ctx;
	struct upd *u;
	uint16_t zclass = DNS_CLASS_IN;
	size_t alen;
	int rcode;

	if (!dns_update_is_update(msg, len) || cap < 1024)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		struct upd none = { .zonelen = 0 };

		return upd_answer_head(msg, out, &none, DNS_RCODE_SERVFAIL, 0);
	}
	u->c = c;
	u->msg = msg;
	u->len = len;
	rcode = upd_run(u, &ctx, now, &zclass);
	upd_log(u, rcode, u->why);
	alen = upd_answer_head(msg, out, u, rcode, zclass);
	/* TSIG verified or failed: sign (it knows which errors go unsigned). */
	if (u->sign && dns_tsig_sign(&ctx, out, &alen, cap, now) !=
	    ST_OK)
		log_warnx("update: cannot sign the answer");
	dns_tsig_ctx_deinit(&ctx);
	upd_nodes_clear(u);
	free(u->nodes);
	free(u->pr);
	free(u->up);
	free(u);
	return alen;
}
