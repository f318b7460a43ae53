/*
 * update_queue.h -- a mailbox between threads for UPDATE messages: a DNS
 * worker posts a request to the main loop's queue and goes on serving;
 * the main loop posts a TCP answer back to the worker's queue. Each queue
 * belongs to the event base that drains it; posting is safe from any
 * thread (a mutex, and event_active on a base made with
 * evthread_use_pthreads).
 */
#ifndef STADION_DNS_UPDATE_QUEUE_H
#define STADION_DNS_UPDATE_QUEUE_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;

/* One UPDATE on its way, with the way back to its client. */
struct dns_update_req {
	struct dns_update_req *next;
	void *worker;		/* the DNS worker that received it */
	int fd;			/* its UDP socket, -1 for TCP */
	uint64_t conn;		/* its TCP connection's id */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint8_t ans[1024];	/* the answer */
	size_t anslen;
	size_t len;
	uint8_t msg[];		/* the request */
};

/* A new request holding a copy of msg; NULL without memory. */
struct dns_update_req *dns_update_req_new(const uint8_t *msg, size_t len);

struct dns_update_queue;

/* Called on base's thread with each request posted, which it then owns. */
typedef void (*dns_update_queue_fn)(struct dns_update_req *req, void *arg);

/* A queue drained on base by fn. ST_ENOMEM. */
int dns_update_queue_new(struct event_base *base, dns_update_queue_fn fn,
    void *arg, struct dns_update_queue **out);
/* Post req (the queue owns it) from any thread. */
void dns_update_queue_post(struct dns_update_queue *q,
    struct dns_update_req *req);
/* Free the queue and the requests still in it. Accepts NULL. */
void dns_update_queue_free(struct dns_update_queue *q);

#endif
