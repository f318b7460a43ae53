/*
 * xfr.h -- zone transfers out of LMDB: AXFR (RFC 5936) and IXFR (RFC 1995)
 * from the journal (journal.h), for the DNS worker threads.
 *
 * A zone's transfer holds every RR stored at or under its apex, except at
 * and under the apexes of the zones inside it, whose NS RRsets it keeps as
 * delegations. What the registry stores is the served view (weighted and
 * health filtered), so that is what secondaries get. Glue below such a
 * delegation is not sent.
 *
 * A transfer is built in one go from one read snapshot, message after
 * message, each handed to a send callback (e.g. onto a TCP connection).
 */
#ifndef STADION_DNS_XFR_H
#define STADION_DNS_XFR_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct dns_acl;
struct dns_tsig_keyring;
struct dns_xfr;

/* Messages are filled to this size, so names stay compressible. */
#define DNS_XFR_MSG_SIZE 16384

/*
 * A context per thread: a read handle and a message buffer. *out owned by
 * the caller (dns_xfr_free). ST_ENOMEM, store errors.
 */
int dns_xfr_new(struct store *st, struct dns_xfr **out);
void dns_xfr_free(struct dns_xfr *x);

/*
 * 1 if q (qlen octets) is a request for dns_xfr_answer: a query (opcode
 * QUERY, QR clear) whose question asks for AXFR or IXFR. 0 otherwise.
 */
int dns_xfr_is_request(const uint8_t *q, size_t qlen);

/*
 * Takes each message of the answer in order: msg holds len octets and may
 * be grown in place up to cap (65535) octets, e.g. by a TSIG RR. Returns 0,
 * or a negative code that ends the transfer.
 */
typedef int (*dns_xfr_send_fn)(uint8_t *msg, size_t len, size_t cap,
    void *arg);

struct dns_xfr_req {
	const struct sockaddr *peer;	/* the client (ACL, logs) */
	const uint8_t *key;	/* wire name of the TSIG key the request was
				   verified with, or NULL when unsigned */
	const struct dns_acl *acl;	/* who may transfer; NULL: nobody */
	int tcp;		/* 1 over a stream */
	size_t reserve;		/* octets to keep free in every message for
				   what send adds (dns_tsig_space()) */
};

/*
 * Answer the transfer request q of qlen octets. Over TCP: AXFR; IXFR as
 * the journal's difference from the client's serial, the zone's SOA alone
 * when the client is up to date, or the whole zone (AXFR style) when the
 * journal does not reach back so far. Over UDP: IXFR gets the SOA alone
 * (RFC 1995 2: "use TCP"), AXFR NOTIMP. Single-message refusals: NOTAUTH
 * when the name is not the apex of one of our zones, REFUSED when the ACL
 * says no, FORMERR, SERVFAIL on a store error. Messages carry the OPT RR
 * when the request had one; the question goes in the first only.
 *
 * Reads one snapshot through the context's own read handle: call it
 * outside a dns_answer_begin/_end bracket of the same thread.
 * Returns ST_OK once all was sent, send's error, ST_EINVAL when nothing is
 * to be sent (no request of ours, or a response), ST_ENOMEM.
 */
int dns_xfr_answer(struct dns_xfr *x, const struct dns_xfr_req *r,
    const uint8_t *q, size_t qlen, dns_xfr_send_fn send, void *arg);

/*
 * Takes each finished message of an answer to send as it is (a server
 * puts it on the wire). Returns 0, or a negative code that ends it.
 */
typedef int (*dns_xfr_write_fn)(const uint8_t *msg, size_t len, void *arg);

struct dns_xfr_serve_req {
	const struct sockaddr *peer;
	const struct dns_tsig_keyring *keys;	/* verify the request with */
	const struct dns_acl *acl;	/* who may transfer; NULL: nobody */
	int tcp;
	uint64_t now;		/* seconds since the epoch, for TSIG */
};

/*
 * A server's answer to the transfer request q (dns_xfr_is_request): the
 * request's TSIG verified against r->keys, then dns_xfr_answer with the
 * verified key's name, every message signed when the request was. A TSIG
 * failure gets NOTAUTH with the TSIG error (BADKEY, BADSIG unsigned), a
 * malformed TSIG RR FORMERR. Returns ST_OK once all was written (or
 * nothing was to be), else write's error or ST_ENOMEM: over TCP, close
 * the connection.
 */
int dns_xfr_serve(struct dns_xfr *x, const struct dns_xfr_serve_req *r,
    const uint8_t *q, size_t qlen, dns_xfr_write_fn write, void *arg);

#endif
