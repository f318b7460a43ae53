/*
 * records.c -- walk the nodes of a zone and turn the RRsets dynamic
 * updates wrote into JSON; ldns prints the rdata.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns/name.h"
#include "dns/node.h"
#include "dns/records.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/wire.h"

struct records_walk {
	struct store_txn *txn;
	size_t zklen;		/* the zone's key length; SIZE_MAX: any zone */
	json_t *out;
};

/* rdata of type in presentation form, its fields apart by spaces. */
static char *
records_rdata_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_buffer *buf = ldns_buffer_new(256);
	uint8_t *wire = malloc(2 + (size_t)rdlen);
	char *text = NULL;
	size_t pos = 0;

	if (rr == NULL || buf == NULL || wire == NULL)
		goto out;
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	wire_wr16(wire, rdlen);
	memcpy(wire + 2, rdata, rdlen);
	if (ldns_wire2rdf(rr, wire, 2 + (size_t)rdlen, &pos) != LDNS_STATUS_OK)
		goto out;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		if (i > 0)
			ldns_buffer_printf(buf, " ");
		if (ldns_rdf2buffer_str(buf, ldns_rr_rdf(rr, i)) !=
		    LDNS_STATUS_OK)
			goto out;
	}
	text = ldns_buffer_export2str(buf);
out:
	free(wire);
	ldns_buffer_free(buf);
	ldns_rr_free(rr);
	return text;
}

static int
records_add(json_t *out, const char *owner, const struct dns_rrset *set)
{
	char *type = ldns_rr_type2str((ldns_rr_type)set->type);
	struct dns_rr_iter it;
	struct dns_rr rr;
	char *data;
	int rc, err = ST_OK;

	if (type == NULL)
		return ST_ENOMEM;
	dns_rr_iter_init(&it, set);
	while (err == ST_OK && (rc = dns_rr_iter_next(&it, &rr)) == 1) {
		if ((data = records_rdata_text(set->type, rr.rdata,
		    rr.rdlen)) == NULL) {
			err = ST_ENOMEM;
			break;
		}
		if (json_array_append_new(out, json_pack("{s:s,s:s,s:I,s:s}",
		    "name", owner, "type", type, "ttl", (json_int_t)set->ttl,
		    "data", data)) != 0)
			err = ST_ENOMEM;
		free(data);
	}
	if (err == ST_OK && rc < 0)
		err = rc;
	free(type);
	return err;
}

static int
records_node(const void *key, size_t klen, const void *val, size_t vlen,
    void *arg)
{
	struct records_walk *w = arg;
	uint8_t name[DNS_NAME_MAX], flags;
	char owner[DNS_NAME_MAX * 4 + 2];
	struct dns_node_iter it;
	struct dns_rrset set;
	size_t len, zklen;
	int rc, err, named = 0;

	if ((err = dns_node_iter_init(&it, val, vlen)) != ST_OK)
		return err;
	while ((rc = dns_node_iter_next(&it, &set)) == 1) {
		if (set.origin != DNS_ORIGIN_UPDATE)
			continue;
		if (!named) {
			/* A name of a zone below ours is that zone's. */
			if (w->zklen != SIZE_MAX && ((err = dns_zone_find(
			    w->txn, key, klen, &zklen, &flags)) != ST_OK ||
			    zklen != w->zklen))
				return err == ST_OK || err == ST_ENOTFOUND ?
				    0 : err;
			if ((err = dns_name_from_key(key, klen, name, &len)) ||
			    (err = dns_name_to_text(name, len, owner,
			    sizeof(owner))))
				return err;
			named = 1;
		}
		if ((err = records_add(w->out, owner, &set)) != ST_OK)
			return err;
	}
	return rc < 0 ? rc : 0;
}

int
dns_records_updated(struct store *st, const char *zone, json_t **out)
{
	uint8_t apex[DNS_NAME_MAX], key[DNS_KEY_MAX];
	struct records_walk w = { NULL, SIZE_MAX, NULL };
	size_t len, klen = 0;
	const void *val;
	size_t vlen;
	int err;

	if (zone && (dns_name_from_text(zone, apex, &len) != ST_OK ||
	    dns_name_to_key(apex, len, key, &klen) != ST_OK))
		return ST_EINVAL;
	if ((w.out = json_array()) == NULL)
		return ST_ENOMEM;
	if ((err = store_reader_new(st, &w.txn)) != ST_OK ||
	    (err = store_reader_begin(w.txn)) != ST_OK)
		goto out;
	if (zone) {
		if ((err = store_get(w.txn, STORE_DB_ZONES, key, klen, &val,
		    &vlen)) != ST_OK)
			goto out;
		w.zklen = klen;
	}
	err = store_foreach(w.txn, STORE_DB_NODES, zone ? key : NULL, klen,
	    records_node, &w);
out:
	store_reader_free(w.txn);
	if (err == ST_OK)
		*out = w.out;
	else
		json_decref(w.out);
	return err;
}
