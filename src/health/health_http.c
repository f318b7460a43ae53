/*
 * health_http.c -- HTTP and HTTPS probes: GET on a raw curl handle run by
 * util/curlev, so that the answer's body is ours to cap. Each check keeps
 * its handle between probes (reset, not made anew: a thousand checks
 * every ten seconds make that count).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "health/health_int.h"
#include "util/curlev.h"
#include "util/error.h"

struct health_http {
	struct health_check *c;
	CURL *easy;
	const char *expect;	/* expectBody, in the check's definition */
	char *body;
	size_t len, cap;
	int capped;		/* aborted at HEALTH_BODY_MAX: not an error */
	char err[CURL_ERROR_SIZE];
};

static void
health_http_free(struct health_http *x)
{
	free(x->body);
	free(x);
}

void
health_http_release(struct health_check *c)
{
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
}

static size_t
health_http_write(char *data, size_t size, size_t n, void *arg)
{
	struct health_http *x = arg;
	size_t len = size * n, take = len, cap;
	char *p;

	if (x->expect == NULL)
		return len;
	if (take > HEALTH_BODY_MAX - x->len)
		take = HEALTH_BODY_MAX - x->len;
	if (x->len + take > x->cap) {
		cap = x->cap ? x->cap : 4096;
		while (cap < x->len + take)
			cap *= 2;
		if (cap > HEALTH_BODY_MAX)
			cap = HEALTH_BODY_MAX;
		if ((p = realloc(x->body, cap)) == NULL)
			return 0;
		x->body = p;
		x->cap = cap;
	}
	memcpy(x->body + x->len, data, take);
	x->len += take;
	if (take < len) {
		/* A long (or endless) answer: what we have is all we judge. */
		x->capped = 1;
		return 0;
	}
	return len;
}

static int
health_http_status_ok(const json_t *def, long status)
{
	const json_t *list = json_object_get(def, "httpStatuses"), *v;
	size_t i;

	if (!json_is_array(list))
		return status >= 200 && status <= 399;
	json_array_foreach(list, i, v)
		if (json_is_integer(v) && json_integer_value(v) == status)
			return 1;
	return 0;
}

static enum health_result
health_http_judge(struct health_http *x, CURLcode rc, long status,
    char *cause, size_t size)
{
	const json_t *def = x->c->def;

	if (rc == CURLE_WRITE_ERROR && x->capped)
		rc = CURLE_OK;
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(cause, size, "timed out after %g s", x->c->p.timeout_s);
		return HEALTH_R_FAIL;
	}
	/* curl reports a final 1xx as an empty reply: the status tells. */
	if (status >= 100 && status <= 199) {
		if (json_is_true(json_object_get(def, "ignoreHttp1xx")))
			return HEALTH_R_NONE;
		snprintf(cause, size, "HTTP status %ld", status);
		return HEALTH_R_FAIL;
	}
	if (rc != CURLE_OK) {
		snprintf(cause, size, "%s", x->err[0] != '\0' ? x->err :
		    curl_easy_strerror(rc));
		return HEALTH_R_FAIL;
	}
	if (!health_http_status_ok(def, status)) {
		snprintf(cause, size, "HTTP status %ld", status);
		return HEALTH_R_FAIL;
	}
	if (x->expect != NULL && (x->len == 0 ? x->expect[0] != '\0' :
	    memmem(x->body, x->len, x->expect, strlen(x->expect)) == NULL)) {
		snprintf(cause, size, "the body does not contain \"%.64s\"",
		    x->expect);
		return HEALTH_R_FAIL;
	}
	return HEALTH_R_PASS;
}

static void
health_http_done(CURL *easy, CURLcode rc, long status, void *arg)
{
	struct health_http *x = arg;
	struct health_check *c = x->c;
	char cause[HEALTH_CAUSE_MAX];
	enum health_result r;

	cause[0] = '\0';
	r = health_http_judge(x, rc, status, cause, sizeof(cause));
	c->probe = NULL;
	health_http_free(x);
	health_check_end(c, r, cause);
}

static int
health_http_start(struct health_check *c, char *cause, size_t size)
{
	const char *path = json_string_value(json_object_get(c->def, "path"));
	const char *host = c->w->host;
	struct health_http *x;
	char url[1024];
	int rv;

	if (path == NULL)
		path = "/";
	/* A literal IPv6 address goes in brackets. */
	snprintf(url, sizeof(url), "%s://%s%s%s:%u%s%s",
	    c->kind == HEALTH_K_HTTPS ? "https" : "http",
	    strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
	    c->port, path[0] == '/' ? "" : "/", path);
	if (c->easy == NULL)
		c->easy = curl_easy_init();
	else
		curl_easy_reset(c->easy);
	if (c->easy == NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(cause, size, "%s", st_strerror(ST_ENOMEM));
		return ST_ENOMEM;
	}
	x->easy = c->easy;
	x->c = c;
	x->expect = json_string_value(json_object_get(c->def, "expectBody"));
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	curl_easy_setopt(x->easy, CURLOPT_USERAGENT, "stadion-health");
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	/* Each probe proves a new connection is taken; none lingers. */
	curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(x->easy, CURLOPT_FORBID_REUSE, 1L);
	/* The instance is probed where it is, never through a proxy. */
	curl_easy_setopt(x->easy, CURLOPT_PROXY, "");
	/*
	 * The hosts are address literals: nothing to cache, and curl's cache
	 * of a thousand host:port pairs is walked after every transfer.
	 */
	curl_easy_setopt(x->easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	/* Marathon does not verify the certificates of its checks either. */
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(x->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	if (c->p.timeout_s > 0)
		curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS,
		    (long)(c->p.timeout_s * 1000));
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->err);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, health_http_write);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	if ((rv = curlev_add(c->w->h->cm, x->easy, health_http_done, x)) !=
	    ST_OK) {
		health_http_free(x);
		snprintf(cause, size, "cannot start the request (%s)",
		    st_strerror(rv));
		return rv;
	}
	c->probe = x;
	return ST_OK;
}

static void
health_http_stop(struct health_check *c)
{
	struct health_http *x = c->probe;

	curlev_cancel(c->w->h->cm, x->easy);
	health_http_free(x);
	c->probe = NULL;
}

const struct health_probe_ops health_http_ops = {
	.start = health_http_start,
	.stop = health_http_stop,
};
