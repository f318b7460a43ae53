/*
 * ctr_docker_ctr.c -- the container operations of the docker driver.
 *
 * Containers are named stadion-<instance id>, so a second create of the
 * same instance is a 409 instead of a twin. A create that finds no image
 * pulls it (without credentials) and tries again, as "docker run" does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "orch/ctr_docker_int.h"
#include "util/error.h"
#include "util/log.h"

enum { DK_CREATE_PULL_FIRST = 1, DK_CREATE_PULLED };

static void dk_resp_done(struct dk_call *k, int err, const char *msg,
    const char *body, size_t len);

/* One request whose answer is only ok or an error. */
static int
dk_simple(struct ctr *c, const char *method, const char *path,
    ctr_done_fn cb, void *arg)
{
	struct dk_call *k;
	int rv;

	if ((rv = dk_call_new((struct ctr_docker *)c, method, path,
	    dk_resp_done, &k)) != ST_OK)
		return rv;
	k->cb.done = cb;
	k->arg = arg;
	return dk_call_start(k);
}

static void
dk_resp_done(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	k->cb.done(err, msg, k->arg);
}

static int
dk_bad_handle(const char *h)
{
	return h == NULL || h[0] == '\0' || strchr(h, '/') != NULL ||
	    strchr(h, '?') != NULL || strlen(h) >= CTR_HANDLE_MAX;
}

static void
dk_create_resp(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	json_t *v;
	const char *id;
	char path[512];

	if (k->step == DK_CREATE_PULL_FIRST || k->step == DK_CREATE_PULLED) {
		if (err != ST_OK) {
			k->cb.create(err, msg, NULL, k->arg);
			return;
		}
		k->step = 0;
		k->chunk = NULL;
		free(k->auth);
		k->auth = NULL;
		snprintf(path, sizeof(path), "/containers/create?name=%s", k->id);
		if ((err = dk_call_next(k, "POST", path,
		    json_incref(k->json))) != ST_OK)
			k->cb.create(err, "cannot send create", NULL, k->arg);
		return;
	}
	if (err == ST_ENOTFOUND && msg != NULL && strstr(msg, "No such image")) {
		log_info("docker: image %s missing, pulling it", k->image);
		k->step = DK_CREATE_PULLED;
		if ((err = dk_pull_next(k, k->image, NULL)) == ST_OK)
			return;
	}
	if (err != ST_OK) {
		k->cb.create(err, msg, NULL, k->arg);
		return;
	}
	v = json_loadb(body, len, 0, NULL);
	if ((id = json_string_value(json_object_get(v, "Id"))) == NULL)
		k->cb.create(ST_EFORMAT, "docker create: no Id in the answer",
		    NULL, k->arg);
	else
		k->cb.create(ST_OK, NULL, id, k->arg);
	json_decref(v);
}

int
dk_create(struct ctr *c, const struct ctr_spec *spec, ctr_create_fn cb,
    void *arg)
{
	struct ctr_docker *d = (struct ctr_docker *)c;
	struct ctr_docker_params p = { .dns_server = d->dns_server,
	    .dns_search = d->dns_search };
	struct dk_call *k;
	json_t *body;
	char path[512];
	size_t i;
	int rv;

	if ((rv = ctr_docker_create_body(spec, &p, &body)) != ST_OK)
		return rv;
	if ((rv = dk_call_new(d, "POST", "", dk_create_resp, &k)) != ST_OK) {
		json_decref(body);
		return rv;
	}
	snprintf(k->id, sizeof(k->id), "stadion-%s", spec->instance_id);
	/* Docker names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	for (i = 8; k->id[i] != '\0'; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", k->id[i]))
			k->id[i] = '_';
	k->json = body;
	k->image = strdup(json_string_value(json_object_get(body, "Image")));
	k->cb.create = cb;
	k->arg = arg;
	if (k->image == NULL) {
		dk_call_discard(k);
		return ST_ENOMEM;
	}
	if (json_is_true(json_object_get(json_object_get(json_object_get(
	    spec->app, "container"), "docker"), "forcePullImage"))) {
		k->step = DK_CREATE_PULL_FIRST;
		rv = dk_pull_prepare(k, k->image, NULL);
	} else {
		snprintf(path, sizeof(path), "/containers/create?name=%s", k->id);
		free(k->path);
		if ((k->path = strdup(path)) == NULL)
			rv = ST_ENOMEM;
		else
			rv = dk_call_json(k, json_incref(body));
	}
	if (rv != ST_OK) {
		dk_call_discard(k);
		return rv;
	}
	return dk_call_start(k);
}

int
dk_start(struct ctr *c, const char *h, ctr_done_fn cb, void *arg)
{
	char path[256];

	if (dk_bad_handle(h))
		return ST_EINVAL;
	snprintf(path, sizeof(path), "/containers/%s/start", h);
	return dk_simple(c, "POST", path, cb, arg);
}

int
dk_stop(struct ctr *c, const char *h, int grace_s, ctr_done_fn cb, void *arg)
{
	char path[256];

	if (dk_bad_handle(h))
		return ST_EINVAL;
	snprintf(path, sizeof(path), "/containers/%s/stop?t=%d", h, grace_s);
	return dk_simple(c, "POST", path, cb, arg);
}

int
dk_kill(struct ctr *c, const char *h, int sig, ctr_done_fn cb, void *arg)
{
	char path[256];

	if (dk_bad_handle(h))
		return ST_EINVAL;
	snprintf(path, sizeof(path), "/containers/%s/kill?signal=%d", h, sig);
	return dk_simple(c, "POST", path, cb, arg);
}

int
dk_restart(struct ctr *c, const char *h, int grace_s, ctr_done_fn cb,
    void *arg)
{
	char path[256];

	if (dk_bad_handle(h))
		return ST_EINVAL;
	snprintf(path, sizeof(path), "/containers/%s/restart?t=%d", h, grace_s);
	return dk_simple(c, "POST", path, cb, arg);
}

int
dk_remove(struct ctr *c, const char *h, int force, ctr_done_fn cb, void *arg)
{
	char path[256];

	if (dk_bad_handle(h))
		return ST_EINVAL;
	snprintf(path, sizeof(path), "/containers/%s?force=%d&v=1", h,
	    force ? 1 : 0);
	return dk_simple(c, "DELETE", path, cb, arg);
}

/* "2026-11-23T15:07:34.123456789Z"; docker's zero time is year 1. */
static time_t
dk_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL ||
	    tm.tm_year < 70)
		return 0;
	return timegm(&tm);
}

