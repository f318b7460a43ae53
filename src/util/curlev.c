/*
 * curlev.c -- libcurl's multi interface on a libevent loop.
 *
 * curl's socket callback keeps one persistent event per socket, its timer
 * callback one timer; both hand control back to curl_multi_socket_action,
 * after which finished transfers are collected and their callbacks run.
 * Done callbacks are never run from inside a curl callback, so they may
 * start or cancel transfers. Chunks of a streamed answer are, and curl
 * refuses its multi calls there: a transfer started while curl is busy
 * waits on a queue that an event hands to curl right after, and one
 * cancelled then is taken out once curl has returned.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "util/curlev.h"
#include "util/error.h"
#include "util/log.h"

struct curlev_xfer {
	TAILQ_ENTRY(curlev_xfer) entry;
	CURL *easy;
	curlev_done_fn done;
	void *arg;
	struct curlev_req *req;	/* set when curlev owns the transfer */
	int queued;		/* on the queue, not yet given to curl */
	int cancelled;		/* to be taken out once curl returns */
};

struct curlev {
	struct event_base *base;
	CURLM *multi;
	struct event *timer;
	struct event *flush;	/* hands queued transfers to curl */
	int busy;		/* inside curl_multi_socket_action */
	TAILQ_HEAD(, curlev_xfer) xfers;
};

struct curlev_sock {
	struct event *ev;
};

struct curlev_req {
	struct curlev *cm;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char *buf;		/* the collected response */
	size_t len, cap;
	curlev_chunk_fn chunk;
	curlev_req_fn done;
	void *arg;
	int sent;
};

static void curlev_req_free(struct curlev_req *r);

static void
curlev_check(struct curlev *cm)
{
	struct curlev_xfer *x;
	CURLMsg *msg;
	CURLcode rc;
	long status;
	int left;

	while ((msg = curl_multi_info_read(cm->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		rc = msg->data.result;
		status = 0;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
		    &status);
		curl_multi_remove_handle(cm->multi, msg->easy_handle);
		if (x == NULL)
			continue;
		TAILQ_REMOVE(&cm->xfers, x, entry);
		x->done(x->easy, rc, status, x->arg);
		free(x);
	}
}

/* Let curl act on fd (or its timeout), then settle what it left. */
static void
curlev_act(struct curlev *cm, curl_socket_t fd, int flags)
{
	struct curlev_xfer *x, *next;
	int running;

	cm->busy = 1;
	curl_multi_socket_action(cm->multi, fd, flags, &running);
	cm->busy = 0;
	for (x = TAILQ_FIRST(&cm->xfers); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (!x->cancelled)
			continue;
		TAILQ_REMOVE(&cm->xfers, x, entry);
		curl_multi_remove_handle(cm->multi, x->easy);
		if (x->req != NULL)
			curlev_req_free(x->req);
		free(x);
	}
	curlev_check(cm);
}

static void
curlev_on_socket(evutil_socket_t fd, short what, void *arg)
{
	int flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curlev_act(arg, fd, flags);
}

static void
curlev_on_timer(evutil_socket_t fd, short what, void *arg)
{
	curlev_act(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* Give curl the transfers started while it was busy. */
static void
curlev_on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *cm = arg;
	struct curlev_xfer *x, *next;

	for (x = TAILQ_FIRST(&cm->xfers); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (!x->queued)
			continue;
		x->queued = 0;
		if (curl_multi_add_handle(cm->multi, x->easy) == CURLM_OK)
			continue;
		/* It cannot run: it ends at once, as a failed transfer. */
		TAILQ_REMOVE(&cm->xfers, x, entry);
		x->done(x->easy, CURLE_FAILED_INIT, 0, x->arg);
		free(x);
	}
}

static int
curlev_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct curlev *cm = userp;
	struct curlev_sock *s = socketp;
	short kind = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
			curl_multi_assign(cm->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		curl_multi_assign(cm->multi, fd, s);
	} else {
		event_free(s->ev);
	}
	s->ev = event_new(cm->base, fd, kind, curlev_on_socket, cm);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1) {
		log_warnx("curlev: cannot watch a socket");
		return -1;
	}
	return 0;
}

