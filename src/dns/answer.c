/*
 * answer.c -- the authoritative answer to one query, read from LMDB.
 *
 * One B-tree lookup finds the query name's node; its RRsets are copied into
 * the response, shuffled by weight when the registry wrote them. Negative
 * answers carry the zone's SOA; SRV, MX and NS answers get their targets'
 * addresses in the additional section when we hold them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/answer.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/pkt.h"
#include "dns/shuffle.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/rand.h"
#include "util/wire.h"

#define ANSWER_CNAME_CHAIN 8

struct dns_answer_ctx {
	struct store_txn *txn;
	struct rand_state rnd;
	char *chaos_version;
	char *chaos_id;
	uint16_t edns_udp_size;
	/* Scratch for shuffling one RRset, grown on demand. */
	size_t scratch_cap;
	double *keys;
	uint16_t *order;
	uint16_t *weights;
	struct dns_rr *rrs;
};

static char *
answer_strdup_opt(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

int
dns_answer_ctx_new(struct store *st, const struct dns_answer_conf *c,
    struct dns_answer_ctx **out)
{
	struct dns_answer_ctx *ctx;
	int err;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return ST_ENOMEM;
	if ((err = store_reader_new(st, &ctx->txn)) != ST_OK) {
		free(ctx);
		return err;
	}
	rand_seed(&ctx->rnd);
	ctx->chaos_version = answer_strdup_opt(c->chaos_version);
	ctx->chaos_id = answer_strdup_opt(c->chaos_id);
	ctx->edns_udp_size = c->edns_udp_size < DNS_UDP_MIN ? DNS_UDP_MIN :
	    c->edns_udp_size;
	if ((c->chaos_version && *c->chaos_version && !ctx->chaos_version) ||
	    (c->chaos_id && *c->chaos_id && !ctx->chaos_id)) {
		dns_answer_ctx_free(ctx);
		return ST_ENOMEM;
	}
	*out = ctx;
	return ST_OK;
}

void
dns_answer_ctx_free(struct dns_answer_ctx *ctx)
{
	if (ctx == NULL)
		return;
	store_reader_free(ctx->txn);
	free(ctx->chaos_version);
	free(ctx->chaos_id);
	free(ctx->keys);
	free(ctx->order);
	free(ctx->weights);
	free(ctx->rrs);
	free(ctx);
}

int
dns_answer_begin(struct dns_answer_ctx *ctx)
{
	return store_reader_begin(ctx->txn);
}

void
dns_answer_end(struct dns_answer_ctx *ctx)
{
	store_reader_end(ctx->txn);
}

static int
answer_scratch(struct dns_answer_ctx *ctx, size_t n)
{
	size_t cap = ctx->scratch_cap ? ctx->scratch_cap : 64;
	void *k, *o, *w, *r;

	if (n <= ctx->scratch_cap)
		return ST_OK;
	while (cap < n)
		cap *= 2;
	k = realloc(ctx->keys, cap * sizeof(*ctx->keys));
	if (k)
		ctx->keys = k;
	o = realloc(ctx->order, cap * sizeof(*ctx->order));
	if (o)
		ctx->order = o;
	w = realloc(ctx->weights, cap * sizeof(*ctx->weights));
	if (w)
		ctx->weights = w;
	r = realloc(ctx->rrs, cap * sizeof(*ctx->rrs));
	if (r)
		ctx->rrs = r;
	if (!k || !o || !w || !r)
		return ST_ENOMEM;
	ctx->scratch_cap = cap;
	return ST_OK;
}

/* Copy one RRset into a section, in weighted random order if asked. */
static int
answer_put_rrset(struct dns_answer_ctx *ctx, struct dns_pkt *p,
    enum dns_section sec, const uint8_t *owner, const struct dns_rrset *set,
    uint32_t ttl)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	size_t n = 0;
	int rc, err;

	dns_rr_iter_init(&it, set);
	if (set->origin != DNS_ORIGIN_REGISTRY || set->count < 2) {
		while ((rc = dns_rr_iter_next(&it, &rr)) == 1)
			if ((err = dns_pkt_put_rr(p, sec, owner, set->type,
			    DNS_CLASS_IN, ttl, rr.rdata, rr.rdlen)) != ST_OK)
				return err;
		return rc < 0 ? rc : ST_OK;
	}
	if ((err = answer_scratch(ctx, set->count)) != ST_OK)
		return err;
	while ((rc = dns_rr_iter_next(&it, &ctx->rrs[n])) == 1) {
		ctx->weights[n] = ctx->rrs[n].weight;
		n++;
	}
	if (rc < 0)
		return rc;
	dns_shuffle_weighted(&ctx->rnd, ctx->weights, n, ctx->keys, ctx->order);
	for (size_t i = 0; i < n; i++) {
		const struct dns_rr *r = &ctx->rrs[ctx->order[i]];

		if ((err = dns_pkt_put_rr(p, sec, owner, set->type,
		    DNS_CLASS_IN, ttl, r->rdata, r->rdlen)) != ST_OK)
			return err;
	}
	return ST_OK;
}

