/*
 * forward.h -- stadion as the containers' resolver: queries for names
 * outside its zones go to upstream resolvers, and their answers to the
 * client and into the shared cache (dns/cache.h).
 *
 * A forwarder belongs to one worker thread and runs on its event base.
 * Each upstream query leaves with a random id from a UDP socket of its own,
 * connected to the upstream, so that the kernel picks a random source port
 * and passes only datagrams from that upstream; an answer counts when it
 * also carries the id and repeats the question. No answer within the
 * timeout, an error rcode or a broken message moves on to the next
 * upstream; a truncated answer is asked again over TCP; when every
 * upstream has failed the client gets SERVFAIL. The timeout covers all
 * that is said with one upstream, so a client waits at most the number of
 * upstreams times the timeout. An upstream that did not answer at all is
 * asked last for a while.
 */
#ifndef STADION_DNS_FORWARD_H
#define STADION_DNS_FORWARD_H

#include <sys/socket.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/pkt.h"

#define DNS_FWD_UPSTREAMS_MAX 16
#define DNS_FWD_PENDING_MAX 256		/* upstream queries per worker */

struct event_base;
struct dns_cache;
struct dns_fwd;

struct dns_fwd_upstream {
	struct sockaddr_storage addr;
	socklen_t len;
};

struct dns_fwd_conf {
	const struct dns_fwd_upstream *up;	/* copied */
	size_t nup;				/* 1..DNS_FWD_UPSTREAMS_MAX */
	unsigned timeout_ms;			/* per upstream */
	uint16_t edns_udp_size;			/* both ways, as the server's */
	double (*now)(void);			/* for the cache; NULL: clock_mono */
};

/* Where an answer goes. */
struct dns_fwd_client {
	void *owner;		/* the TCP connection (dns_fwd_cancel), or NULL */
	int fd;			/* UDP: the socket the query came in on */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int tcp;
};

/* Deliver msg (len octets), valid during the call only, to cl. */
typedef void dns_fwd_reply_fn(void *arg, const struct dns_fwd_client *cl,
    const uint8_t *msg, size_t len);

/*
 * A forwarder on base, with cache (NULL: none) shared with other threads.
 * *out owned by the caller.
 */
int dns_fwd_new(struct event_base *base, const struct dns_fwd_conf *c,
    struct dns_cache *cache, dns_fwd_reply_fn *reply, void *arg,
    struct dns_fwd **out);
/* Drop every pending query unanswered and free. Accepts NULL. */
void dns_fwd_free(struct dns_fwd *f);

/*
 * Answer q, a query none of the zones covers, for cl into resp (respcap
 * octets, at least 512): from the cache, or, when q asks for recursion
 * (RD), from upstream. Returns the length of an answer ready now (from
 * the cache; REFUSED without RD when the cache has none; SERVFAIL when no
 * upstream can be asked), or 0 when it will come through the reply
 * function.
 */
ssize_t dns_fwd_query(struct dns_fwd *f, const struct dns_query *q,
    const struct dns_fwd_client *cl, uint8_t *resp, size_t respcap);

/* Forget the pending queries of owner (a TCP connection that closed). */
void dns_fwd_cancel(struct dns_fwd *f, const void *owner);

/* forward_upstream.c: the list of upstreams. */

/*
 * "ADDR", "ADDR:PORT" or "[V6ADDR]:PORT" (port 53 when left out) into up.
 * ST_EINVAL if it is none of those.
 */
int dns_fwd_upstream_parse(const char *text, struct dns_fwd_upstream *up);

/*
 * 1 if sending to up would reach one of the own listen addresses (a
 * forwarding loop): the same address and port, or the port of a wildcard
 * listen address on an address of this host.
 */
int dns_fwd_upstream_is_own(const struct dns_fwd_upstream *up,
    const struct sockaddr_storage *own, size_t nown);

/*
 * The "nameserver" lines of the resolv.conf at path, port 53, in order,
 * into up (max entries); *n set. A missing file gives none. ST_EIO if it
 * cannot be read.
 */
int dns_fwd_resolv_conf(const char *path, struct dns_fwd_upstream *up,
    size_t max, size_t *n);

/* up as "10.0.0.1:53" or "[fd00::1]:53" into out, for logs. */
void dns_fwd_upstream_text(const struct dns_fwd_upstream *up, char *out,
    size_t size);

#endif
