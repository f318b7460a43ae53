/*
 * marathon_tasks.c -- the task routes (/v2/apps/{id}/tasks, /v2/tasks),
 * the deployments and /v2/info.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/marathon_int.h"
#include "orch/orch.h"
#include "util/error.h"

/* Kill ids (NULL: every task of r->id) and answer orch's result as is. */
static void
marathon_kill(struct marathon_req *r, const char *id,
    const char *const *ids, size_t n, int scale, int force)
{
	struct orch_error e;
	json_t *out = NULL;
	int err;

	memset(&e, 0, sizeof(e));
	err = orch_tasks_kill(r->o, id, ids, n, scale, force, &out, &e);
	if (err != ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	marathon_reply(r->req, 200, out);
}

void
marathon_app_tasks_get(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_tasks_json(r->o, r->id, NULL, &out);

	marathon_answer(r, err, out);
}

/* DELETE /v2/apps/{id}/tasks: all of them, or those on ?host=. */
void
marathon_app_tasks_delete(struct marathon_req *r)
{
	const char *host = marathon_param(r, "host");
	const char **ids;
	json_t *list = NULL, *tasks, *t;
	size_t n = 0, i;
	int scale, force, err;

	if (marathon_flag(r, "scale", &scale) != 0 ||
	    marathon_flag(r, "force", &force) != 0)
		return;
	if (host == NULL) {
		marathon_kill(r, r->id, NULL, 0, scale, force);
		return;
	}
	/* orch kills by task id: pick the ids of the tasks on host. */
	if ((err = orch_tasks_json(r->o, r->id, NULL, &list)) != ST_OK) {
		marathon_fail(r, err, NULL);
		return;
	}
	tasks = json_object_get(list, "tasks");
	if ((ids = calloc(json_array_size(tasks) + 1, sizeof(*ids))) == NULL) {
		json_decref(list);
		marathon_fail(r, ST_ENOMEM, NULL);
		return;
	}
	json_array_foreach(tasks, i, t) {
		const char *h = json_string_value(json_object_get(t, "host"));
		const char *tid = json_string_value(json_object_get(t, "id"));

		if (h && tid && strcmp(h, host) == 0)
			ids[n++] = tid;
	}
	if (n == 0 && !scale)
		marathon_reply(r->req, 200, json_pack("{s:[]}", "tasks"));
	else
		marathon_kill(r, r->id, ids, n, scale, force);
	free(ids);
	json_decref(list);
}

/* DELETE /v2/apps/{id}/tasks/{taskId}: {"task": the killed one}. */
void
marathon_app_task_delete(struct marathon_req *r)
{
	const char *ids[1] = { r->sub };
	struct orch_error e;
	json_t *out = NULL, *task;
	int scale, force, wipe, err;

	/* wipe (forget a resident task's volumes) has nothing to act on. */
	if (marathon_flag(r, "scale", &scale) != 0 ||
	    marathon_flag(r, "force", &force) != 0 ||
	    marathon_flag(r, "wipe", &wipe) != 0)
		return;
	if (scale) {
		marathon_kill(r, r->id, ids, 1, scale, force);
		return;
	}
	memset(&e, 0, sizeof(e));
	err = orch_tasks_kill(r->o, r->id, ids, 1, 0, force, &out, &e);
	if (err != ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	task = json_array_get(json_object_get(out, "tasks"), 0);
	if (task == NULL)
		marathon_fail(r, ST_ENOTFOUND, NULL);
	else
		marathon_reply(r->req, 200, json_pack("{s:O}", "task", task));
	json_decref(out);
}

void
marathon_tasks_get(struct marathon_req *r)
{
	json_t *out = NULL;
	int err;

	err = orch_tasks_json(r->o, NULL, marathon_param(r, "status"), &out);
	marathon_answer(r, err, out);
}

/* The ids of {"ids": ["task id", ...]}; *ids points into body. */
static int
marathon_task_ids(const json_t *body, const char ***ids, size_t *n,
    struct orch_error *e)
{
	const json_t *list = json_object_get(body, "ids");
	char path[32] = "/ids";
	const json_t *v;
	size_t i;

	if (json_is_array(list)) {
		*n = json_array_size(list);
		if ((*ids = calloc(*n + 1, sizeof(**ids))) == NULL)
			return ST_ENOMEM;
		json_array_foreach(list, i, v) {
			if (((*ids)[i] = json_string_value(v)) == NULL)
				break;
		}
		if (i == *n)
			return ST_OK;
		free(*ids);
		*ids = NULL;
		snprintf(path, sizeof(path), "/ids/%zu", i);
	}
	e->details = json_pack("[{s:s,s:[s]}]", "path", path, "errors",
	    "expected an array of task id strings");
	return ST_EINVAL;
}

/* POST /v2/tasks/delete: tasks of any app, by id. */
void
marathon_tasks_delete(struct marathon_req *r)
{
	struct orch_error e;
	const char **ids = NULL;
	json_t *body;
	size_t n = 0;
	int scale, force, err;

	if (marathon_flag(r, "scale", &scale) != 0 ||
	    marathon_flag(r, "force", &force) != 0 ||
	    (body = marathon_body(r)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if ((err = marathon_task_ids(body, &ids, &n, &e)) != ST_OK)
		marathon_fail(r, err, &e);
	else
		marathon_kill(r, NULL, ids, n, scale, force);
	free(ids);
	json_decref(body);
}

void
marathon_deployments_get(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_deployments_json(r->o, &out);

	marathon_answer(r, err, out);
}

/* A stadion extension: a client waits for a deployment by its id. */
void
marathon_deployment_get(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_deployment_json(r->o, r->sub, &out);

	marathon_answer(r, err, out);
}

/* Roll back (200 and the new deployment), or with ?force=true cancel (202). */
void
marathon_deployment_delete(struct marathon_req *r)
{
	struct orch_error e;
	json_t *out = NULL;
	int force, err;

	if (marathon_flag(r, "force", &force) != 0)
		return;
	memset(&e, 0, sizeof(e));
	err = orch_deployment_cancel(r->o, r->sub, force, &out, &e);
	if (err != ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	if (force) {
		json_decref(out);
		/* No body; not libevent's default text/html either. */
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Content-Type", "application/json");
		evhttp_send_reply(r->req, 202, "Accepted", NULL);
	} else {
		marathon_reply(r->req, 200, out);
	}
}

static void
marathon_deployment_control(struct marathon_req *r, int pause)
{
	struct orch_error e;
	json_t *out = NULL;
	int err;

	memset(&e, 0, sizeof(e));
	if ((err = orch_deployment_pause(r->o, r->sub, pause, &out, &e)) !=
	    ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	marathon_reply(r->req, 200, out);
}

void
marathon_deployment_pause(struct marathon_req *r)
{
	marathon_deployment_control(r, 1);
}

void
marathon_deployment_resume(struct marathon_req *r)
{
	marathon_deployment_control(r, 0);
}

void
marathon_info(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_info_json(r->o, &out);

	marathon_answer(r, err, out);
}

void
marathon_queue_get(struct marathon_req *r)
{
	json_t *out = NULL;
	int err = orch_queue_json(r->o, &out);

	marathon_answer(r, err, out);
}

/* Marathon answers 204 once the delay is gone. */
void
marathon_queue_delay_delete(struct marathon_req *r)
{
	struct orch_error e;
	int err;

	memset(&e, 0, sizeof(e));
	if ((err = orch_queue_reset(r->o, r->id, &e)) != ST_OK) {
		marathon_fail(r, err, &e);
		return;
	}
	orch_error_clear(&e);
	evhttp_send_reply(r->req, 204, "No Content", NULL);
}
