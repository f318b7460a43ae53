/*
 * zonefile.c -- parse the zone files of a directory with ldns, then replace
 * every zone-file record in LMDB in one write transaction.
 */
#include "config.h"

#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

#define ZF_SUFFIX ".zone"
#define ZF_DEFAULT_TTL 3600
#define ZF_TEXT_MAX (DNS_NAME_MAX * 4 + 2)	/* escaped presentation form */

struct zf_zone {
	char *path;
	ldns_rr_list *rrs;	/* owns the records parsed */
	const ldns_rr *soa;	/* in rrs */
	int has_apex;
	uint8_t apex[DNS_NAME_MAX];
	size_t apexlen;
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	int builtin;
};

/* One RR to write; sorted by (key, type, seq) into nodes and RRsets. */
struct zf_rr {
	size_t koff;		/* key in zf_load.keys */
	size_t klen;
	const uint8_t *key;	/* set once the key arena stops moving */
	uint16_t type;
	size_t seq;		/* load order: an RRset's TTL is its first's */
	size_t zone;
	int line;
	const ldns_rr *rr;
};

/* The zone-file RRsets of one owner name, ready to commit. */
struct zf_node {
	const uint8_t *key;
	size_t klen;
	struct dns_node_edit edit;
};

struct zf_load {
	const char *dir;
	struct zf_zone *zones;
	size_t nzones;
	struct zf_rr *rrs;
	size_t nrrs, rrcap;
	uint8_t *keys;
	size_t keyslen, keyscap;
	struct zf_node *nodes;
	size_t nnodes;
	char *err;
	size_t errlen;
};

/* A growable list of LMDB keys, for the write transaction's bookkeeping. */
struct zf_keys {
	uint8_t *buf;
	size_t len, cap;
	size_t *off;		/* key i is buf[off[i] .. off[i + 1] or len) */
	size_t n, ncap;
};

static int zf_errf(struct zf_load *l, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
zf_errf(struct zf_load *l, int code, const char *fmt, ...)
{
	va_list ap;

	if (l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err, l->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int
zf_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 16;
	void *np;

	if (need <= *cap)
		return ST_OK;
	while (ncap < need)
		ncap *= 2;
	if ((np = realloc(*p, ncap * size)) == NULL)
		return ST_ENOMEM;
	*p = np;
	*cap = ncap;
	return ST_OK;
}

static int
zf_keys_add(struct zf_keys *k, const uint8_t *key, size_t klen)
{
	if (zf_grow((void **)&k->buf, &k->cap, k->len + klen + 1, 1) ||
	    zf_grow((void **)&k->off, &k->ncap, k->n + 1, sizeof(size_t)))
		return ST_ENOMEM;
	k->off[k->n++] = k->len;
	if (klen)
		memcpy(k->buf + k->len, key, klen);
	k->len += klen;
	return ST_OK;
}

static const uint8_t *
zf_keys_get(const struct zf_keys *k, size_t i, size_t *klen)
{
	*klen = (i + 1 < k->n ? k->off[i + 1] : k->len) - k->off[i];
	return k->buf + k->off[i];
}

static int
zf_keys_has(const struct zf_keys *k, const uint8_t *key, size_t klen)
{
	const uint8_t *p;
	size_t plen;

	for (size_t i = 0; i < k->n; i++) {
		p = zf_keys_get(k, i, &plen);
		if (plen == klen && memcmp(p, key, klen) == 0)
			return 1;
	}
	return 0;
}

static void
zf_keys_free(struct zf_keys *k)
{
	free(k->buf);
	free(k->off);
}

/*
 * LMDB cannot store the root's empty key, so the store keeps it as a single
 * 0 octet; no other key looks like that (labels are never empty).
 */
static size_t
zf_key_len(const void *key, size_t klen)
{
	return klen == 1 && *(const uint8_t *)key == 0 ? 0 : klen;
}

static int
zf_is_zone_file(const struct dirent *de)
{
	size_t len = strlen(de->d_name), slen = strlen(ZF_SUFFIX);

	return de->d_name[0] != '.' && len > slen &&
	    strcmp(de->d_name + len - slen, ZF_SUFFIX) == 0;
}

/* "FILE:LINE: OWNER TYPE: why", for the checks ldns does not make. */
static int
zf_rr_err(struct zf_load *l, const struct zf_zone *z, const ldns_rr *rr,
    int line, const char *why)
{
	char *owner = ldns_rdf2str(ldns_rr_owner(rr));
	char *type = ldns_rr_type2str(ldns_rr_get_type(rr));

	zf_errf(l, ST_EFORMAT, "%s:%d: %s %s: %s", z->path, line,
	    owner ? owner : "?", type ? type : "?", why);
	free(owner);
	free(type);
	return ST_EFORMAT;
}

static int
zf_push_rr(struct zf_load *l, size_t zone, const ldns_rr *rr, int line)
{
	struct zf_zone *z = &l->zones[zone];
	const ldns_rdf *owner = ldns_rr_owner(rr);
	uint8_t key[DNS_KEY_MAX];
	struct zf_rr *r;
	size_t klen;

	if (dns_name_to_key(ldns_rdf_data(owner), ldns_rdf_size(owner), key,
	    &klen) != ST_OK)
		return zf_rr_err(l, z, rr, line, "owner name holds a 0 octet");
	if (klen < z->klen || memcmp(key, z->key, z->klen) != 0)
		return zf_rr_err(l, z, rr, line, "owner is outside the zone");
	if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN)
		return zf_rr_err(l, z, rr, line, "class is not IN");
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
		if (klen != z->klen)
			return zf_rr_err(l, z, rr, line,
			    "SOA record is not at the zone apex");
		if (z->soa)
			return zf_rr_err(l, z, rr, line, "second SOA record");
		z->soa = rr;
	}

	/* + 1: the arena exists even when it holds only the root's key. */
	if (zf_grow((void **)&l->keys, &l->keyscap, l->keyslen + klen + 1, 1) ||
	    zf_grow((void **)&l->rrs, &l->rrcap, l->nrrs + 1, sizeof(*l->rrs)))
		return zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
	r = &l->rrs[l->nrrs];
	memset(r, 0, sizeof(*r));
	r->koff = l->keyslen;
	r->klen = klen;
	r->type = ldns_rr_get_type(rr);
	r->seq = l->nrrs++;
	r->zone = zone;
	r->line = line;
	r->rr = rr;
	memcpy(l->keys + l->keyslen, key, klen);
	l->keyslen += klen;
	return ST_OK;
}

