/*
 * analysis.c -- a round of metrics fetches, and the Prometheus text
 * format read just far enough to sum one metric.
 *
 * Each answer is summed as it arrives and its text dropped, so a round
 * holds at most the answers still coming in.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orch/analysis.h"
#include "util/curlev.h"
#include "util/error.h"

/* Enough for any number Prometheus writes. */
#define ANALYSIS_NUMBER_MAX	64

struct analysis_fetch {
	struct analysis *an;
	struct curlev_req *r;	/* NULL once it ended */
	char *url;
	char *body;
	size_t len, cap;
	int fail;		/* why the answer was cut off: ST_E* */
};

struct analysis {
	char *requests, *errors;
	double timeout_s;
	analysis_fn done;
	void *arg;
	double sum_req, sum_err;
	size_t n, left;
	struct analysis_fetch f[];
};

static int
analysis_name_char(unsigned char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    c == ':' || (!first && c >= '0' && c <= '9');
}

static int
analysis_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (!analysis_name_char(*p, p == name))
			return 0;
	return 1;
}

static const char *
analysis_blanks(const char *p, const char *e)
{
	/* '\r': the line may end in CRLF. */
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* After the '{' of a label set at p: its end, or NULL when malformed. */
static const char *
analysis_labels(const char *p, const char *e)
{
	const char *q;

	for (p++;;) {
		p = analysis_blanks(p, e);
		if (p < e && *p == '}')
			return p + 1;
		for (q = p; q < e && analysis_name_char(*q, q == p); q++)
			;
		if (q == p)
			return NULL;
		p = analysis_blanks(q, e);
		if (p == e || *p++ != '=')
			return NULL;
		p = analysis_blanks(p, e);
		if (p == e || *p != '"')
			return NULL;
		for (p++; p < e && *p != '"'; p++)
			if (*p == '\\' && ++p == e)
				return NULL;
		if (p == e)
			return NULL;
		p = analysis_blanks(p + 1, e);
		if (p < e && *p == ',')
			p++;
		else if (p == e || *p != '}')
			return NULL;
	}
}

/* The finite number that is the token at *pp, which is moved past it. */
static int
analysis_number(const char **pp, const char *e, double *out)
{
	const char *p = *pp;
	char buf[ANALYSIS_NUMBER_MAX], *end;
	size_t len;

	while (p < e && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	len = p - *pp;
	if (len == 0 || len >= sizeof(buf))
		return ST_EFORMAT;
	/* The text is not terminated where the token ends. */
	memcpy(buf, *pp, len);
	buf[len] = '\0';
	*out = strtod(buf, &end);
	if (end != buf + len || !isfinite(*out))
		return ST_EFORMAT;
	*pp = p;
	return ST_OK;
}

/* The value of the line [p, e) if it is a sample of name, else ENOTFOUND. */
static int
analysis_line(const char *p, const char *e, const char *name, size_t nlen,
    double *value)
{
	const char *q;
	double ts;

	p = analysis_blanks(p, e);
	for (q = p; q < e && analysis_name_char(*q, q == p); q++)
		;
	if ((size_t)(q - p) != nlen || memcmp(p, name, nlen) != 0)
		return ST_ENOTFOUND;
	if (q < e && *q == '{') {
		if ((q = analysis_labels(q, e)) == NULL)
			return ST_EFORMAT;
	} else if (q < e && *q != ' ' && *q != '\t')
		return ST_EFORMAT;
	p = analysis_blanks(q, e);
	if (analysis_number(&p, e, value) != ST_OK)
		return ST_EFORMAT;
	p = analysis_blanks(p, e);
	if (p < e && *p != '#' && analysis_number(&p, e, &ts) != ST_OK)
		return ST_EFORMAT;
	p = analysis_blanks(p, e);
	/* OpenMetrics puts an exemplar after a '#'; it is no concern here. */
	if (p < e && *p != '#')
		return ST_EFORMAT;
	return ST_OK;
}

int
analysis_sum(const char *text, size_t len, const char *name, double *out)
{
	const char *p = text, *e = text + len, *eol;
	size_t nlen;
	double sum = 0, v;
	int found = 0, rv;

	*out = 0;
	if (!analysis_name_ok(name))
		return ST_EINVAL;
	nlen = strlen(name);
	while (p < e) {
		if ((eol = memchr(p, '\n', e - p)) == NULL)
			eol = e;
		rv = analysis_line(p, eol, name, nlen, &v);
		if (rv == ST_OK) {
			sum += v;
			found = 1;
		} else if (rv != ST_ENOTFOUND)
			return rv;
		p = eol < e ? eol + 1 : e;
	}
	if (!found)
		return ST_ENOTFOUND;
	if (!isfinite(sum))
		return ST_EFORMAT;
	*out = sum;
	return ST_OK;
}

int
analysis_judge(double req0, double err0, double req1, double err1,
    double min_requests, double max_rate, double *rate)
{
	double dreq = req1 >= req0 ? req1 - req0 : req1;
	double derr = err1 >= err0 ? err1 - err0 : err1;

	*rate = dreq > 0 ? derr / dreq : 0;
	return dreq >= min_requests && *rate > max_rate;
}

static void
analysis_free(struct analysis *an)
{
	size_t i;

	for (i = 0; i < an->n; i++) {
		free(an->f[i].url);
		free(an->f[i].body);
	}
	free(an->requests);
	free(an->errors);
	free(an);
}

void
analysis_cancel(struct analysis *an)
{
	size_t i;

	if (an == NULL)
		return;
	for (i = 0; i < an->n; i++) {
		if (an->f[i].r == NULL)
			continue;
		/*
		 * Cancelled from inside a curl callback, a request is only
		 * marked, and curl may still hand it data before it returns:
		 * none of that may reach this round, freed below.
		 */
		curlev_req_stream(an->f[i].r, NULL);
		curlev_req_cancel(an->f[i].r);
	}
	analysis_free(an);
}

/* End the round: stop what still runs, free it, then tell. */
static void
analysis_end(struct analysis *an, int err, const char *why)
{
	analysis_fn done = an->done;
	void *arg = an->arg;
	double req = err == ST_OK ? an->sum_req : 0;
	double errs = err == ST_OK ? an->sum_err : 0;

	analysis_cancel(an);
	done(err, req, errs, why, arg);
}

static int
analysis_chunk(struct curlev_req *r, long status, const char *data,
    size_t len, void *arg)
{
	struct analysis_fetch *f = arg;
	size_t cap;
	char *p;

	if (len > ANALYSIS_BODY_MAX - f->len) {
		f->fail = ST_EFORMAT;
		return 1;
	}
	if (f->len + len > f->cap) {
		cap = f->cap ? f->cap : 16384;
		while (cap < f->len + len)
			cap *= 2;
		if ((p = realloc(f->body, cap)) == NULL) {
			f->fail = ST_ENOMEM;
			return 1;
		}
		f->body = p;
		f->cap = cap;
	}
	if (len > 0)
		memcpy(f->body + f->len, data, len);
	f->len += len;
	return 0;
}

/* Add the answer's sums to the round's; the error's sentence in why. */
static int
analysis_answer(struct analysis_fetch *f, CURLcode rc, long status,
    char *why, size_t size)
{
	struct analysis *an = f->an;
	const char *name;
	double req, errs;
	int rv;

	if (f->fail == ST_EFORMAT) {
		snprintf(why, size, "%s: the answer is longer than %d bytes",
		    f->url, ANALYSIS_BODY_MAX);
		return ST_EFORMAT;
	}
	if (f->fail != ST_OK) {
		snprintf(why, size, "%s: %s", f->url, st_strerror(f->fail));
		return f->fail;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, size, "%s: timed out after %g s", f->url,
		    an->timeout_s);
		return ST_EIO;
	}
	if (status != 0 && status != 200) {
		snprintf(why, size, "%s: HTTP status %ld", f->url, status);
		return ST_EIO;
	}
	if (rc != CURLE_OK) {
		snprintf(why, size, "%s: %s", f->url, curl_easy_strerror(rc));
		return ST_EIO;
	}
	name = an->requests;
	if ((rv = analysis_sum(f->body, f->len, name, &req)) == ST_OK) {
		name = an->errors;
		rv = analysis_sum(f->body, f->len, name, &errs);
	}
	if (rv == ST_ENOTFOUND) {
		snprintf(why, size, "%s: no sample of %s", f->url, name);
		return rv;
	}
	if (rv != ST_OK) {
		snprintf(why, size, "%s: a sample of %s does not parse",
		    f->url, name);
		return rv;
	}
	an->sum_req += req;
	an->sum_err += errs;
	return ST_OK;
}

static void
analysis_fetched(struct curlev_req *r, CURLcode rc, long status,
    const char *body, size_t len, void *arg)
{
	struct analysis_fetch *f = arg;
	struct analysis *an = f->an;
	char why[512];
	int rv;

	/* curlev frees the request when this returns. */
	f->r = NULL;
	rv = analysis_answer(f, rc, status, why, sizeof(why));
	free(f->body);
	f->body = NULL;
	if (rv != ST_OK)
		analysis_end(an, rv, why);
	else if (--an->left == 0)
		analysis_end(an, ST_OK, "");
}

static int
analysis_fetch_start(struct curlev *cv, struct analysis_fetch *f)
{
	long ms = (long)(f->an->timeout_s * 1000);
	CURL *easy;
	int rv;

	if ((rv = curlev_req_new(cv, "GET", f->url, &f->r)) != ST_OK)
		return rv;
	/* The classic text, which every client library serves as asked. */
	if ((rv = curlev_req_header(f->r, "Accept: text/plain;version=0.0.4"))
	    != ST_OK)
		return rv;
	curlev_req_stream(f->r, analysis_chunk);
	easy = curlev_req_easy(f->r);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "stadion-analysis");
	/* An error answer's body is of no use: curl stops at its status. */
	curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
	/* The instance is asked where it is, never through a proxy. */
	curl_easy_setopt(easy, CURLOPT_PROXY, "");
	/* The hosts are address literals: nothing to cache. */
	curl_easy_setopt(easy, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	/* One bound for the whole fetch, the connection included; 0 is none. */
	if (ms == 0)
		ms = 1;
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ms);
	rv = curlev_req_send(f->r, analysis_fetched, f);
	if (rv != ST_OK)
		f->r = NULL;	/* freed by curlev */
	return rv;
}

