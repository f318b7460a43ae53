/*
 * webhook.c -- events POSTed to the configured URLs.
 *
 * Every (event, URL) pair is one POST on a single list in the order the
 * events came, whatever its state: in flight, waiting for its retry timer,
 * or ready. The list's length is the bound, and its head the oldest. A few
 * POSTs at most are in flight per URL, so a burst of events does not open
 * hundreds of connections to one receiver; the others wait their turn,
 * oldest first.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "api/webhook.h"
#include "util/bus.h"
#include "util/curlev.h"
#include "util/error.h"
#include "util/log.h"

#define WEBHOOK_QUEUE_MAX 1000
#define WEBHOOK_TRIES 4		/* the first and three retries */
#define WEBHOOK_TIMEOUT_S 10L
#define WEBHOOK_INFLIGHT_MAX 4	/* per URL */
#define WEBHOOK_OVERFLOW_LOG_S 10	/* between warnings of a full queue */

struct webhook_post {
	TAILQ_ENTRY(webhook_post) entry;
	struct webhook *w;
	size_t url;		/* index into w->urls */
	char *type;
	char *body;
	size_t len;
	int tries;		/* made so far */
	struct event *retry;	/* pending: waits to be tried again */
	struct curlev_req *req;	/* in flight */
};

struct webhook {
	struct event_base *base;
	struct bus *bus;
	unsigned sub;
	struct curlev *cm;
	char **urls;
	unsigned *inflight;	/* per URL */
	size_t n_urls;
	char **types;
	size_t n_types;
	TAILQ_HEAD(, webhook_post) posts;
	size_t n_posts;
	unsigned long sent, dropped;
	unsigned long overflow;	/* dropped for a full queue, not yet told */
	time_t overflow_logged;
};

static void webhook_pump(struct webhook *w, size_t url);

static void
webhook_post_free(struct webhook_post *p)
{
	struct webhook *w = p->w;

	TAILQ_REMOVE(&w->posts, p, entry);
	w->n_posts--;
	if (p->req != NULL) {
		curlev_req_cancel(p->req);
		w->inflight[p->url]--;
	}
	event_free(p->retry);
	free(p->type);
	free(p->body);
	free(p);
}

/* A try failed: p goes again after 1 s, 2 s, 4 s, then is given up. */
static void
webhook_post_failed(struct webhook_post *p, const char *why)
{
	struct webhook *w = p->w;
	struct timeval tv = { 0, 0 };

	if (p->tries >= WEBHOOK_TRIES) {
		log_warnx("webhook: gave up POSTing a %s to %s after %d tries "
		    "(%s)", p->type, w->urls[p->url], p->tries, why);
		w->dropped++;
		webhook_post_free(p);
		return;
	}
	tv.tv_sec = 1L << (p->tries - 1);
	log_debug("webhook: POST of a %s to %s failed (%s), again in %ld s",
	    p->type, w->urls[p->url], why, (long)tv.tv_sec);
	evtimer_add(p->retry, &tv);
}

static void
webhook_on_done(struct curlev_req *r, CURLcode rc, long status,
    const char *body, size_t len, void *arg)
{
	struct webhook_post *p = arg;
	struct webhook *w = p->w;
	size_t url = p->url;
	char why[64];

	p->req = NULL;
	w->inflight[url]--;
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		w->sent++;
		webhook_post_free(p);
	} else {
		if (rc != CURLE_OK)
			snprintf(why, sizeof(why), "%s", curl_easy_strerror(rc));
		else
			snprintf(why, sizeof(why), "HTTP status %ld", status);
		webhook_post_failed(p, why);
	}
	webhook_pump(w, url);
}

static void
webhook_post_send(struct webhook_post *p)
{
	struct webhook *w = p->w;
	struct curlev_req *r;
	int rv;

	p->tries++;
	if ((rv = curlev_req_new(w->cm, "POST", w->urls[p->url], &r)) !=
	    ST_OK) {
		webhook_post_failed(p, st_strerror(rv));
		return;
	}
	curl_easy_setopt(curlev_req_easy(r), CURLOPT_TIMEOUT, WEBHOOK_TIMEOUT_S);
	if ((rv = curlev_req_body(r, "application/json", p->body, p->len)) !=
	    ST_OK) {
		curlev_req_cancel(r);
		webhook_post_failed(p, st_strerror(rv));
		return;
	}
	if ((rv = curlev_req_send(r, webhook_on_done, p)) != ST_OK) {
		webhook_post_failed(p, st_strerror(rv));
		return;
	}
	p->req = r;
	w->inflight[p->url]++;
}

/* Start the oldest ready POSTs to url while it has room. */
static void
webhook_pump(struct webhook *w, size_t url)
{
	struct webhook_post *p, *next;

	for (p = TAILQ_FIRST(&w->posts); p != NULL &&
	    w->inflight[url] < WEBHOOK_INFLIGHT_MAX; p = next) {
		next = TAILQ_NEXT(p, entry);
		if (p->url == url && p->req == NULL &&
		    !evtimer_pending(p->retry, NULL))
			webhook_post_send(p);
	}
}

