/*
 * fake_ctr.c -- a containerizer whose instances are entries of a table and
 * whose calls are answered when the test drains them (fake_ctr.h).
 */
#include "config.h"

#include <sys/queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "orch/containerizer.h"
#include "util/error.h"
#include "fake_ctr.h"

struct fk_ctr {
	struct ctr base;	/* first: the ctr_*() wrappers find the table */
	struct fake_world *w;
	ctr_event_fn ev;
	void *ev_arg;
	LIST_ENTRY(fk_ctr) entry;
};

enum fk_kind { FK_CREATE, FK_START, FK_STOP, FK_REMOVE, FK_LIST, FK_EVENT };

struct fk_call {
	TAILQ_ENTRY(fk_call) entry;
	enum fk_kind kind;
	struct fk_ctr *c;
	char handle[CTR_HANDLE_MAX];
	struct fake_inst made;	/* what a create makes */
	struct ctr_event ev;	/* what an event says */
	void *cb;
	void *arg;
};

static TAILQ_HEAD(, fk_call) fk_calls = TAILQ_HEAD_INITIALIZER(fk_calls);
static LIST_HEAD(, fk_ctr) fk_ctrs = LIST_HEAD_INITIALIZER(fk_ctrs);

static struct fk_call *
fk_queue(struct fk_ctr *c, enum fk_kind kind, const char *handle, void *cb,
    void *arg)
{
	struct fk_call *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->kind = kind;
	k->c = c;
	snprintf(k->handle, sizeof(k->handle), "%s", handle ? handle : "");
	k->cb = cb;
	k->arg = arg;
	TAILQ_INSERT_TAIL(&fk_calls, k, entry);
	return k;
}

static struct fake_inst *
fk_by_handle(struct fake_world *w, const char *h)
{
	for (size_t i = 0; i < FAKE_INST_MAX; i++)
		if (w->inst[i].used && strcmp(w->inst[i].info.handle, h) == 0)
			return &w->inst[i];
	return NULL;
}

struct fake_inst *
fake_world_find(struct fake_world *w, const char *task_id)
{
	for (size_t i = 0; i < FAKE_INST_MAX; i++)
		if (w->inst[i].used &&
		    strcmp(w->inst[i].info.instance_id, task_id) == 0)
			return &w->inst[i];
	return NULL;
}

int
fake_world_count(const struct fake_world *w, enum ctr_state st)
{
	int n = 0;

	for (size_t i = 0; i < FAKE_INST_MAX; i++)
		n += w->inst[i].used && w->inst[i].info.state == st;
	return n;
}

/* Every driver on w that follows events hears ev, later. */
static void
fk_emit(struct fake_world *w, enum ctr_event_type type,
    const struct fake_inst *in)
{
	struct fk_ctr *c;
	struct fk_call *k;

	LIST_FOREACH(c, &fk_ctrs, entry) {
		if (c->w != w || c->ev == NULL ||
		    (k = fk_queue(c, FK_EVENT, NULL, NULL, NULL)) == NULL)
			continue;
		k->ev.type = type;
		k->ev.info = in->info;
	}
}

static void
fk_stopped(struct fake_world *w, struct fake_inst *in, int exit_code)
{
	if (in->info.state == CTR_S_RUNNING)
		w->running--;
	in->info.state = CTR_S_EXITED;
	in->info.exit_code = exit_code;
}

void
fake_world_exit(struct fake_world *w, struct fake_inst *in, int exit_code,
    int gone)
{
	fk_stopped(w, in, exit_code);
	fk_emit(w, CTR_EV_DIE, in);
	if (gone) {
		fk_emit(w, CTR_EV_DESTROY, in);
		in->used = 0;
	}
}

static struct fake_inst *
fk_slot(struct fake_world *w)
{
	for (size_t i = 0; i < FAKE_INST_MAX; i++)
		if (!w->inst[i].used) {
			memset(&w->inst[i], 0, sizeof(w->inst[i]));
			w->inst[i].used = 1;
			snprintf(w->inst[i].info.handle,
			    sizeof(w->inst[i].info.handle), "h%u",
			    ++w->next_handle);
			return &w->inst[i];
		}
	return NULL;
}

