/*
 * rrl.h -- response rate limiting (after BIND's RRL): a token bucket per
 * client network (/24 for IPv4, /56 for IPv6) bounds the UDP responses
 * stadion sends out of its own zones, so that a flood of queries with a
 * victim's forged address cannot turn it into an amplifier. Of the
 * responses over the rate, every slip'th goes out truncated (TC, question
 * only), so that a real client behind the address retries over TCP, which
 * cannot be forged; the others are dropped.
 *
 * One table serves every worker thread (a flood spread over the threads by
 * SO_REUSEPORT still counts once); it has a fixed size, so a flood from
 * many networks replaces the least recently seen buckets instead of
 * growing it. Sets of buckets each have their own lock, held for a few
 * arithmetic operations.
 */
#ifndef STADION_DNS_RRL_H
#define STADION_DNS_RRL_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_RRL_V4_BITS 24
#define DNS_RRL_V6_BITS 56

struct dns_rrl;

enum dns_rrl_verdict {
	DNS_RRL_SEND,	/* within the rate */
	DNS_RRL_DROP,
	DNS_RRL_SLIP,	/* send dns_rrl_truncate's form instead */
};

/*
 * A limiter of rate responses per second (a burst of one second's worth)
 * per network; slip 0 drops all responses over the rate, 1 truncates all,
 * N truncates one in N. *out owned by the caller.
 */
int dns_rrl_new(uint32_t rate, uint32_t slip, struct dns_rrl **out);
/* Accepts NULL. */
void dns_rrl_free(struct dns_rrl *r);

/*
 * Count one response to the client at sa (AF_INET or AF_INET6) at time
 * now (seconds on a steady clock) and say what to do with it.
 */
enum dns_rrl_verdict dns_rrl_check(struct dns_rrl *r,
    const struct sockaddr *sa, double now);

/*
 * Cut the response resp (len octets) down to its header and question, with
 * TC set; returns the new length, 0 if it holds no question that parses
 * (then drop it).
 */
size_t dns_rrl_truncate(uint8_t *resp, size_t len);

#endif
