/*
 * msg.h -- walk the resource records of a whole DNS message (a response
 * from an upstream server), checking its structure on the way.
 */
#ifndef STADION_DNS_MSG_H
#define STADION_DNS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "dns/pkt.h"

/* One RR as it lies in the message. */
struct dns_msg_rr {
	enum dns_section sec;	/* DNS_SEC_AN, _NS or _AR */
	size_t start;		/* offset of the owner name */
	size_t ttl_off;		/* offset of the 32-bit TTL */
	size_t end;		/* offset just past the rdata */
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata;		/* offset of the rdata */
	uint16_t rdlen;
};

struct dns_msg_iter {
	const uint8_t *msg;
	size_t len, pos;
	uint16_t left[4];	/* RRs still to read per section */
	int sec;
};

/*
 * Start at the message's first RR, past the question (at most one).
 * ST_EFORMAT if the header or the question does not parse.
 */
int dns_msg_iter_init(struct dns_msg_iter *it, const uint8_t *msg,
    size_t len);
/*
 * The next RR into rr: 1, or 0 after the last one (it->pos is then where
 * the records end), or ST_EFORMAT for a name, a length or a count that
 * runs past the message.
 */
int dns_msg_iter_next(struct dns_msg_iter *it, struct dns_msg_rr *rr);

#endif