/* Look up the node of a wire name; ST_ENOTFOUND if we hold none. */
static int
answer_node(struct dns_answer_ctx *ctx, const uint8_t *name, size_t len,
    const void **blob, size_t *blen)
{
	uint8_t key[DNS_KEY_MAX];
	size_t klen;

	if (dns_name_to_key(name, len, key, &klen) != ST_OK)
		return ST_ENOTFOUND;
	return store_get(ctx->txn, STORE_DB_NODES, key, klen, blob, blen);
}

/* Add the A and AAAA RRsets of name to the additional section. */
static int
answer_additional_addrs(struct dns_answer_ctx *ctx, struct dns_pkt *p,
    const uint8_t *name, size_t len)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	const void *blob;
	size_t blen;
	int rc, err;

	if (answer_node(ctx, name, len, &blob, &blen) != ST_OK)
		return ST_OK;
	if (dns_node_iter_init(&it, blob, blen) != ST_OK)
		return ST_OK;
	while ((rc = dns_node_iter_next(&it, &set)) == 1) {
		if (set.type != DNS_TYPE_A && set.type != DNS_TYPE_AAAA)
			continue;
		if ((err = answer_put_rrset(ctx, p, DNS_SEC_AR, name, &set,
		    set.ttl)) != ST_OK)
			return err;
	}
	return ST_OK;
}

/*
 * Did an RR before rr in set already name the same target? (An instance with
 * several ports has several SRV records; its address goes in once.)
 */
static int
answer_target_seen(const struct dns_rrset *set, const struct dns_rr *rr,
    size_t off)
{
	struct dns_rr_iter it;
	struct dns_rr prev;

	dns_rr_iter_init(&it, set);
	while (dns_rr_iter_next(&it, &prev) == 1 && prev.rdata != rr->rdata) {
		if (prev.rdlen > off &&
		    prev.rdlen - off == rr->rdlen - off &&
		    dns_name_equal(prev.rdata + off, rr->rdata + off))
			return 1;
	}
	return 0;
}

/* Additional section processing for the names inside SRV, MX and NS. */
static void
answer_additional(struct dns_answer_ctx *ctx, struct dns_pkt *p,
    const struct dns_rrset *set)
{
	struct dns_rr_iter it;
	struct dns_rr rr;
	size_t off, len;

	switch (set->type) {
	case DNS_TYPE_SRV: off = 6; break;
	case DNS_TYPE_MX: off = 2; break;
	case DNS_TYPE_NS: off = 0; break;
	default: return;
	}
	dns_rr_iter_init(&it, set);
	while (dns_rr_iter_next(&it, &rr) == 1) {
		struct dns_pkt_mark m;

		if (rr.rdlen <= off ||
		    dns_name_wire_len(rr.rdata + off, rr.rdlen - off, &len) != ST_OK ||
		    answer_target_seen(set, &rr, off))
			continue;
		dns_pkt_mark(p, &m);
		/* What does not fit is left out without TC (RFC 2181 9). */
		if (answer_additional_addrs(ctx, p, rr.rdata + off, len) != ST_OK) {
			dns_pkt_rewind(p, &m);
			return;
		}
	}
}

