/*
 * records.h -- the records dynamic updates wrote, listed for the HTTP API
 * (GET /v1/records).
 */
#ifndef STADION_DNS_RECORDS_H
#define STADION_DNS_RECORDS_H

#include <jansson.h>

struct store;

/*
 * The RRs of origin DNS_ORIGIN_UPDATE in zone (presentation form; NULL:
 * in every zone), read in one read transaction of st, as a JSON array of
 * {"name", "type", "ttl", "data"} in key order, rdata in presentation form
 * ("192.0.2.1", "10 mail.example."). A name in a zone below zone belongs
 * to that zone and is left out. ST_ENOTFOUND when zone is not one of ours,
 * ST_EINVAL when it is not a domain name, ST_ENOMEM, ST_ESTORE, ST_EFORMAT
 * for a corrupt node. *out is the caller's.
 */
int dns_records_updated(struct store *st, const char *zone, json_t **out);

#endif
