/*
 * records.c -- GET /v1/records, answered from one read transaction.
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/records.h"
#include "dns/records.h"
#include "util/error.h"
#include "util/log.h"

static const char *
records_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	}
	return "Internal Server Error";
}

/* Send body (its reference is taken; NULL means out of memory). */
static void
records_reply(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	if (buf == NULL || text == NULL) {
		log_warnx("api: out of memory answering %s",
		    evhttp_request_get_uri(req));
		evhttp_send_error(req, 500, NULL);
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
		evhttp_send_reply(req, code, records_reason(code), buf);
	}
	if (buf)
		evbuffer_free(buf);
	free(text);
}

static void
records_message(struct evhttp_request *req, int code, const char *message)
{
	records_reply(req, code, json_pack("{s:s}", "message", message));
}

int
api_records_owns(const char *path)
{
	return path && (strcmp(path, "/v1/records") == 0 ||
	    strcmp(path, "/v1/records/") == 0);
}

void
api_records_handle(struct store *st, struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	struct evkeyvalq params;
	const char *zone;
	char msg[400];
	json_t *out = NULL;
	int err;

	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    "GET, HEAD");
		records_message(req, 405, "Method not allowed");
		return;
	}
	if (st == NULL) {
		records_message(req, 503, "The store is not open");
		return;
	}
	TAILQ_INIT(&params);
	if (q && evhttp_parse_query_str(q, &params) != 0) {
		records_message(req, 400, "Invalid query string");
		return;
	}
	zone = evhttp_find_header(&params, "zone");
	err = dns_records_updated(st, zone, &out);
	switch (err) {
	case ST_OK:
		records_reply(req, 200, out);
		break;
	case ST_EINVAL:
		records_message(req, 400, "Invalid query parameter 'zone'");
		break;
	case ST_ENOTFOUND:
		snprintf(msg, sizeof(msg), "zone '%s' not found",
		    zone ? zone : "");
		records_message(req, 404, msg);
		break;
	default:
		log_errx("api: %s failed (%s)", evhttp_request_get_uri(req),
		    st_strerror(err));
		records_message(req, 500, st_strerror(err));
	}
	evhttp_clear_headers(&params);
}