struct fake_inst *
fake_world_orphan(struct fake_world *w, const char *app_id,
    const char *task_id, const char *owner)
{
	struct fake_inst *in = fk_slot(w);

	if (in == NULL)
		return NULL;
	snprintf(in->owner, sizeof(in->owner), "%s", owner);
	snprintf(in->info.app_id, sizeof(in->info.app_id), "%s", app_id);
	snprintf(in->info.instance_id, sizeof(in->info.instance_id), "%s",
	    task_id);
	in->info.state = CTR_S_RUNNING;
	w->running++;
	return in;
}

static void
fk_answer(struct fk_call *k)
{
	struct fake_world *w = k->c->w;
	struct fake_inst *in = fk_by_handle(w, k->handle);
	struct ctr_info infos[FAKE_INST_MAX];
	size_t n = 0;
	int err = ST_OK;

	switch (k->kind) {
	case FK_CREATE:
		if (w->fail_creates > 0) {
			w->fail_creates--;
			((ctr_create_fn)k->cb)(ST_EIO, w->fail_msg, NULL, k->arg);
			return;
		}
		if ((in = fk_slot(w)) == NULL) {
			((ctr_create_fn)k->cb)(ST_EFULL, "world full", NULL,
			    k->arg);
			return;
		}
		k->made.info.state = CTR_S_CREATED;
		memcpy(k->made.info.handle, in->info.handle,
		    sizeof(in->info.handle));
		*in = k->made;
		in->used = 1;
		w->creates++;
		((ctr_create_fn)k->cb)(ST_OK, NULL, in->info.handle, k->arg);
		return;
	case FK_START:
		if (in == NULL) {
			err = ST_ENOTFOUND;
		} else {
			in->info.state = CTR_S_RUNNING;
			if (++w->running > w->max_running)
				w->max_running = w->running;
			w->starts++;
		}
		break;
	case FK_STOP:
		if (in == NULL) {
			err = ST_ENOTFOUND;
		} else {
			if (in->info.state == CTR_S_RUNNING)
				fk_emit(w, CTR_EV_DIE, in);
			fk_stopped(w, in, 143);
			w->stops++;
		}
		break;
	case FK_REMOVE:
		if (in == NULL) {
			err = ST_ENOTFOUND;
		} else {
			fk_stopped(w, in, 137);
			fk_emit(w, CTR_EV_DESTROY, in);
			in->used = 0;
			w->removes++;
		}
		break;
	case FK_LIST:
		/* Only the instances of the owner asked for, as docker does. */
		for (size_t i = 0; i < FAKE_INST_MAX; i++)
			if (w->inst[i].used && w->inst[i].info.app_id[0] &&
			    strcmp(w->inst[i].owner, k->handle) == 0)
				infos[n++] = w->inst[i].info;
		w->lists++;
		((ctr_list_fn)k->cb)(ST_OK, NULL, infos, n, k->arg);
		return;
	case FK_EVENT:
		if (k->c->ev)
			k->c->ev(&k->ev, k->c->ev_arg);
		return;
	}
	((ctr_done_fn)k->cb)(err, err ? "no such instance" : NULL, k->arg);
}

size_t
fake_ctr_pending(void)
{
	struct fk_call *k;
	size_t n = 0;

	TAILQ_FOREACH(k, &fk_calls, entry)
		n++;
	return n;
}

void
fake_ctr_drain(struct event_base *base)
{
	struct fk_call *k;
	int idle = 0;

	/* Two quiet loop turns in a row: nothing is left to happen. */
	while (idle < 2) {
		if ((k = TAILQ_FIRST(&fk_calls)) != NULL) {
			TAILQ_REMOVE(&fk_calls, k, entry);
			fk_answer(k);
			free(k);
			idle = 0;
			continue;
		}
		event_base_loop(base, EVLOOP_NONBLOCK);
		idle += TAILQ_EMPTY(&fk_calls);
	}
}