/* The SOA of the zone at apex into the authority section (RFC 2308). */
static int
answer_put_soa(struct dns_answer_ctx *ctx, struct dns_pkt *p,
    const uint8_t *apex, size_t apexlen)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	struct dns_rr_iter ri;
	struct dns_rr rr;
	const void *blob;
	size_t blen, n1, n2;
	uint32_t ttl, minimum;

	if (answer_node(ctx, apex, apexlen, &blob, &blen) != ST_OK ||
	    dns_node_iter_init(&it, blob, blen) != ST_OK)
		return ST_OK;
	while (dns_node_iter_next(&it, &set) == 1) {
		if (set.type != DNS_TYPE_SOA)
			continue;
		dns_rr_iter_init(&ri, &set);
		if (dns_rr_iter_next(&ri, &rr) != 1 ||
		    dns_name_wire_len(rr.rdata, rr.rdlen, &n1) != ST_OK ||
		    dns_name_wire_len(rr.rdata + n1, rr.rdlen - n1, &n2) != ST_OK ||
		    n1 + n2 + 20 != rr.rdlen)
			return ST_OK;
		minimum = wire_rd32(rr.rdata + n1 + n2 + 16);
		ttl = set.ttl < minimum ? set.ttl : minimum;
		return dns_pkt_put_rr(p, DNS_SEC_NS, apex, DNS_TYPE_SOA,
		    DNS_CLASS_IN, ttl, rr.rdata, rr.rdlen);
	}
	return ST_OK;
}

/* CHAOS class TXT: version.bind, version.server, id.server, hostname.bind. */
static uint8_t
answer_chaos(struct dns_answer_ctx *ctx, const struct dns_query *q,
    struct dns_pkt *p)
{
	static const uint8_t vbind[] = "\7version\4bind";
	static const uint8_t vserver[] = "\7version\6server";
	static const uint8_t idserver[] = "\2id\6server";
	static const uint8_t hbind[] = "\10hostname\4bind";
	const char *text = NULL;
	uint8_t rdata[256];
	size_t len;

	if (q->qtype != DNS_TYPE_TXT && q->qtype != DNS_TYPE_ANY)
		return DNS_RCODE_REFUSED;
	if (dns_name_equal(q->qname, vbind) || dns_name_equal(q->qname, vserver))
		text = ctx->chaos_version;
	else if (dns_name_equal(q->qname, idserver) ||
	    dns_name_equal(q->qname, hbind))
		text = ctx->chaos_id;
	if (text == NULL)
		return DNS_RCODE_REFUSED;
	len = strlen(text);
	if (len > 255)
		len = 255;
	rdata[0] = (uint8_t)len;
	memcpy(rdata + 1, text, len);
	dns_pkt_set_flags(p, DNS_FLAG_AA);
	if (dns_pkt_put_rr(p, DNS_SEC_AN, q->qname, DNS_TYPE_TXT, DNS_CLASS_CH,
	    0, rdata, (uint16_t)(len + 1)) != ST_OK)
		dns_pkt_set_flags(p, DNS_FLAG_TC);
	return DNS_RCODE_NOERROR;
}

/*
 * Answer from the zone data. Returns the rcode; ST_ESPACE from the answer
 * or authority section turns into TC by the caller; ST_ENOTFOUND (and
 * REFUSED) when no zone holds the name.
 */
