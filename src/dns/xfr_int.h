/*
 * xfr_int.h -- what xfr.c (requests) and xfr_out.c (the messages sent)
 * share.
 */
#ifndef STADION_DNS_XFR_INT_H
#define STADION_DNS_XFR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/journal.h"
#include "dns/name.h"
#include "dns/pkt.h"
#include "dns/xfr.h"

#define XFR_BUF_SIZE 65535

struct dns_xfr {
	struct store_txn *txn;
	uint8_t buf[XFR_BUF_SIZE];
};

struct xfr_request {
	struct dns_query q;	/* header, question, EDNS */
	uint32_t serial;	/* IXFR: the client's */
};

/* The zone asked for, and its SOA (pointing into the snapshot). */
struct xfr_zone {
	const uint8_t *apex;	/* as the question names it */
	uint8_t key[DNS_KEY_MAX];
	size_t klen;
	uint32_t ttl, serial;
	const uint8_t *soa;	/* rdata */
	uint16_t soalen;
};

/* The answer under way: the open message and what went out so far. */
struct xfr_out {
	struct dns_xfr *x;
	const struct xfr_request *req;
	dns_xfr_send_fn send;
	void *arg;
	struct dns_pkt p;
	int open;
	size_t fill, max;	/* octets to fill a message to; the most */
	size_t msgs, rrs;
};

void xfr_out_init(struct xfr_out *o, struct dns_xfr *x,
    const struct xfr_request *req, const struct dns_xfr_req *r,
    dns_xfr_send_fn send, void *arg);
/* One message: the question and rcode (FORMERR, NOTAUTH, ...). */
int xfr_out_error(struct xfr_out *o, uint8_t rcode);
/* Read the zone's SOA into z (key set). ST_ENOTFOUND without one. */
int xfr_zone_soa(struct store_txn *txn, struct xfr_zone *z);
/* The SOA alone; the whole zone between two SOAs; an IXFR difference. */
int xfr_out_soa(struct xfr_out *o, const struct xfr_zone *z);
int xfr_out_zone(struct xfr_out *o, const struct xfr_zone *z);
int xfr_out_diff(struct xfr_out *o, const struct xfr_zone *z,
    const struct dns_journal_diff *d);

#endif