static int
curlev_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curlev *cm = userp;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(cm->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(cm->timer, &tv) == 0 ? 0 : -1;
}

int
curlev_new(struct event_base *base, struct curlev **out)
{
	struct curlev *cm;

	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ST_EIO;
	if ((cm = calloc(1, sizeof(*cm))) == NULL)
		return ST_ENOMEM;
	cm->base = base;
	TAILQ_INIT(&cm->xfers);
	cm->multi = curl_multi_init();
	cm->timer = evtimer_new(base, curlev_on_timer, cm);
	cm->flush = event_new(base, -1, 0, curlev_on_flush, cm);
	if (cm->multi == NULL || cm->timer == NULL || cm->flush == NULL) {
		curlev_free(cm);
		return ST_ENOMEM;
	}
	curl_multi_setopt(cm->multi, CURLMOPT_SOCKETFUNCTION, curlev_socket_cb);
	curl_multi_setopt(cm->multi, CURLMOPT_SOCKETDATA, cm);
	curl_multi_setopt(cm->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_cb);
	curl_multi_setopt(cm->multi, CURLMOPT_TIMERDATA, cm);
	*out = cm;
	return ST_OK;
}

static void
curlev_req_free(struct curlev_req *r)
{
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	free(r->body);
	free(r->buf);
	free(r);
}

void
curlev_free(struct curlev *cm)
{
	struct curlev_xfer *x;

	if (cm == NULL)
		return;
	while ((x = TAILQ_FIRST(&cm->xfers)) != NULL) {
		TAILQ_REMOVE(&cm->xfers, x, entry);
		if (!x->queued)
			curl_multi_remove_handle(cm->multi, x->easy);
		if (x->req != NULL)
			curlev_req_free(x->req);
		free(x);
	}
	if (cm->multi != NULL)
		curl_multi_cleanup(cm->multi);
	if (cm->timer != NULL)
		event_free(cm->timer);
	if (cm->flush != NULL)
		event_free(cm->flush);
	free(cm);
}

static int
curlev_add_xfer(struct curlev *cm, CURL *easy, curlev_done_fn done,
    void *arg, struct curlev_req *req)
{
	struct curlev_xfer *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ST_ENOMEM;
	x->easy = easy;
	x->done = done;
	x->arg = arg;
	x->req = req;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	if (cm->busy) {
		x->queued = 1;
		event_active(cm->flush, EV_TIMEOUT, 0);
	} else if (curl_multi_add_handle(cm->multi, easy) != CURLM_OK) {
		free(x);
		return ST_EIO;
	}
	TAILQ_INSERT_TAIL(&cm->xfers, x, entry);
	return ST_OK;
}

int
curlev_add(struct curlev *cm, CURL *easy, curlev_done_fn done, void *arg)
{
	return curlev_add_xfer(cm, easy, done, arg, NULL);
}

/*
 * Take easy's transfer out; 1 when that must wait until curl returns
 * (the transfer, and a request it carries, are then freed there).
 */
static int
curlev_drop(struct curlev *cm, CURL *easy)
{
	struct curlev_xfer *x;

	TAILQ_FOREACH(x, &cm->xfers, entry) {
		if (x->easy != easy || x->cancelled)
			continue;
		if (cm->busy && !x->queued) {
			x->cancelled = 1;
			return 1;
		}
		TAILQ_REMOVE(&cm->xfers, x, entry);
		if (!x->queued)
			curl_multi_remove_handle(cm->multi, easy);
		free(x);
		return 0;
	}
	return 0;
}

void
curlev_cancel(struct curlev *cm, CURL *easy)
{
	struct curlev_xfer *x;

	/* A raw handle stays the caller's: forget it in the transfer. */
	if (curlev_drop(cm, easy))
		TAILQ_FOREACH(x, &cm->xfers, entry)
			if (x->easy == easy)
				x->req = NULL;
}