static int
answer_zone(struct dns_answer_ctx *ctx, const struct dns_query *q,
    struct dns_pkt *p, uint8_t *rcode)
{
	uint8_t qkey[DNS_KEY_MAX], zflags;
	const uint8_t *name = q->qname, *apex;
	size_t qklen, zklen, namelen = q->qname_len, apexlen;
	struct dns_node_iter it;
	struct dns_rrset set;
	const void *blob;
	size_t blen;
	const uint8_t *visited[ANSWER_CNAME_CHAIN + 1];
	int zlabels = 0, found, err, rc;

	if (dns_name_to_key(q->qname, q->qname_len, qkey, &qklen) != ST_OK ||
	    dns_zone_find(ctx->txn, qkey, qklen, &zklen, &zflags) != ST_OK) {
		*rcode = DNS_RCODE_REFUSED;
		return ST_ENOTFOUND;
	}
	for (size_t i = 0; i < zklen; i++)
		zlabels += qkey[i] == 0;
	apex = dns_name_parent(q->qname, dns_name_labels(q->qname) - zlabels);
	apexlen = q->qname_len - (size_t)(apex - q->qname);
	dns_pkt_set_flags(p, DNS_FLAG_AA);
	*rcode = DNS_RCODE_NOERROR;

	for (int chain = 0; chain <= ANSWER_CNAME_CHAIN; chain++) {
		const uint8_t *cname = NULL;
		struct dns_rrset cset;

		/* A CNAME loop ends at the first name already answered. */
		for (int i = 0; i < chain; i++)
			if (dns_name_equal(visited[i], name))
				return ST_OK;
		visited[chain] = name;

		err = answer_node(ctx, name, namelen, &blob, &blen);
		if (err == ST_ENOTFOUND) {
			if (chain > 0)
				return ST_OK;
			if (dns_name_to_key(name, namelen, qkey, &qklen) == ST_OK &&
			    store_has_descendant(ctx->txn, STORE_DB_NODES, qkey,
			    qklen) != 1)
				*rcode = DNS_RCODE_NXDOMAIN;
			return answer_put_soa(ctx, p, apex, apexlen);
		}
		if (err != ST_OK || dns_node_iter_init(&it, blob, blen) != ST_OK) {
			*rcode = DNS_RCODE_SERVFAIL;
			return ST_OK;
		}
		found = 0;
		while ((rc = dns_node_iter_next(&it, &set)) == 1) {
			if (set.type == q->qtype || q->qtype == DNS_TYPE_ANY) {
				if ((err = answer_put_rrset(ctx, p, DNS_SEC_AN, name,
				    &set, set.ttl)) != ST_OK)
					return err;
				answer_additional(ctx, p, &set);
				found = 1;
				/* RFC 8482: one RRset answers ANY. */
				if (q->qtype == DNS_TYPE_ANY)
					break;
			} else if (set.type == DNS_TYPE_CNAME) {
				cset = set;
				cname = set.rrs + 4;
			}
		}
		if (rc < 0) {
			*rcode = DNS_RCODE_SERVFAIL;
			return ST_OK;
		}
		if (found)
			return ST_OK;
		if (cname == NULL || q->qtype == DNS_TYPE_CNAME) {
			if (chain == 0)
				return answer_put_soa(ctx, p, apex, apexlen);
			return ST_OK;
		}
		if ((err = answer_put_rrset(ctx, p, DNS_SEC_AN, name, &cset,
		    cset.ttl)) != ST_OK)
			return err;
		if (dns_name_wire_len(cname, cset.rrs_len - 4, &namelen) != ST_OK)
			return ST_OK;
		name = cname;
	}
	return ST_OK;
}

static size_t
answer_error(const struct dns_query *q, uint8_t *resp, size_t cap,
    uint8_t rcode)
{
	struct dns_pkt p;

	dns_pkt_init(&p, resp, cap, cap, q, 0, rcode);
	if (q->has_question)
		dns_pkt_put_question(&p, q);
	return dns_pkt_finish(&p);
}

