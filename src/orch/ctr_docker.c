/*
 * ctr_docker.c -- the docker driver's core: the engine endpoint, API
 * version negotiation, and the calls every operation goes through.
 *
 * Calls made before the version is known wait in a queue; GET /version
 * (unversioned) answers it. An engine that cannot be reached fails the
 * waiting calls with ST_EIO and is asked again on the next call, so a late
 * engine is picked up; one older than 1.41 is refused for good.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "orch/ctr_docker.h"
#include "orch/ctr_docker_int.h"
#include "util/curlev.h"
#include "util/error.h"
#include "util/log.h"

#define DK_API_MIN_MAJOR 1
#define DK_API_MIN_MINOR 41
#define DK_API_MAX "1.43"	/* the newest version we know */
#define DK_API_MAX_MINOR 43

static void
dk_call_free(struct dk_call *k)
{
	free(k->method);
	free(k->path);
	free(k->body);
	free(k->auth);
	free(k->image);
	free(k->line);
	json_decref(k->json);
	free(k);
}

void
dk_call_discard(struct dk_call *k)
{
	dk_call_free(k);
}

/* Unlink k from whichever list holds it and free it. */
static void
dk_call_drop(struct dk_call *k, struct dk_calls *list)
{
	TAILQ_REMOVE(list, k, entry);
	if (k->d->ev_call == k)
		k->d->ev_call = NULL;
	dk_call_free(k);
}

int
dk_status_err(long status)
{
	if (status >= 200 && status < 300)
		return ST_OK;
	switch (status) {
	case 400: return ST_EINVAL;
	case 404: return ST_ENOTFOUND;
	case 409: return ST_ECONFLICT;
	}
	return ST_EIO;
}

const char *
dk_message(const char *body, size_t len, char *buf, size_t size)
{
	json_t *v = json_loadb(body, len, 0, NULL);
	const char *m = json_string_value(json_object_get(v, "message"));

	if (m != NULL)
		snprintf(buf, size, "%s", m);
	else
		snprintf(buf, size, "%.*s", (int)(len < 200 ? len : 200), body);
	json_decref(v);
	/* Answers end in a newline we do not want in messages. */
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

char *
dk_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *out;

	if (e == NULL)
		return NULL;
	out = strdup(e);
	curl_free(e);
	return out;
}

void
dk_info_labels(struct ctr_info *info, const json_t *labels)
{
	const char *s;

	if ((s = json_string_value(json_object_get(labels, CTR_LABEL_APP))))
		snprintf(info->app_id, sizeof(info->app_id), "%s", s);
	if ((s = json_string_value(json_object_get(labels,
	    CTR_LABEL_INSTANCE))))
		snprintf(info->instance_id, sizeof(info->instance_id), "%s", s);
	if ((s = json_string_value(json_object_get(labels,
	    CTR_LABEL_VERSION))))
		snprintf(info->version, sizeof(info->version), "%s", s);
}

void
dk_call_lines(struct dk_call *k, const char *data, size_t len, dk_line_fn fn)
{
	const char *nl;
	char *p;
	size_t n;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl ? (size_t)(nl - data) : len;
		if ((p = realloc(k->line, k->line_len + n + 1)) == NULL)
			return;
		k->line = p;
		memcpy(k->line + k->line_len, data, n);
		k->line_len += n;
		k->line[k->line_len] = '\0';
		if (nl == NULL)
			return;
		if (k->line_len > 0)
			fn(k, k->line);
		k->line_len = 0;
		data += n + 1;
		len -= n + 1;
	}
}

int
dk_call_new(struct ctr_docker *d, const char *method, const char *path,
    dk_resp_fn resp, struct dk_call **out)
{
	struct dk_call *k;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ST_ENOMEM;
	k->d = d;
	k->resp = resp;
	k->method = strdup(method);
	k->path = strdup(path);
	if (k->method == NULL || k->path == NULL) {
		dk_call_free(k);
		return ST_ENOMEM;
	}
	*out = k;
	return ST_OK;
}