int
analysis_start(struct curlev *cv, const char *const *urls, size_t n,
    const char *requests, const char *errors, double timeout_s,
    analysis_fn done, void *arg, struct analysis **out)
{
	struct analysis *an;
	size_t i;
	int rv;

	*out = NULL;
	if (n == 0 || !analysis_name_ok(requests) ||
	    !analysis_name_ok(errors) || !(timeout_s > 0 &&
	    timeout_s <= ANALYSIS_TIMEOUT_MAX))
		return ST_EINVAL;
	if (n > (SIZE_MAX - sizeof(*an)) / sizeof(an->f[0]))
		return ST_ENOMEM;
	if ((an = calloc(1, sizeof(*an) + n * sizeof(an->f[0]))) == NULL)
		return ST_ENOMEM;
	an->timeout_s = timeout_s;
	an->done = done;
	an->arg = arg;
	an->n = an->left = n;
	an->requests = strdup(requests);
	an->errors = strdup(errors);
	if (an->requests == NULL || an->errors == NULL) {
		analysis_free(an);
		return ST_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		an->f[i].an = an;
		if ((an->f[i].url = strdup(urls[i])) == NULL)
			rv = ST_ENOMEM;
		else
			rv = analysis_fetch_start(cv, &an->f[i]);
		if (rv != ST_OK) {
			analysis_cancel(an);
			return rv;
		}
	}
	*out = an;
	return ST_OK;
}