static enum ctr_state
dk_state(const char *s)
{
	if (s == NULL)
		return CTR_S_GONE;
	if (strcmp(s, "created") == 0)
		return CTR_S_CREATED;
	if (strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 ||
	    strcmp(s, "restarting") == 0)
		return CTR_S_RUNNING;
	if (strcmp(s, "exited") == 0 || strcmp(s, "dead") == 0)
		return CTR_S_EXITED;
	return CTR_S_GONE;
}

static void
dk_inspect_info(const json_t *v, struct ctr_info *info)
{
	const json_t *st = json_object_get(v, "State");
	const char *id = json_string_value(json_object_get(v, "Id"));

	memset(info, 0, sizeof(*info));
	snprintf(info->handle, sizeof(info->handle), "%s", id ? id : "");
	dk_info_labels(info, json_object_get(json_object_get(v, "Config"),
	    "Labels"));
	info->state = dk_state(json_string_value(json_object_get(st,
	    "Status")));
	info->exit_code = info->state == CTR_S_EXITED ?
	    (int)json_integer_value(json_object_get(st, "ExitCode")) : -1;
	info->oom = json_is_true(json_object_get(st, "OOMKilled"));
	info->pid = json_integer_value(json_object_get(st, "Pid"));
	info->started_at = dk_time(json_string_value(json_object_get(st,
	    "StartedAt")));
}

static void
dk_inspect_resp(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	struct ctr_info info;
	json_t *v;
	char path[256];

	if (err == ST_OK && k->step == 1) {
		/* wait answered: the exit is in, now the whole state */
		k->step = 0;
		snprintf(path, sizeof(path), "/containers/%s/json", k->id);
		if ((err = dk_call_next(k, "GET", path, NULL)) == ST_OK)
			return;
		msg = "cannot send inspect";
	}
	if (err != ST_OK) {
		k->cb.info(err, msg, NULL, k->arg);
		return;
	}
	if ((v = json_loadb(body, len, 0, NULL)) == NULL) {
		k->cb.info(ST_EFORMAT, "docker: bad inspect answer", NULL,
		    k->arg);
		return;
	}
	dk_inspect_info(v, &info);
	json_decref(v);
	k->cb.info(ST_OK, NULL, &info, k->arg);
}

static int
dk_info_call(struct ctr *c, const char *h, int wait, ctr_info_fn cb,
    void *arg)
{
	struct dk_call *k;
	char path[256];
	int rv;

	if (dk_bad_handle(h))
		return ST_EINVAL;
	if (wait)
		snprintf(path, sizeof(path), "/containers/%s/wait", h);
	else
		snprintf(path, sizeof(path), "/containers/%s/json", h);
	if ((rv = dk_call_new((struct ctr_docker *)c, wait ? "POST" : "GET",
	    path, dk_inspect_resp, &k)) != ST_OK)
		return rv;
	snprintf(k->id, sizeof(k->id), "%s", h);
	k->step = wait;
	k->cb.info = cb;
	k->arg = arg;
	return dk_call_start(k);
}