int
dk_call_json(struct dk_call *k, json_t *body)
{
	free(k->body);
	k->body = NULL;
	if (body == NULL)
		return ST_OK;
	k->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return k->body != NULL ? ST_OK : ST_ENOMEM;
}

/* Docker's base64url, with padding (Go's base64.URLEncoding). */
int
dk_call_auth(struct dk_call *k, const char *auth)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = (const unsigned char *)(auth ? auth : "{}");
	size_t n = strlen((const char *)s), i, o;
	static const char hdr[] = "X-Registry-Auth: ";
	char *out;

	if ((out = malloc(sizeof(hdr) + (n + 2) / 3 * 4 + 1)) == NULL)
		return ST_ENOMEM;
	memcpy(out, hdr, sizeof(hdr) - 1);
	o = sizeof(hdr) - 1;
	for (i = 0; i < n; i += 3) {
		unsigned v = s[i] << 16;
		if (i + 1 < n)
			v |= s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	free(k->auth);
	k->auth = out;
	return ST_OK;
}

static void
dk_transport(struct ctr_docker *d, CURL *e)
{
	if (d->unix_path != NULL)
		curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, d->unix_path);
	if (d->tls_ca != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, d->tls_ca);
	if (d->tls_cert != NULL)
		curl_easy_setopt(e, CURLOPT_SSLCERT, d->tls_cert);
	if (d->tls_key != NULL)
		curl_easy_setopt(e, CURLOPT_SSLKEY, d->tls_key);
}

static int
dk_on_chunk(struct curlev_req *r, long status, const char *data, size_t len,
    void *arg)
{
	struct dk_call *k = arg;

	return k->chunk(k, data, len);
}

static void
dk_on_answer(struct curlev_req *r, CURLcode rc, long status, const char *body,
    size_t len, void *arg)
{
	struct dk_call *k = arg;
	struct ctr_docker *d = k->d;
	char msg[512];
	int err;

	k->req = NULL;
	if (rc != CURLE_OK) {
		err = ST_EIO;
		snprintf(msg, sizeof(msg), "docker engine at %s: %s",
		    d->unix_path ? d->unix_path : d->url, curl_easy_strerror(rc));
	} else if ((err = dk_status_err(status)) != ST_OK) {
		dk_message(body, len, msg, sizeof(msg));
	} else if (k->errmsg[0] != '\0') {
		err = ST_EIO;
		snprintf(msg, sizeof(msg), "%s", k->errmsg);
	} else {
		msg[0] = '\0';
	}
	k->again = 0;
	k->resp(k, err, err ? msg : NULL, body, len);
	if (!k->again)
		dk_call_drop(k, &d->calls);
}

/* Send k (already in d->calls); on error k is left to the caller. */
static int
dk_call_send(struct dk_call *k)
{
	struct ctr_docker *d = k->d;
	struct curlev_req *r;
	char *url;
	int rv;

	if (asprintf(&url, "%s/v%s%s", d->url, d->api, k->path) == -1)
		return ST_ENOMEM;
	rv = curlev_req_new(d->cm, k->method, url, &r);
	free(url);
	if (rv != ST_OK)
		return rv;
	if (k->body != NULL)
		rv = curlev_req_body(r, "application/json", k->body,
		    strlen(k->body));
	if (rv == ST_OK && k->auth != NULL)
		rv = curlev_req_header(r, k->auth);
	if (rv != ST_OK) {
		curlev_req_cancel(r);
		return rv;
	}
	dk_transport(d, curlev_req_easy(r));
	if (k->chunk != NULL)
		curlev_req_stream(r, dk_on_chunk);
	k->errmsg[0] = '\0';
	if (k->chunk != NULL)
		k->line_len = 0;
	if ((rv = curlev_req_send(r, dk_on_answer, k)) != ST_OK)
		return rv;
	k->req = r;
	return ST_OK;
}

