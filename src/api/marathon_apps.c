/*
 * marathon_apps.c -- the /v2/apps routes: list, create, read, change,
 * delete and restart apps, and read their versions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api/marathon_int.h"
#include "orch/orch.h"
#include "util/error.h"

/* 201 with the AppInfo, and where the new app lives. */
static void
marathon_created(struct marathon_req *r, json_t *app)
{
	const char *id = json_string_value(json_object_get(app, "id"));
	char loc[1024];

	if (id != NULL) {
		snprintf(loc, sizeof(loc), "/v2/apps%s%s", *id == '/' ? "" : "/",
		    id);
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Location", loc);
	}
	marathon_reply(r->req, 201, app);
}

void
marathon_apps_get(struct marathon_req *r)
{
	struct orch_app_filter f;
	struct evkeyval *kv;
	json_t *out = NULL;
	int err;

	memset(&f, 0, sizeof(f));
	f.id = marathon_param(r, "id");
	f.cmd = marathon_param(r, "cmd");
	f.label = marathon_param(r, "label");
	/* embed may be given several times, each naming one thing. */
	TAILQ_FOREACH(kv, &r->query, next) {
		if (strcmp(kv->key, "embed") == 0 &&
		    strcmp(kv->value, "apps.tasks") == 0)
			f.embed_tasks = 1;
	}
	err = orch_apps_json(r->o, &f, &out);
	marathon_answer(r, err, out);
}

void
marathon_apps_post(struct marathon_req *r)
{
	struct orch_error e;
	json_t *body, *out = NULL;
	int err;

	if ((body = marathon_body(r)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	err = orch_app_create(r->o, body, &out, &e);
	if (err != ST_OK) {
		const char *id = json_string_value(json_object_get(body, "id"));

		size_t len = id ? strlen(id) + 2 : 0;

		/* The 409 sentence names the app the body asked for. */
		if (id && (r->id = malloc(len)) != NULL)
			snprintf(r->id, len, "%s%s", *id == '/' ? "" : "/", id);
		marathon_fail(r, err, &e);
	} else {
		orch_error_clear(&e);
		marathon_post_event(r, json_string_value(json_object_get(out,
		    "id")));
		marathon_created(r, out);
	}
	json_decref(body);
}

void
marathon_app_get(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_app_json(r->o, r->id, &out);

	marathon_answer(r, err, out);
}

void
marathon_app_put(struct marathon_req *r)
{
	struct orch_error e;
	json_t *body, *out = NULL;
	int force, partial, created = 0, err;

	if (marathon_flag(r, "force", &force) != 0)
		return;
	/* Marathon's PUT merges like PATCH unless ?partialUpdate=false. */
	partial = r->method == EVHTTP_REQ_PATCH;
	if (!partial && marathon_param(r, "partialUpdate") != NULL) {
		if (marathon_flag(r, "partialUpdate", &partial) != 0)
			return;
	} else if (!partial) {
		partial = 1;
	}
	if ((body = marathon_body(r)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	err = orch_app_update(r->o, r->id, body, partial, force, &created,
	    &out, &e);
	json_decref(body);
	if (err != ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	marathon_post_event(r, r->id);
	if (created)
		marathon_created(r, out);
	else
		marathon_reply(r->req, 200, out);
}

/* A change answered with a deployment result: delete, restart. */
static void
marathon_app_deploy(struct marathon_req *r, int (*fn)(struct orch *,
    const char *, int, json_t **, struct orch_error *))
{
	struct orch_error e;
	json_t *out = NULL;
	int force, err;

	if (marathon_flag(r, "force", &force) != 0)
		return;
	memset(&e, 0, sizeof(e));
	if ((err = fn(r->o, r->id, force, &out, &e)) != ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	marathon_reply(r->req, 200, out);
}

void
marathon_app_delete(struct marathon_req *r)
{
	marathon_app_deploy(r, orch_app_delete);
}

void
marathon_app_restart(struct marathon_req *r)
{
	marathon_app_deploy(r, orch_app_restart);
}

void
marathon_app_versions(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_app_versions_json(r->o, r->id, &out);

	marathon_answer(r, err, out);
}

void
marathon_app_version(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_app_version_json(r->o, r->id, r->sub, &out);

	marathon_answer(r, err, out);
}
