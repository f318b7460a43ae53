/*
 * fake_orch.c -- every orch_* function of orch/orch.h, recording its
 * arguments and answering what the test canned; linked into API tests
 * instead of the real orchestrator.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/orch.h"
#include "util/error.h"
#include "fake_orch.h"

struct orch {
	int unused;
};

struct fake_orch_state fake_orch;
static struct orch fake_orch_obj;

struct orch *
fake_orch_handle(void)
{
	return &fake_orch_obj;
}

static char *
fake_orch_dup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
fake_orch_forget(void)
{
	struct fake_orch_call *c = &fake_orch.last;

	free(c->id);
	free(c->version);
	free(c->status);
	free(c->filter_id);
	free(c->filter_cmd);
	free(c->filter_label);
	json_decref(c->body);
	json_decref(c->task_ids);
	memset(c, 0, sizeof(*c));
}

void
fake_orch_reset(void)
{
	fake_orch_forget();
	json_decref(fake_orch.canned.out);
	json_decref(fake_orch.canned.details);
	json_decref(fake_orch.canned.deployments);
	memset(&fake_orch, 0, sizeof(fake_orch));
}

void
fake_orch_answer(int ret, json_t *out)
{
	json_decref(fake_orch.canned.out);
	fake_orch.canned.ret = ret;
	fake_orch.canned.out = out;
}

/* Record a call of fn on o with id; the caller fills the rest. */
static struct fake_orch_call *
fake_orch_record(const char *fn, struct orch *o, const char *id)
{
	fake_orch_forget();
	fake_orch.calls++;
	fake_orch.last.fn = fn;
	fake_orch.last.o = o;
	fake_orch.last.id = fake_orch_dup(id);
	return &fake_orch.last;
}

/* The canned answer into *out and e. */
static int
fake_orch_result(json_t **out, struct orch_error *e)
{
	struct fake_orch_canned *k = &fake_orch.canned;

	if (e) {
		memset(e, 0, sizeof(*e));
		if (k->ret != ST_OK && k->message)
			strncpy(e->message, k->message, sizeof(e->message) - 1);
		if (k->ret != ST_OK && k->details)
			e->details = json_deep_copy(k->details);
		if (k->ret != ST_OK && k->deployments)
			e->deployments = json_deep_copy(k->deployments);
	}
	if (k->ret == ST_OK && out)
		*out = k->out ? json_deep_copy(k->out) : NULL;
	return k->ret;
}

void
orch_error_clear(struct orch_error *e)
{
	fake_orch.cleared++;
	json_decref(e->details);
	json_decref(e->deployments);
	e->details = e->deployments = NULL;
}

int
orch_new(struct event_base *base, struct store *st, struct registry *reg,
    const struct orch_params *p, struct orch **out)
{
	(void)base, (void)st, (void)reg, (void)p;
	*out = &fake_orch_obj;
	return ST_OK;
}

int
orch_start(struct orch *o)
{
	fake_orch_record("orch_start", o, NULL);
	return ST_OK;
}

void
orch_free(struct orch *o)
{
	(void)o;
}

int
orch_app_create(struct orch *o, const json_t *body, json_t **out,
    struct orch_error *e)
{
	fake_orch_record("orch_app_create", o, NULL)->body =
	    json_deep_copy(body);
	return fake_orch_result(out, e);
}

int
orch_app_update(struct orch *o, const char *id, const json_t *body,
    int partial, int force, int *created, json_t **out, struct orch_error *e)
{
	struct fake_orch_call *c = fake_orch_record("orch_app_update", o, id);

	c->body = json_deep_copy(body);
	c->partial = partial;
	c->force = force;
	*created = fake_orch.canned.created;
	return fake_orch_result(out, e);
}

int
orch_app_delete(struct orch *o, const char *id, int force, json_t **out,
    struct orch_error *e)
{
	fake_orch_record("orch_app_delete", o, id)->force = force;
	return fake_orch_result(out, e);
}

int
orch_app_restart(struct orch *o, const char *id, int force, json_t **out,
    struct orch_error *e)
{
	fake_orch_record("orch_app_restart", o, id)->force = force;
	return fake_orch_result(out, e);
}

int
orch_apps_json(struct orch *o, const struct orch_app_filter *f, json_t **out)
{
	struct fake_orch_call *c = fake_orch_record("orch_apps_json", o, NULL);

	c->filter_id = fake_orch_dup(f->id);
	c->filter_cmd = fake_orch_dup(f->cmd);
	c->filter_label = fake_orch_dup(f->label);
	c->embed_tasks = f->embed_tasks;
	return fake_orch_result(out, NULL);
}

int
orch_app_json(struct orch *o, const char *id, json_t **out)
{
	fake_orch_record("orch_app_json", o, id);
	return fake_orch_result(out, NULL);
}

int
orch_app_versions_json(struct orch *o, const char *id, json_t **out)
{
	fake_orch_record("orch_app_versions_json", o, id);
	return fake_orch_result(out, NULL);
}

int
orch_app_version_json(struct orch *o, const char *id, const char *version,
    json_t **out)
{
	fake_orch_record("orch_app_version_json", o, id)->version =
	    fake_orch_dup(version);
	return fake_orch_result(out, NULL);
}

int
orch_tasks_json(struct orch *o, const char *id, const char *status,
    json_t **out)
{
	fake_orch_record("orch_tasks_json", o, id)->status =
	    fake_orch_dup(status);
	return fake_orch_result(out, NULL);
}

int
orch_tasks_kill(struct orch *o, const char *id,
    const char *const *task_ids, size_t n, int scale, int force,
    json_t **out, struct orch_error *e)
{
	struct fake_orch_call *c = fake_orch_record("orch_tasks_kill", o, id);

	c->scale = scale;
	c->force = force;
	if (task_ids) {
		c->task_ids = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(c->task_ids,
			    json_string(task_ids[i]));
	}
	return fake_orch_result(out, e);
}

int
orch_deployments_json(struct orch *o, json_t **out)
{
	fake_orch_record("orch_deployments_json", o, NULL);
	return fake_orch_result(out, NULL);
}

int
orch_deployment_json(struct orch *o, const char *id, json_t **out)
{
	fake_orch_record("orch_deployment_json", o, id);
	return fake_orch_result(out, NULL);
}

int
orch_deployment_cancel(struct orch *o, const char *id, int force,
    json_t **out, struct orch_error *e)
{
	fake_orch_record("orch_deployment_cancel", o, id)->force = force;
	return fake_orch_result(out, e);
}

int
orch_deployment_pause(struct orch *o, const char *id, int pause,
    json_t **out, struct orch_error *e)
{
	fake_orch_record(pause ? "orch_deployment_pause" :
	    "orch_deployment_resume", o, id);
	return fake_orch_result(out, e);
}

int
orch_info_json(struct orch *o, json_t **out)
{
	fake_orch_record("orch_info_json", o, NULL);
	return fake_orch_result(out, NULL);
}

int
orch_queue_json(struct orch *o, json_t **out)
{
	fake_orch_record("orch_queue_json", o, NULL);
	return fake_orch_result(out, NULL);
}

int
orch_queue_reset(struct orch *o, const char *id, struct orch_error *e)
{
	fake_orch_record("orch_queue_reset", o, id);
	return fake_orch_result(NULL, e);
}

struct bus *
orch_bus(struct orch *o)
{
	(void)o;
	return NULL;
}