ssize_t
dns_answer(struct dns_answer_ctx *ctx, const uint8_t *qbuf, size_t qlen,
    uint8_t *resp, size_t respcap, int tcp)
{
	struct dns_answer_info info;

	return dns_answer_query(ctx, qbuf, qlen, resp, respcap, tcp, &info);
}

ssize_t
dns_answer_query(struct dns_answer_ctx *ctx, const uint8_t *qbuf,
    size_t qlen, uint8_t *resp, size_t respcap, int tcp,
    struct dns_answer_info *info)
{
	struct dns_query q;
	struct dns_pkt p;
	struct dns_pkt_mark after_q;
	size_t limit, reserve;
	uint8_t rcode = DNS_RCODE_NOERROR;
	int err;

	info->outside = 0;
	if (respcap < DNS_UDP_MIN)
		return ST_EINVAL;
	err = dns_pkt_parse_query(qbuf, qlen, &q);
	if (err == ST_EINVAL)
		return 0;
	if (err == ST_EFORMAT)
		return (ssize_t)answer_error(&q, resp, respcap, DNS_RCODE_FORMERR);
	if (q.opcode != DNS_OPCODE_QUERY)
		return (ssize_t)answer_error(&q, resp, respcap, DNS_RCODE_NOTIMP);

	if (tcp)
		limit = respcap;
	else if (q.edns)
		limit = q.udp_size < ctx->edns_udp_size ? q.udp_size :
		    ctx->edns_udp_size;
	else
		limit = DNS_UDP_MIN;
	if (limit > respcap)
		limit = respcap;
	reserve = q.edns ? DNS_OPT_LEN : 0;
	dns_pkt_init(&p, resp, respcap, limit - reserve, &q, 0, 0);
	if (dns_pkt_put_question(&p, &q) != ST_OK)
		return (ssize_t)answer_error(&q, resp, respcap, DNS_RCODE_FORMERR);
	dns_pkt_mark(&p, &after_q);

	if (q.edns && q.edns_version > 0) {
		/* BADVERS is 16: the upper 8 bits go in the OPT RR. */
		return (ssize_t)dns_pkt_finish_opt(&p, ctx->edns_udp_size,
		    DNS_RCODE_BADVERS >> 4, q.edns_do);
	}
	switch (q.qtype) {
	case DNS_TYPE_OPT:
	case DNS_TYPE_TSIG:
		rcode = DNS_RCODE_FORMERR;
		break;
	case DNS_TYPE_AXFR:
	case DNS_TYPE_IXFR:
		rcode = DNS_RCODE_REFUSED;
		break;
	default:
		if (q.qclass == DNS_CLASS_CH)
			rcode = answer_chaos(ctx, &q, &p);
		else if (q.qclass == DNS_CLASS_IN || q.qclass == DNS_CLASS_ANY)
			err = answer_zone(ctx, &q, &p, &rcode);
		else
			rcode = DNS_RCODE_REFUSED;
	}
	if (err == ST_ENOTFOUND) {
		info->outside = 1;
		info->q = q;
		err = ST_OK;
	}
	if (err == ST_ESPACE) {
		/* Minimal truncation: the question alone, and TC. */
		dns_pkt_rewind(&p, &after_q);
		dns_pkt_set_flags(&p, DNS_FLAG_TC);
	} else if (err != ST_OK) {
		dns_pkt_rewind(&p, &after_q);
		rcode = DNS_RCODE_SERVFAIL;
	}
	dns_pkt_set_rcode(&p, rcode);
	if (rcode == DNS_RCODE_REFUSED)
		dns_pkt_rewind(&p, &after_q);
	if (q.edns)
		return (ssize_t)dns_pkt_finish_opt(&p, ctx->edns_udp_size, 0,
		    q.edns_do);
	return (ssize_t)dns_pkt_finish(&p);
}