static long
curlev_req_status(struct curlev_req *r)
{
	long status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

static size_t
curlev_req_write(char *data, size_t size, size_t n, void *arg)
{
	struct curlev_req *r = arg;
	size_t len = size * n, cap;
	long status = curlev_req_status(r);
	char *p;

	if (r->chunk != NULL && status >= 200 && status < 300)
		return r->chunk(r, status, data, len, r->arg) ? 0 : len;
	if (r->len + len + 1 > r->cap) {
		cap = r->cap ? r->cap : 4096;
		while (cap < r->len + len + 1)
			cap *= 2;
		if ((p = realloc(r->buf, cap)) == NULL)
			return 0;
		r->buf = p;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	r->buf[r->len] = '\0';
	return len;
}

/* The empty line after the headers: a stream has begun. */
static size_t
curlev_req_header_line(char *data, size_t size, size_t n, void *arg)
{
	struct curlev_req *r = arg;
	size_t len = size * n;
	long status;

	if (r->chunk == NULL || !(len == 2 && data[0] == '\r'))
		return len;
	status = curlev_req_status(r);
	if (status >= 200 && status < 300 && r->chunk(r, status, NULL, 0, r->arg))
		return 0;
	return len;
}

int
curlev_req_new(struct curlev *cm, const char *method, const char *url,
    struct curlev_req **out)
{
	struct curlev_req *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ST_ENOMEM;
	r->cm = cm;
	if ((r->easy = curl_easy_init()) == NULL) {
		free(r);
		return ST_ENOMEM;
	}
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	curl_easy_setopt(r->easy, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, curlev_req_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, curlev_req_header_line);
	curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
	/* A body is sent at once, not after a 100 Continue that may never come. */
	if (curlev_req_header(r, "Expect:") != ST_OK) {
		curlev_req_free(r);
		return ST_ENOMEM;
	}
	*out = r;
	return ST_OK;
}

int
curlev_req_header(struct curlev_req *r, const char *line)
{
	struct curl_slist *l;

	if ((l = curl_slist_append(r->headers, line)) == NULL)
		return ST_ENOMEM;
	r->headers = l;
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
	return ST_OK;
}

int
curlev_req_body(struct curlev_req *r, const char *content_type,
    const char *data, size_t len)
{
	char line[256];
	int rv;

	snprintf(line, sizeof(line), "Content-Type: %s", content_type);
	if ((rv = curlev_req_header(r, line)) != ST_OK)
		return rv;
	free(r->body);
	if ((r->body = malloc(len + 1)) == NULL)
		return ST_ENOMEM;
	memcpy(r->body, data, len);
	r->body[len] = '\0';
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(r->easy, CURLOPT_POSTFIELDS, r->body);
	return ST_OK;
}

void
curlev_req_stream(struct curlev_req *r, curlev_chunk_fn chunk)
{
	r->chunk = chunk;
}

CURL *
curlev_req_easy(struct curlev_req *r)
{
	return r->easy;
}

static void
curlev_req_end(CURL *easy, CURLcode rc, long status, void *arg)
{
	struct curlev_req *r = arg;

	r->done(r, rc, status, r->buf != NULL ? r->buf : "", r->len, r->arg);
	curlev_req_free(r);
}

int
curlev_req_send(struct curlev_req *r, curlev_req_fn done, void *arg)
{
	int rv;

	r->done = done;
	r->arg = arg;
	if ((rv = curlev_add_xfer(r->cm, r->easy, curlev_req_end, r, r)) !=
	    ST_OK) {
		curlev_req_free(r);
		return rv;
	}
	r->sent = 1;
	return ST_OK;
}

void
curlev_req_cancel(struct curlev_req *r)
{
	if (r == NULL)
		return;
	if (r->sent && curlev_drop(r->cm, r->easy)) {
		/* Inside curl: it may still hand over data, not to the caller. */
		r->chunk = NULL;
		return;
	}
	curlev_req_free(r);
}