static void
webhook_on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct webhook_post *p = arg;

	webhook_pump(p->w, p->url);
}

/* Make room for one more POST by dropping the oldest. */
static void
webhook_make_room(struct webhook *w)
{
	struct webhook_post *p = TAILQ_FIRST(&w->posts);
	struct timeval now;

	w->dropped++;
	w->overflow++;
	event_base_gettimeofday_cached(w->base, &now);
	if (now.tv_sec - w->overflow_logged >= WEBHOOK_OVERFLOW_LOG_S) {
		log_warnx("webhook: dropped the %lu oldest POSTs, the last a "
		    "%s to %s (%d wait already)", w->overflow, p->type,
		    w->urls[p->url], WEBHOOK_QUEUE_MAX);
		w->overflow = 0;
		w->overflow_logged = now.tv_sec;
	}
	webhook_post_free(p);
}

static void
webhook_post_add(struct webhook *w, size_t url, const char *type,
    const char *body, size_t len)
{
	struct webhook_post *p;

	if (w->n_posts >= WEBHOOK_QUEUE_MAX)
		webhook_make_room(w);
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->type = strdup(type)) == NULL ||
	    (p->body = malloc(len)) == NULL ||
	    (p->retry = evtimer_new(w->base, webhook_on_retry, p)) == NULL) {
		log_warnx("webhook: dropped a %s for %s (out of memory)", type,
		    w->urls[url]);
		w->dropped++;
		if (p != NULL) {
			free(p->type);
			free(p->body);
			free(p);
		}
		return;
	}
	memcpy(p->body, body, len);
	p->len = len;
	p->w = w;
	p->url = url;
	TAILQ_INSERT_TAIL(&w->posts, p, entry);
	w->n_posts++;
	webhook_pump(w, url);
}

static void
webhook_on_event(const char *type, const json_t *event, void *arg)
{
	struct webhook *w = arg;
	size_t i;
	char *body;

	for (i = 0; i < w->n_types; i++)
		if (strcmp(w->types[i], type) == 0)
			break;
	if (w->n_types > 0 && i == w->n_types)
		return;
	if ((body = json_dumps(event, JSON_COMPACT |
	    JSON_REAL_PRECISION(15))) == NULL) {
		log_warnx("webhook: dropped a %s (out of memory)", type);
		w->dropped += w->n_urls;
		return;
	}
	for (i = 0; i < w->n_urls; i++)
		webhook_post_add(w, i, type, body, strlen(body));
	free(body);
}

static int
webhook_url_ok(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

/* A copy of the n strings of v; NULL when out of memory. */
static char **
webhook_strv(const char *const *v, size_t n)
{
	char **out;

	if ((out = calloc(n + 1, sizeof(*out))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if ((out[i] = strdup(v[i])) == NULL) {
			while (i-- > 0)
				free(out[i]);
			free(out);
			return NULL;
		}
	}
	return out;
}

static void
webhook_strv_free(char **v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
webhook_new(struct event_base *base, struct bus *b,
    const char *const *urls, size_t n_urls, const char *const *types,
    size_t n_types, struct webhook **out)
{
	struct webhook *w;
	int rv;

	*out = NULL;
	for (size_t i = 0; i < n_urls; i++) {
		if (!webhook_url_ok(urls[i])) {
			log_warnx("webhook: %s is not an http:// or https:// URL",
			    urls[i]);
			return ST_EINVAL;
		}
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ST_ENOMEM;
	w->base = base;
	w->bus = b;
	TAILQ_INIT(&w->posts);
	w->n_urls = n_urls;
	w->n_types = n_types;
	if ((w->urls = webhook_strv(urls, n_urls)) == NULL ||
	    (w->types = webhook_strv(types, n_types)) == NULL ||
	    (w->inflight = calloc(n_urls + 1, sizeof(*w->inflight))) == NULL) {
		webhook_free(w);
		return ST_ENOMEM;
	}
	if ((rv = curlev_new(base, &w->cm)) != ST_OK ||
	    (rv = bus_subscribe(b, webhook_on_event, w, &w->sub)) != ST_OK) {
		webhook_free(w);
		return rv;
	}
	*out = w;
	return ST_OK;
}

void
webhook_free(struct webhook *w)
{
	struct webhook_post *p;

	if (w == NULL)
		return;
	if (w->sub != 0)
		bus_unsubscribe(w->bus, w->sub);
	while ((p = TAILQ_FIRST(&w->posts)) != NULL)
		webhook_post_free(p);
	curlev_free(w->cm);
	webhook_strv_free(w->urls, w->n_urls);
	webhook_strv_free(w->types, w->n_types);
	free(w->inflight);
	free(w);
}

void
webhook_counts(const struct webhook *w, unsigned long *sent,
    unsigned long *dropped)
{
	*sent = w->sent;
	*dropped = w->dropped;
}