static int
fk_create(struct ctr *c, const struct ctr_spec *spec, ctr_create_fn cb,
    void *arg)
{
	struct fk_call *k = fk_queue((struct fk_ctr *)c, FK_CREATE, NULL,
	    (void *)cb, arg);
	const char *cmd = json_string_value(json_object_get(spec->app, "cmd"));

	if (k == NULL)
		return ST_ENOMEM;
	snprintf(k->made.info.app_id, sizeof(k->made.info.app_id), "%s",
	    spec->app_id);
	snprintf(k->made.info.instance_id, sizeof(k->made.info.instance_id),
	    "%s", spec->instance_id);
	snprintf(k->made.info.version, sizeof(k->made.info.version), "%s",
	    spec->version);
	snprintf(k->made.cmd, sizeof(k->made.cmd), "%s", cmd ? cmd : "");
	snprintf(k->made.owner, sizeof(k->made.owner), "%s",
	    spec->owner ? spec->owner : "");
	for (size_t i = 0; i < spec->n_env; i++)
		if (strncmp(spec->env[i], "PORT0=", 6) == 0)
			snprintf(k->made.env_port0, sizeof(k->made.env_port0),
			    "%s", spec->env[i] + 6);
	return ST_OK;
}

static int
fk_simple(struct ctr *c, enum fk_kind kind, const char *handle,
    ctr_done_fn cb, void *arg)
{
	return fk_queue((struct fk_ctr *)c, kind, handle, (void *)cb, arg) ?
	    ST_OK : ST_ENOMEM;
}

static int
fk_start(struct ctr *c, const char *h, ctr_done_fn cb, void *arg)
{
	return fk_simple(c, FK_START, h, cb, arg);
}

static int
fk_stop(struct ctr *c, const char *h, int grace_s, ctr_done_fn cb, void *arg)
{
	((struct fk_ctr *)c)->w->last_grace = grace_s;
	return fk_simple(c, FK_STOP, h, cb, arg);
}

static int
fk_remove(struct ctr *c, const char *h, int force, ctr_done_fn cb, void *arg)
{
	return fk_simple(c, FK_REMOVE, h, cb, arg);
}

/* The orchestrator lists by owner: the value rides in the handle. */
static int
fk_list(struct ctr *c, const char *key, const char *value, ctr_list_fn cb,
    void *arg)
{
	if (strcmp(key, CTR_LABEL_OWNER) != 0 || value == NULL)
		return ST_EINVAL;
	return fk_queue((struct fk_ctr *)c, FK_LIST, value, (void *)cb, arg) ?
	    ST_OK : ST_ENOMEM;
}

static int
fk_events(struct ctr *c, ctr_event_fn cb, void *arg)
{
	struct fk_ctr *f = (struct fk_ctr *)c;

	f->ev = cb;
	f->ev_arg = arg;
	return ST_OK;
}

/* A freed driver's calls are never answered, as the interface says. */
static void
fk_free(struct ctr *c)
{
	struct fk_call *k, *next;

	for (k = TAILQ_FIRST(&fk_calls); k != NULL; k = next) {
		next = TAILQ_NEXT(k, entry);
		if (k->c == (struct fk_ctr *)c) {
			TAILQ_REMOVE(&fk_calls, k, entry);
			free(k);
		}
	}
	LIST_REMOVE((struct fk_ctr *)c, entry);
	free(c);
}

static const struct ctr_ops fk_ops = {
	.name = "process",
	.create = fk_create,
	.start = fk_start,
	.stop = fk_stop,
	.remove = fk_remove,
	.list = fk_list,
	.events = fk_events,
	.free = fk_free,
};

struct ctr *
fake_ctr_new(struct fake_world *w)
{
	struct fk_ctr *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->base.ops = &fk_ops;
	c->w = w;
	LIST_INSERT_HEAD(&fk_ctrs, c, entry);
	return &c->base;
}