/* The apex is the origin in force at the file's first record. */
static int
zf_set_apex(struct zf_load *l, struct zf_zone *z, const ldns_rdf *origin)
{
	char text[ZF_TEXT_MAX];

	z->apexlen = ldns_rdf_size(origin);
	memcpy(z->apex, ldns_rdf_data(origin), z->apexlen);
	if (dns_name_to_key(z->apex, z->apexlen, z->key, &z->klen) != ST_OK)
		return zf_errf(l, ST_EFORMAT, "%s: origin holds a 0 octet",
		    z->path);
	for (struct zf_zone *o = l->zones; o < z; o++) {
		if (o->klen == z->klen &&
		    memcmp(o->key, z->key, z->klen) == 0) {
			dns_name_to_text(z->apex, z->apexlen, text,
			    sizeof(text));
			return zf_errf(l, ST_EFORMAT, "%s: zone %s is also "
			    "defined by %s", z->path, text, o->path);
		}
	}
	z->has_apex = 1;
	return ST_OK;
}

/*
 * Read the records one by one (ldns_zone_new_frm_fp_l would do the same,
 * but leaks what it read when a later line fails, and does not tell which
 * $ORIGIN was in force). A record without a TTL takes $TTL (RFC 2308), or
 * before any $TTL the last one stated (RFC 1035 5.1), as ldns's would.
 */
