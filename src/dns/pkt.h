/*
 * pkt.h -- DNS messages: constants, query parsing and response building
 * with name compression and size limits (for UDP truncation).
 */
#ifndef STADION_DNS_PKT_H
#define STADION_DNS_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "dns/name.h"

enum {
	DNS_TYPE_A = 1, DNS_TYPE_NS = 2, DNS_TYPE_CNAME = 5, DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12, DNS_TYPE_HINFO = 13, DNS_TYPE_MX = 15,
	DNS_TYPE_TXT = 16, DNS_TYPE_AAAA = 28, DNS_TYPE_SRV = 33,
	DNS_TYPE_OPT = 41, DNS_TYPE_TSIG = 250, DNS_TYPE_IXFR = 251,
	DNS_TYPE_AXFR = 252, DNS_TYPE_ANY = 255,
};

enum { DNS_CLASS_IN = 1, DNS_CLASS_CH = 3, DNS_CLASS_ANY = 255 };

enum {
	DNS_RCODE_NOERROR = 0, DNS_RCODE_FORMERR = 1, DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3, DNS_RCODE_NOTIMP = 4, DNS_RCODE_REFUSED = 5,
	DNS_RCODE_BADVERS = 16,
};

enum { DNS_OPCODE_QUERY = 0 };

#define DNS_HDR_LEN 12
#define DNS_OPT_LEN 11		/* an OPT RR without options */
#define DNS_UDP_MIN 512

/* Header flag bits (second 16-bit word). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_CD 0x0010

/* What a query says, after parsing. */
struct dns_query {
	uint16_t id;
	uint16_t flags;		/* as received */
	uint8_t opcode;
	int has_question;	/* the question parsed (echo it back) */
	uint8_t qname[DNS_NAME_MAX];
	size_t qname_len;
	uint16_t qtype, qclass;
	int edns;		/* an OPT RR was present */
	uint16_t udp_size;	/* requestor's payload size (>= 512) */
	uint8_t edns_version;
	int edns_do;
};

/*
 * Parse the message. Returns ST_OK for a well-formed query; ST_EFORMAT
 * (answer FORMERR, q partly filled: id, flags, opcode and has_question are
 * valid); ST_EINVAL when nothing must be sent back (too short, or a
 * response). Never reads outside pkt[0..len).
 */
int dns_pkt_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q);

/* A response under construction. */
#define DNS_PKT_COMP_MAX 96
struct dns_pkt {
	uint8_t *buf;
	size_t cap;		/* buffer size */
	size_t limit;		/* octets the message may use */
	size_t len;
	uint16_t counts[4];	/* qd, an, ns, ar */
	uint16_t comp[DNS_PKT_COMP_MAX];	/* offsets of names written */
	int ncomp;
};

enum dns_section { DNS_SEC_QD = 0, DNS_SEC_AN, DNS_SEC_NS, DNS_SEC_AR };

/* Start a response with the header of q and flags, in buf. */
void dns_pkt_init(struct dns_pkt *p, uint8_t *buf, size_t cap, size_t limit,
    const struct dns_query *q, uint16_t flags, uint8_t rcode);
/* Echo q's question. ST_ESPACE if it does not fit. */
int dns_pkt_put_question(struct dns_pkt *p, const struct dns_query *q);

/*
 * Append an RR to section sec. name is a wire name (compressed against
 * what is already written); rdata is uncompressed wire rdata; the names in
 * NS, CNAME, PTR, MX and SOA rdata are compressed too. On ST_ESPACE (over the
 * limit) or ST_EFORMAT (bad rdata) the packet is left as it was.
 */
int dns_pkt_put_rr(struct dns_pkt *p, enum dns_section sec,
    const uint8_t *name, uint16_t type, uint16_t class, uint32_t ttl,
    const uint8_t *rdata, uint16_t rdlen);

/* Remember the current end, and go back to it (drops RRs added since). */
struct dns_pkt_mark {
	size_t len;
	uint16_t counts[4];
	int ncomp;
};
void dns_pkt_mark(const struct dns_pkt *p, struct dns_pkt_mark *m);
void dns_pkt_rewind(struct dns_pkt *p, const struct dns_pkt_mark *m);

/* Set flag bits / the rcode in the header. */
void dns_pkt_set_flags(struct dns_pkt *p, uint16_t flags);
void dns_pkt_set_rcode(struct dns_pkt *p, uint8_t rcode);

/*
 * Append the OPT RR (payload size, extended rcode, DO echoed). Callers keep
 * DNS_OPT_LEN octets free below the limit for it, so it always fits the
 * buffer. Returns the message length.
 */
size_t dns_pkt_finish_opt(struct dns_pkt *p, uint16_t udp_size,
    uint8_t ext_rcode, int do_bit);
/* Write the section counts; returns the message length. */
size_t dns_pkt_finish(struct dns_pkt *p);

#endif