/* The version is settled: send or fail what waited for it. */
static void
dk_flush_queue(struct ctr_docker *d, int err, const char *msg)
{
	struct dk_call *k;
	int e;

	while ((k = TAILQ_FIRST(&d->queued)) != NULL) {
		TAILQ_REMOVE(&d->queued, k, entry);
		TAILQ_INSERT_TAIL(&d->calls, k, entry);
		if (err == ST_OK && (e = dk_call_send(k)) == ST_OK)
			continue;
		k->again = 0;
		if (err == ST_OK)
			k->resp(k, e, "cannot send a request to the docker "
			    "engine", "", 0);
		else
			k->resp(k, err, msg, "", 0);
		if (!k->again)
			dk_call_drop(k, &d->calls);
	}
}

static void
dk_on_version(struct curlev_req *r, CURLcode rc, long status, const char *body,
    size_t len, void *arg)
{
	struct ctr_docker *d = arg;
	json_t *v;
	const char *ver;
	int major = 0, minor = 0;
	char msg[512];

	d->vreq = NULL;
	if (rc != CURLE_OK || status != 200) {
		snprintf(msg, sizeof(msg), "docker engine at %s: %s",
		    d->unix_path ? d->unix_path : d->url, rc != CURLE_OK ?
		    curl_easy_strerror(rc) : "GET /version failed");
		log_warnx("docker: %s", msg);
		d->vstate = DK_V_UNKNOWN;
		dk_flush_queue(d, ST_EIO, msg);
		return;
	}
	v = json_loadb(body, len, 0, NULL);
	ver = json_string_value(json_object_get(v, "ApiVersion"));
	if (ver == NULL || sscanf(ver, "%d.%d", &major, &minor) != 2 ||
	    major < DK_API_MIN_MAJOR || (major == DK_API_MIN_MAJOR &&
	    minor < DK_API_MIN_MINOR)) {
		snprintf(msg, sizeof(msg), "docker engine API %s is too old "
		    "(1.41 or newer needed)", ver ? ver : "(unknown)");
		log_errx("docker: %s", msg);
		json_decref(v);
		d->vstate = DK_V_OLD;
		dk_flush_queue(d, ST_EIO, msg);
		return;
	}
	if (major > DK_API_MIN_MAJOR || minor > DK_API_MAX_MINOR)
		snprintf(d->api, sizeof(d->api), "%s", DK_API_MAX);
	else
		snprintf(d->api, sizeof(d->api), "%d.%d", major, minor);
	log_info("docker: engine API %s, using %s", ver, d->api);
	json_decref(v);
	d->vstate = DK_V_OK;
	dk_flush_queue(d, ST_OK, NULL);
}

static int
dk_ask_version(struct ctr_docker *d)
{
	char url[512];
	int rv;

	snprintf(url, sizeof(url), "%s/version", d->url);
	if ((rv = curlev_req_new(d->cm, "GET", url, &d->vreq)) != ST_OK)
		return rv;
	dk_transport(d, curlev_req_easy(d->vreq));
	if ((rv = curlev_req_send(d->vreq, dk_on_version, d)) != ST_OK) {
		d->vreq = NULL;
		return rv;
	}
	d->vstate = DK_V_ASKING;
	return ST_OK;
}

int
dk_call_start(struct dk_call *k)
{
	struct ctr_docker *d = k->d;
	int rv;

	switch (d->vstate) {
	case DK_V_OLD:
		dk_call_free(k);
		return ST_EIO;
	case DK_V_OK:
		TAILQ_INSERT_TAIL(&d->calls, k, entry);
		if ((rv = dk_call_send(k)) != ST_OK)
			dk_call_drop(k, &d->calls);
		return rv;
	case DK_V_UNKNOWN:
		if ((rv = dk_ask_version(d)) != ST_OK) {
			dk_call_free(k);
			return rv;
		}
		break;
	case DK_V_ASKING:
		break;
	}
	TAILQ_INSERT_TAIL(&d->queued, k, entry);
	return ST_OK;
}