static int
zf_read_records(struct zf_load *l, size_t zone, FILE *fp, ldns_rdf **origin)
{
	struct zf_zone *z = &l->zones[zone];
	ldns_rdf *prev = ldns_rdf_clone(*origin);
	uint32_t ttl = ZF_DEFAULT_TTL;
	int line = 0, dollar_ttl = 0, err = ST_OK;
	ldns_status s;
	ldns_rr *rr;

	if (prev == NULL)
		return zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
	while (err == ST_OK && !feof(fp)) {
		s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, origin, &prev, &line);
		if (s == LDNS_STATUS_SYNTAX_TTL)
			dollar_ttl = 1;
		if (s == LDNS_STATUS_SYNTAX_TTL ||
		    s == LDNS_STATUS_SYNTAX_EMPTY ||
		    s == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (s == LDNS_STATUS_SYNTAX_INCLUDE)
			s = LDNS_STATUS_SYNTAX_INCLUDE_ERR_NOTIMPL;
		if (s != LDNS_STATUS_OK) {
			err = zf_errf(l, ST_EFORMAT, "%s:%d: %s", z->path, line,
			    ldns_get_errorstr_by_id(s));
			break;
		}
		if (!ldns_rr_list_push_rr(z->rrs, rr)) {
			ldns_rr_free(rr);
			err = zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
			break;
		}
		if (!dollar_ttl)
			ttl = ldns_rr_ttl(rr);
		if (!z->has_apex)
			err = zf_set_apex(l, z, *origin);
		if (err == ST_OK)
			/* Without a final newline the last line counts 0. */
			err = zf_push_rr(l, zone, rr, line ? line : 1);
	}
	if (err == ST_OK && !z->has_apex)
		err = zf_set_apex(l, z, *origin);
	ldns_rdf_deep_free(prev);
	return err;
}

