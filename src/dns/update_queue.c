/*
 * update_queue.c -- the cross-thread mailbox for UPDATE messages.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dns/update_queue.h"
#include "util/error.h"

struct dns_update_queue {
	pthread_mutex_t mu;
	struct dns_update_req *head, **tail;
	struct event *ev;
	dns_update_queue_fn fn;
	void *arg;
};

struct dns_update_req *
dns_update_req_new(const uint8_t *msg, size_t len)
{
	struct dns_update_req *r = calloc(1, sizeof(*r) + len);

	if (r == NULL)
		return NULL;
	r->fd = -1;
	r->len = len;
	memcpy(r->msg, msg, len);
	return r;
}

/* Take the whole list under the lock, then run it without: fn may post. */
static void
queue_drain(evutil_socket_t fd, short what, void *arg)
{
	struct dns_update_queue *q = arg;
	struct dns_update_req *r, *next;

	pthread_mutex_lock(&q->mu);
	r = q->head;
	q->head = NULL;
	q->tail = &q->head;
	pthread_mutex_unlock(&q->mu);
	for (; r != NULL; r = next) {
		next = r->next;
		r->next = NULL;
		q->fn(r, q->arg);
	}
}

int
dns_update_queue_new(struct event_base *base, dns_update_queue_fn fn,
    void *arg, struct dns_update_queue **out)
{
	struct dns_update_queue *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return ST_ENOMEM;
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q);
		return ST_ENOMEM;
	}
	q->tail = &q->head;
	q->fn = fn;
	q->arg = arg;
	if ((q->ev = event_new(base, -1, 0, queue_drain, q)) == NULL) {
		dns_update_queue_free(q);
		return ST_ENOMEM;
	}
	*out = q;
	return ST_OK;
}

void
dns_update_queue_post(struct dns_update_queue *q, struct dns_update_req *req)
{
	req->next = NULL;
	pthread_mutex_lock(&q->mu);
	*q->tail = req;
	q->tail = &req->next;
	pthread_mutex_unlock(&q->mu);
	/* Activating an active event is a no-op: one drain takes them all. */
	event_active(q->ev, EV_READ, 0);
}

void
dns_update_queue_free(struct dns_update_queue *q)
{
	struct dns_update_req *r, *next;

	if (q == NULL)
		return;
	if (q->ev)
		event_free(q->ev);
	for (r = q->head; r != NULL; r = next) {
		next = r->next;
		free(r);
	}
	pthread_mutex_destroy(&q->mu);
	free(q);
}