int
dk_call_next(struct dk_call *k, const char *method, const char *path,
    json_t *body)
{
	char *m = strdup(method), *p = strdup(path);
	int rv;

	if (m == NULL || p == NULL) {
		free(m);
		free(p);
		json_decref(body);
		return ST_ENOMEM;
	}
	free(k->method);
	free(k->path);
	k->method = m;
	k->path = p;
	if ((rv = dk_call_json(k, body)) != ST_OK)
		return rv;
	if ((rv = dk_call_send(k)) != ST_OK)
		return rv;
	k->again = 1;
	return ST_OK;
}

static void
dk_free(struct ctr *c)
{
	struct ctr_docker *d = (struct ctr_docker *)c;
	struct dk_call *k;

	/* In-flight requests go with the curlev; their calls go here. */
	curlev_free(d->cm);
	while ((k = TAILQ_FIRST(&d->queued)) != NULL)
		dk_call_drop(k, &d->queued);
	while ((k = TAILQ_FIRST(&d->calls)) != NULL)
		dk_call_drop(k, &d->calls);
	dk_events_free(d);
	free(d->url);
	free(d->unix_path);
	free(d->tls_ca);
	free(d->tls_cert);
	free(d->tls_key);
	free(d->dns_server);
	free(d->dns_search);
	free(d);
}

const struct ctr_ops ctr_docker_ops = {
	.name = "docker",
	.create = dk_create,
	.start = dk_start,
	.stop = dk_stop,
	.kill = dk_kill,
	.restart = dk_restart,
	.remove = dk_remove,
	.inspect = dk_inspect,
	.logs = dk_logs,
	.stats = dk_stats,
	.list = dk_list,
	.wait = dk_wait,
	.exec = dk_exec,
	.image_pull = dk_image_pull,
	.image_tag = dk_image_tag,
	.image_push = dk_image_push,
	.image_list = dk_image_list,
	.image_remove = dk_image_remove,
	.events = dk_events,
	.free = dk_free,
};

static char *
dk_strdup_opt(const char *s, int *fail)
{
	char *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		*fail = 1;
	return p;
}

int
ctr_docker_new(struct event_base *base, const struct ctr_docker_params *p,
    struct ctr **out)
{
	const char *ep = p && p->endpoint ? p->endpoint :
	    "unix:///var/run/docker.sock";
	struct ctr_docker *d;
	int fail = 0, rv;

	*out = NULL;
	if (strncmp(ep, "unix://", 7) != 0 && strncmp(ep, "tcp://", 6) != 0) {
		log_warnx("docker: bad endpoint %s (unix:// or tcp://)", ep);
		return ST_EINVAL;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return ST_ENOMEM;
	d->base.ops = &ctr_docker_ops;
	d->evbase = base;
	TAILQ_INIT(&d->queued);
	TAILQ_INIT(&d->calls);
	if (strncmp(ep, "unix://", 7) == 0) {
		d->unix_path = dk_strdup_opt(ep + 7, &fail);
		d->url = dk_strdup_opt("http://localhost", &fail);
	} else if (asprintf(&d->url, "%s://%s",
	    p->tls_cert || p->tls_ca ? "https" : "http", ep + 6) == -1) {
		d->url = NULL;
		fail = 1;
	}
	if (p != NULL) {
		d->tls_ca = dk_strdup_opt(p->tls_ca, &fail);
		d->tls_cert = dk_strdup_opt(p->tls_cert, &fail);
		d->tls_key = dk_strdup_opt(p->tls_key, &fail);
		d->dns_server = dk_strdup_opt(p->dns_server, &fail);
		d->dns_search = dk_strdup_opt(p->dns_search, &fail);
	}
	if (fail || (d->unix_path != NULL && d->unix_path[0] != '/')) {
		dk_free(&d->base);
		return fail ? ST_ENOMEM : ST_EINVAL;
	}
	if ((rv = curlev_new(base, &d->cm)) != ST_OK) {
		dk_free(&d->base);
		return rv;
	}
	*out = &d->base;
	return ST_OK;
}