/* Parse one file into l->zones[l->nzones] and queue its records. */
static int
zf_parse_file(struct zf_load *l, const char *name)
{
	struct zf_zone *z = &l->zones[l->nzones];
	size_t zone = l->nzones, nlen = strlen(name) - strlen(ZF_SUFFIX);
	ldns_rdf *origin = NULL;
	char text[ZF_TEXT_MAX];
	struct stat sb;
	FILE *fp = NULL;
	int err;

	memset(z, 0, sizeof(*z));
	if (asprintf(&z->path, "%s/%s", l->dir, name) == -1) {
		z->path = NULL;
		return zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
	}
	l->nzones++;
	if ((z->rrs = ldns_rr_list_new()) == NULL)
		return zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
	if (nlen + 2 > sizeof(text))
		return zf_errf(l, ST_EFORMAT, "%s: file name is too long",
		    z->path);
	memcpy(text, name, nlen);
	text[nlen] = '.';
	text[nlen + 1] = '\0';
	if ((origin = ldns_dname_new_frm_str(text)) == NULL)
		return zf_errf(l, ST_EFORMAT, "%s: file name is not a domain "
		    "name", z->path);
	if ((fp = fopen(z->path, "r")) == NULL || fstat(fileno(fp), &sb))
		err = zf_errf(l, ST_EIO, "%s: %s", z->path, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		err = zf_errf(l, ST_EIO, "%s: not a regular file", z->path);
	else
		err = zf_read_records(l, zone, fp, &origin);
	if (fp)
		fclose(fp);
	/* ldns replaces the origin on $ORIGIN (and drops it if that fails). */
	if (origin)
		ldns_rdf_deep_free(origin);
	return err;
}

/*
 * Tell built-in zones (which need no SOA: theirs, and their apex NS, come
 * from the configuration, so the file's are ignored) from new zones, which
 * must bring an SOA. Reading outside the write transaction is safe: all
 * writes happen on this thread.
 */
static int
zf_classify(struct store *st, struct zf_load *l)
{
	struct store_txn *txn;
	char text[ZF_TEXT_MAX];
	size_t zkl, o = 0;
	uint8_t flags;
	int err;

	if ((err = store_reader_new(st, &txn)) != ST_OK)
		return zf_errf(l, err, "zonefile: cannot read the zones (%s)",
		    st_strerror(err));
	if ((err = store_reader_begin(txn)) == ST_OK) {
		for (size_t i = 0; i < l->nzones && err == ST_OK; i++) {
			struct zf_zone *z = &l->zones[i];

			err = dns_zone_find(txn, z->key, z->klen, &zkl, &flags);
			z->builtin = err == ST_OK && zkl == z->klen &&
			    (flags & DNS_ZONE_BUILTIN);
			if (err == ST_ENOTFOUND)
				err = ST_OK;
		}
		store_reader_end(txn);
	}
	store_reader_free(txn);
	if (err != ST_OK)
		return zf_errf(l, err, "zonefile: cannot read the zones (%s)",
		    st_strerror(err));

	for (size_t i = 0; i < l->nzones; i++) {
		struct zf_zone *z = &l->zones[i];

		dns_name_to_text(z->apex, z->apexlen, text, sizeof(text));
		if (!z->builtin && z->soa == NULL)
			return zf_errf(l, ST_EFORMAT, "%s: no SOA record "
			    "(%s is not a built-in zone)", z->path, text);
		if (z->builtin && z->soa)
			log_warnx("zonefile: %s: SOA record ignored (%s is a "
			    "built-in zone)", z->path, text);
	}
	for (size_t i = 0; i < l->nrrs; i++) {
		struct zf_rr *r = &l->rrs[i];
		struct zf_zone *z = &l->zones[r->zone];

		if (z->builtin && r->klen == z->klen &&
		    (r->type == LDNS_RR_TYPE_SOA ||
		    r->type == LDNS_RR_TYPE_NS)) {
			if (r->type == LDNS_RR_TYPE_NS)
				log_warnx("zonefile: %s: NS record at the "
				    "apex ignored (the built-in zone's come "
				    "from the configuration)", z->path);
			continue;
		}
		l->rrs[o++] = *r;
	}
	l->nrrs = o;
	return ST_OK;
}

static int
zf_same_key(const struct zf_rr *a, const struct zf_rr *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

static int
zf_rr_cmp(const void *a, const void *b)
{
	const struct zf_rr *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = n ? memcmp(x->key, y->key, n) : 0;

	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One RRset: TTL of its first RR (RFC 2181 5.2), duplicates dropped. */
static int
zf_build_rrset(struct zf_load *l, struct dns_node_edit *e,
    const struct zf_rr *rrs, size_t n, ldns_buffer *buf, size_t *off,
    size_t *count)
{
	uint32_t ttl = ldns_rr_ttl(rrs[0].rr);
	size_t start, len, k;
	int mixed = 0;

	ldns_buffer_clear(buf);
	off[0] = 0;
	*count = 0;
	dns_node_edit_rrset(e, rrs[0].type, ttl);
	for (size_t i = 0; i < n; i++) {
		mixed |= ldns_rr_ttl(rrs[i].rr) != ttl;
		start = ldns_buffer_position(buf);
		if (ldns_rr_rdata2buffer_wire(buf, rrs[i].rr) != LDNS_STATUS_OK)
			return zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
		len = ldns_buffer_position(buf) - start;
		if (len > UINT16_MAX)
			return zf_rr_err(l, &l->zones[rrs[i].zone], rrs[i].rr,
			    rrs[i].line, "rdata too long");
		for (k = 0; k < *count; k++)
			if (off[k + 1] - off[k] == len &&
			    memcmp(ldns_buffer_at(buf, off[k]),
			    ldns_buffer_at(buf, start), len) == 0)
				break;
		if (k < *count) {
			ldns_buffer_set_position(buf, start);
			continue;
		}
		dns_node_edit_rr(e, 1, ldns_buffer_at(buf, start),
		    (uint16_t)len);
		off[++*count] = start + len;
	}
	if (mixed) {
		char *owner = ldns_rdf2str(ldns_rr_owner(rrs[0].rr));
		char *type = ldns_rr_type2str(rrs[0].type);

		log_warnx("zonefile: %s: %s %s: TTLs differ in the RRset, "
		    "using %u", l->zones[rrs[0].zone].path, owner ? owner : "?",
		    type ? type : "?", ttl);
		free(owner);
		free(type);
	}
	return ST_OK;
}

/* All RRsets of one owner name (rrs sorted by type) into one node edit. */
static int
zf_build_node(struct zf_load *l, struct zf_node *node, const struct zf_rr *rrs,
    size_t n, ldns_buffer *buf, size_t *off)
{
	const struct zf_rr *cname = NULL;
	size_t a, b, count, ncname = 0, nother = 0;
	int err;

	dns_node_edit_init(&node->edit, DNS_ORIGIN_ZONEFILE);
	node->key = rrs[0].key;
	node->klen = rrs[0].klen;
	for (a = 0; a < n; a = b) {
		for (b = a + 1; b < n && rrs[b].type == rrs[a].type; b++)
			;
		err = zf_build_rrset(l, &node->edit, rrs + a, b - a, buf, off,
		    &count);
		if (err != ST_OK)
			return err;
		if (rrs[a].type == LDNS_RR_TYPE_CNAME) {
			cname = &rrs[a];
			ncname = count;
		} else if (rrs[a].type != LDNS_RR_TYPE_RRSIG &&
		    rrs[a].type != LDNS_RR_TYPE_NSEC)
			nother++;
	}
	/* RFC 1034 3.6.2 (RFC 4035 lets RRSIG and NSEC through). */
	if (ncname > 1)
		return zf_rr_err(l, &l->zones[cname->zone], cname->rr,
		    cname->line, "more than one CNAME at this name");
	if (ncname && nother)
		return zf_rr_err(l, &l->zones[cname->zone], cname->rr,
		    cname->line, "CNAME and other data at this name");
	return ST_OK;
}

static int
zf_build(struct zf_load *l)
{
	size_t i, j, nkeys = 0, *off = NULL;
	ldns_buffer *buf;
	int err = ST_OK;

	for (i = 0; i < l->nrrs; i++)
		l->rrs[i].key = l->keys + l->rrs[i].koff;
	if (l->nrrs)
		qsort(l->rrs, l->nrrs, sizeof(*l->rrs), zf_rr_cmp);
	for (i = 0; i < l->nrrs; i++)
		if (i == 0 || !zf_same_key(&l->rrs[i], &l->rrs[i - 1]))
			nkeys++;
	l->nodes = calloc(nkeys ? nkeys : 1, sizeof(*l->nodes));
	/* Offsets of the RRs of one RRset in buf: at most all of them. */
	off = calloc(l->nrrs + 1, sizeof(*off));
	buf = ldns_buffer_new(512);
	if (l->nodes == NULL || off == NULL || buf == NULL) {
		err = zf_errf(l, ST_ENOMEM, "zonefile: out of memory");
		goto out;
	}
	for (i = 0; i < l->nrrs && err == ST_OK; i = j) {
		for (j = i + 1; j < l->nrrs &&
		    zf_same_key(&l->rrs[j], &l->rrs[i]); j++)
			;
		err = zf_build_node(l, &l->nodes[l->nnodes++], l->rrs + i,
		    j - i, buf, off);
	}
out:
	if (buf)
		ldns_buffer_free(buf);
	free(off);
	return err;
}

static int
zf_collect_zonefile_node(const void *key, size_t klen, const void *val,
    size_t vlen, void *arg)
{
	struct dns_node_iter it;
	struct dns_rrset set;
	int rc;

	if (dns_node_iter_init(&it, val, vlen) != ST_OK)
		return ST_EFORMAT;
	while ((rc = dns_node_iter_next(&it, &set)) == 1)
		if (set.origin == DNS_ORIGIN_ZONEFILE)
			return zf_keys_add(arg, key, zf_key_len(key, klen));
	return rc;
}

static int
zf_collect_file_zone(const void *key, size_t klen, const void *val,
    size_t vlen, void *arg)
{
	if (vlen < 1 || *(const uint8_t *)val != DNS_ZONE_FILE)
		return 0;
	return zf_keys_add(arg, key, zf_key_len(key, klen));
}

/*
 * The write transaction. It only touches LMDB (store_write may run it
 * again after growing the map): drop every zone-file RRset, forget zones
 * whose file is gone, write the new records, bump the built-in zones'
 * serials. Keys are collected before anything changes under a cursor.
 */
static int
zf_write(struct store_txn *txn, void *arg)
{
	struct zf_load *l = arg;
	struct zf_keys old = { 0 }, gone = { 0 }, bump = { 0 };
	struct dns_node_edit empty;
	uint8_t name[DNS_NAME_MAX], flags;
	const uint8_t *k;
	size_t klen, zkl, nlen;
	uint32_t serial;
	int err;

	if ((err = store_foreach(txn, STORE_DB_NODES, "", 0,
	    zf_collect_zonefile_node, &old)) != ST_OK)
		goto out;
	if ((err = store_foreach(txn, STORE_DB_ZONES, "", 0,
	    zf_collect_file_zone, &gone)) != ST_OK)
		goto out;

	for (size_t i = 0; i < old.n && err == ST_OK; i++) {
		k = zf_keys_get(&old, i, &klen);
		if (dns_zone_find(txn, k, klen, &zkl, &flags) == ST_OK &&
		    (flags & DNS_ZONE_BUILTIN) && !zf_keys_has(&bump, k, zkl))
			err = zf_keys_add(&bump, k, zkl);
		dns_node_edit_init(&empty, DNS_ORIGIN_ZONEFILE);
		if (err == ST_OK)
			err = dns_node_edit_commit(&empty, txn, k, klen);
		dns_node_edit_deinit(&empty);
	}
	for (size_t i = 0; i < gone.n && err == ST_OK; i++) {
		int kept = 0;

		k = zf_keys_get(&gone, i, &klen);
		for (size_t j = 0; j < l->nzones && !kept; j++)
			kept = l->zones[j].klen == klen &&
			    memcmp(l->zones[j].key, k, klen) == 0;
		if (kept)
			continue;
		if ((err = dns_name_from_key(k, klen, name, &nlen)) == ST_OK)
			err = dns_zone_remove(txn, name, nlen);
	}
	for (size_t i = 0; i < l->nzones && err == ST_OK; i++) {
		struct zf_zone *z = &l->zones[i];

		if (!z->builtin)
			err = dns_zone_add(txn, z->apex, z->apexlen,
			    DNS_ZONE_FILE);
		else if (!zf_keys_has(&bump, z->key, z->klen))
			err = zf_keys_add(&bump, z->key, z->klen);
	}
	for (size_t i = 0; i < l->nnodes && err == ST_OK; i++)
		err = dns_node_edit_commit(&l->nodes[i].edit, txn,
		    l->nodes[i].key, l->nodes[i].klen);
	/* Last, so the bumped serial lands on the apex node as now written. */
	for (size_t i = 0; i < bump.n && err == ST_OK; i++) {
		k = zf_keys_get(&bump, i, &klen);
		if ((err = dns_name_from_key(k, klen, name, &nlen)) != ST_OK)
			break;
		if (dns_zone_serial(txn, name, nlen, &serial) == ST_OK)
			err = dns_zone_bump_serial(txn, name, nlen, NULL);
	}
out:
	zf_keys_free(&old);
	zf_keys_free(&gone);
	zf_keys_free(&bump);
	return err;
}

static void
zf_load_deinit(struct zf_load *l)
{
	for (size_t i = 0; i < l->nzones; i++) {
		free(l->zones[i].path);
		if (l->zones[i].rrs)
			ldns_rr_list_deep_free(l->zones[i].rrs);
	}
	for (size_t i = 0; i < l->nnodes; i++)
		dns_node_edit_deinit(&l->nodes[i].edit);
	free(l->zones);
	free(l->rrs);
	free(l->keys);
	free(l->nodes);
}

int
dns_zonefile_load_dir(struct store *st, const char *dir, size_t *nzones,
    char *err, size_t errlen)
{
	struct zf_load l = { .dir = dir, .err = err, .errlen = errlen };
	struct dirent **names = NULL;
	int n, rc = ST_OK;

	if (errlen)
		err[0] = '\0';
	if ((n = scandir(dir, &names, zf_is_zone_file, alphasort)) < 0) {
		if (errno != ENOENT)
			rc = zf_errf(&l, ST_EIO, "%s: %s", dir,
			    strerror(errno));
		n = 0;
	}
	if (rc == ST_OK && (l.zones = calloc(n ? (size_t)n : 1,
	    sizeof(*l.zones))) == NULL)
		rc = zf_errf(&l, ST_ENOMEM, "zonefile: out of memory");
	for (int i = 0; i < n && rc == ST_OK; i++)
		rc = zf_parse_file(&l, names[i]->d_name);
	if (rc == ST_OK)
		rc = zf_classify(st, &l);
	if (rc == ST_OK)
		rc = zf_build(&l);
	if (rc == ST_OK && (rc = store_write(st, zf_write, &l)) != ST_OK)
		zf_errf(&l, rc, "zonefile: cannot write the zones (%s)",
		    st_strerror(rc));
	if (rc == ST_OK && nzones)
		*nzones = l.nzones;
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	zf_load_deinit(&l);
	return rc;
}