int
dk_inspect(struct ctr *c, const char *h, ctr_info_fn cb, void *arg)
{
	return dk_info_call(c, h, 0, cb, arg);
}

int
dk_wait(struct ctr *c, const char *h, ctr_info_fn cb, void *arg)
{
	return dk_info_call(c, h, 1, cb, arg);
}

static void
dk_list_resp(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	struct ctr_info *infos;
	json_t *v, *e;
	size_t i, n;
	const char *status, *id;

	if (err != ST_OK) {
		k->cb.list(err, msg, NULL, 0, k->arg);
		return;
	}
	v = json_loadb(body, len, 0, NULL);
	n = json_array_size(v);
	if ((infos = calloc(n ? n : 1, sizeof(*infos))) == NULL) {
		json_decref(v);
		k->cb.list(ST_ENOMEM, "out of memory", NULL, 0, k->arg);
		return;
	}
	json_array_foreach(v, i, e) {
		id = json_string_value(json_object_get(e, "Id"));
		snprintf(infos[i].handle, sizeof(infos[i].handle), "%s",
		    id ? id : "");
		dk_info_labels(&infos[i], json_object_get(e, "Labels"));
		infos[i].state = dk_state(json_string_value(json_object_get(e,
		    "State")));
		infos[i].exit_code = -1;
		status = json_string_value(json_object_get(e, "Status"));
		if (infos[i].state == CTR_S_EXITED && status != NULL)
			sscanf(status, "Exited (%d)", &infos[i].exit_code);
		infos[i].started_at = 0;
	}
	json_decref(v);
	k->cb.list(ST_OK, NULL, infos, n, k->arg);
	free(infos);
}

int
dk_list(struct ctr *c, const char *key, const char *value, ctr_list_fn cb,
    void *arg)
{
	struct dk_call *k;
	json_t *f;
	char *text = NULL, *esc = NULL, *path = NULL, *lab = NULL;
	int rv = ST_ENOMEM;

	if (value != NULL)
		rv = asprintf(&lab, "%s=%s", key, value) == -1 ? ST_ENOMEM :
		    ST_OK;
	else
		rv = (lab = strdup(key)) == NULL ? ST_ENOMEM : ST_OK;
	if (rv != ST_OK)
		return rv;
	f = json_pack("{s:[s,s]}", "label", CTR_LABEL_APP, lab);
	free(lab);
	if (f != NULL)
		text = json_dumps(f, JSON_COMPACT);
	json_decref(f);
	if (text != NULL)
		esc = dk_escape(text);
	free(text);
	if (esc == NULL || asprintf(&path, "/containers/json?all=1&filters=%s",
	    esc) == -1) {
		free(esc);
		return ST_ENOMEM;
	}
	free(esc);
	rv = dk_call_new((struct ctr_docker *)c, "GET", path, dk_list_resp, &k);
	free(path);
	if (rv != ST_OK)
		return rv;
	k->cb.list = cb;
	k->arg = arg;
	return dk_call_start(k);
}

static void
dk_stats_resp(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	json_t *v, *out;

	if (err != ST_OK) {
		k->cb.json(err, msg, NULL, k->arg);
		return;
	}
	v = json_loadb(body, len, 0, NULL);
	out = json_pack("{s:f,s:I,s:I,s:I}", "cpu_seconds",
	    (double)json_integer_value(json_object_get(json_object_get(
	    json_object_get(v, "cpu_stats"), "cpu_usage"), "total_usage")) /
	    1e9,
	    "mem_bytes", json_integer_value(json_object_get(json_object_get(v,
	    "memory_stats"), "usage")),
	    "mem_limit_bytes", json_integer_value(json_object_get(
	    json_object_get(v, "memory_stats"), "limit")),
	    "pids", json_integer_value(json_object_get(json_object_get(v,
	    "pids_stats"), "current")));
	json_decref(v);
	if (out == NULL)
		k->cb.json(ST_ENOMEM, "out of memory", NULL, k->arg);
	else
		k->cb.json(ST_OK, NULL, out, k->arg);
	json_decref(out);
}

int
dk_stats(struct ctr *c, const char *h, ctr_json_fn cb, void *arg)
{
	struct dk_call *k;
	char path[256];
	int rv;

	if (dk_bad_handle(h))
		return ST_EINVAL;
	snprintf(path, sizeof(path), "/containers/%s/stats?stream=false", h);
	if ((rv = dk_call_new((struct ctr_docker *)c, "GET", path,
	    dk_stats_resp, &k)) != ST_OK)
		return rv;
	k->cb.json = cb;
	k->arg = arg;
	return dk_call_start(k);
}
