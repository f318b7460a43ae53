/*
 * ctl_http.c -- stadionctl's requests: one blocking libcurl easy transfer
 * per call, JSON in and out, and the server's error bodies made readable.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "ctl/ctl.h"
#include "util/error.h"

/* Far above any real answer: a runaway server must not eat the memory. */
#define CTL_BODY_MAX (64u << 20)
#define CTL_ERROR_TEXT_MAX 200

struct ctl_buf {
	char *data;
	size_t len;
	int too_big;
};

static size_t
ctl_http_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct ctl_buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->len + n > CTL_BODY_MAX) {
		b->too_big = 1;
		return 0;
	}
	if ((p = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	memcpy(p + b->len, ptr, n);
	b->data = p;
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int
ctl_http_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* The details of a Marathon error: [{"path", "errors": [str]}]. */
static void
ctl_http_report_details(const json_t *details)
{
	size_t i, j;
	json_t *d, *e;

	json_array_foreach(details, i, d) {
		const char *path = ctl_str(d, "path", "");
		json_t *errors = json_object_get(d, "errors");

		if (!json_is_array(errors))
			continue;
		json_array_foreach(errors, j, e) {
			if (!json_is_string(e))
				continue;
			if (*path)
				fprintf(stderr, "  %s: %s\n", path,
				    json_string_value(e));
			else
				fprintf(stderr, "  %s\n", json_string_value(e));
		}
	}
}

/*
 * A refused request: Marathon's {"message", "details", "deployments"}, or,
 * from something that is not stadiond, the first line of its text.
 */
static void
ctl_http_report(long status, const struct ctl_buf *b)
{
	json_t *v = NULL, *dep;
	const char *msg = NULL;
	size_t i;

	if (b->len > 0)
		v = json_loadb(b->data, b->len, JSON_DECODE_ANY, NULL);
	if (json_is_object(v))
		msg = ctl_str(v, "message", NULL);
	if (msg) {
		ctl_err("%s", msg);
	} else if (v == NULL && !ctl_http_blank(b->data, b->len)) {
		char text[CTL_ERROR_TEXT_MAX + 1];

		snprintf(text, sizeof(text), "%.*s", (int)strcspn(b->data,
		    "\r\n"), b->data);
		ctl_err("server answered HTTP %ld: %s", status, text);
	} else {
		ctl_err("server answered HTTP %ld", status);
	}
	if (json_is_object(v)) {
		ctl_http_report_details(json_object_get(v, "details"));
		json_array_foreach(json_object_get(v, "deployments"), i, dep)
			fprintf(stderr, "  blocked by deployment %s "
			    "(--force overrides it)\n",
			    ctl_str(dep, "id", "?"));
	}
	json_decref(v);
}

static void
ctl_http_report_transfer(const struct ctl *c, CURLcode rc, const char *why)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		ctl_err("cannot connect to %s (%s); is stadiond running there? "
		    "(--server or STADION_SERVER)", c->server, why);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		ctl_err("no answer from %s within %g s (%s)", c->server,
		    c->timeout, why);
		break;
	default:
		ctl_err("request to %s failed (%s)", c->server, why);
		break;
	}
}

static int
ctl_http_setup(CURL *h, struct curl_slist **hdrs, const char *method,
    const char *url, const char *payload)
{
	*hdrs = curl_slist_append(*hdrs, "Accept: application/json");
	if (*hdrs == NULL)
		return ST_ENOMEM;
	if (payload) {
		struct curl_slist *n;

		n = curl_slist_append(*hdrs, "Content-Type: application/json");
		if (n == NULL)
			return ST_ENOMEM;
		*hdrs = n;
	}
	if (curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT,
	    "stadionctl/" PACKAGE_VERSION) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK)
		return ST_ENOMEM;
	/* A POST without a body still says Content-Length: 0. */
	if (payload || strcmp(method, "POST") == 0) {
		if (curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    payload ? payload : "") != CURLE_OK)
			return ST_ENOMEM;
	}
	return ST_OK;
}

int
ctl_http(struct ctl *c, const char *method, const char *path,
    const json_t *body, long *status, json_t **out)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct ctl_buf b = { NULL, 0, 0 };
	struct curl_slist *hdrs = NULL;
	char *payload = NULL, *url = NULL;
	json_error_t jerr;
	CURLcode rc;
	CURL *h;
	int err = ST_ENOMEM;

	*out = NULL;
	*status = 0;
	if ((h = curl_easy_init()) == NULL)
		return ST_ENOMEM;
	if (body && (payload = json_dumps(body, JSON_COMPACT)) == NULL)
		goto done;
	if ((url = malloc(strlen(c->server) + strlen(path) + 1)) == NULL)
		goto done;
	strcpy(url, c->server);
	strcat(url, path);
	if ((err = ctl_http_setup(h, &hdrs, method, url, payload)) != ST_OK)
		goto done;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_http_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(c->timeout * 1000));
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		if (b.too_big)
			ctl_err("answer from %s is larger than %u octets",
			    c->server, CTL_BODY_MAX);
		else
			ctl_http_report_transfer(c, rc,
			    *errbuf ? errbuf : curl_easy_strerror(rc));
		err = ST_EIO;
		goto done;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (*status < 200 || *status > 299) {
		ctl_http_report(*status, &b);
		err = ST_EIO;
		goto done;
	}
	err = ST_OK;
	if (b.len == 0 || ctl_http_blank(b.data, b.len))
		goto done;
	*out = json_loadb(b.data, b.len, JSON_DECODE_ANY, &jerr);
	if (*out == NULL) {
		ctl_err("%s %s: the answer is not JSON (%s)", method, path,
		    jerr.text);
		err = ST_EFORMAT;
	}
done:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(url);
	free(payload);
	free(b.data);
	return err;
}

int
ctl_path_add(char *buf, size_t size, const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(buf);

	if (keep_slash)
		s += strspn(s, "/");
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int plain = (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~", ch) != NULL || (keep_slash && ch == '/');

		if (len + (plain ? 1 : 3) >= size)
			return ST_ESPACE;
		if (plain) {
			buf[len++] = (char)ch;
		} else {
			buf[len++] = '%';
			buf[len++] = hex[ch >> 4];
			buf[len++] = hex[ch & 15];
		}
	}
	buf[len] = '\0';
	return ST_OK;
}

int
ctl_path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - len)
		return ST_ESPACE;
	return ST_OK;
}

int
ctl_path_query(char *buf, size_t size, const char *name, const char *value)
{
	int err;

	if ((err = ctl_path_fmt(buf, size, "%c%s=", strchr(buf, '?') ? '&' :
	    '?', name)) != ST_OK)
		return err;
	return ctl_path_add(buf, size, value, 0);
}

int
ctl_path_app(char *buf, size_t size, const char *id, const char *suffix)
{
	*buf = '\0';
	if (ctl_path_fmt(buf, size, "/v2/apps/") != ST_OK ||
	    ctl_path_add(buf, size, id, 1) != ST_OK ||
	    (suffix && ctl_path_fmt(buf, size, "%s", suffix) != ST_OK)) {
		ctl_err("app id too long: %.64s...", id);
		return ST_ESPACE;
	}
	return ST_OK;
}

int
ctl_get_view(struct ctl *c, const char *path, json_t **out)
{
	long status;
	int err;

	if ((err = ctl_http(c, "GET", path, NULL, &status, out)) != ST_OK)
		return err;
	if (c->json) {
		ctl_print_json(*out);
		json_decref(*out);
		*out = NULL;
	}
	return ST_OK;
}
