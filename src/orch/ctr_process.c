/*
 * ctr_process.c -- the process driver: its table, its instances in memory
 * and the queue that calls every callback later on the loop, never from
 * inside the operation that asked for it.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "orch/ctr_process.h"
#include "orch/ctr_process_int.h"
#include "util/error.h"
#include "util/log.h"

static void cp_free(struct ctr *c);
static int cp_op_inspect(struct ctr *c, const char *handle, ctr_info_fn cb,
    void *arg);
static int cp_op_list(struct ctr *c, const char *key, const char *value,
    ctr_list_fn cb, void *arg);
static int cp_op_events(struct ctr *c, ctr_event_fn cb, void *arg);

static const struct ctr_ops cp_ops = {
	.name = "process",
	.create = cp_op_create,
	.start = cp_op_start,
	.stop = cp_op_stop,
	.kill = cp_op_kill,
	.restart = cp_op_restart,
	.remove = cp_op_remove,
	.inspect = cp_op_inspect,
	.logs = cp_op_logs,
	.stats = cp_op_stats,
	.list = cp_op_list,
	.wait = cp_op_wait,
	.exec = cp_op_exec,
	.events = cp_op_events,
	.free = cp_free,
};

static void
cp_call_free(struct cp_call *call)
{
	free(call->infos);
	free(call->data);
	json_decref(call->json);
	free(call);
}

/*
 * One call per turn, taken off the queue before it runs: a callback may
 * free the driver, and then nothing here touches it again.
 */
static void
cp_drain(evutil_socket_t fd, short what, void *arg)
{
	struct ctr_process *cp = arg;
	struct cp_call *call;
	const char *msg;

	(void)fd;
	(void)what;
	if ((call = TAILQ_FIRST(&cp->calls)) == NULL)
		return;
	TAILQ_REMOVE(&cp->calls, call, entry);
	if (!TAILQ_EMPTY(&cp->calls))
		event_active(cp->drain_ev, EV_TIMEOUT, 0);
	msg = call->msg[0] ? call->msg : NULL;
	switch (call->kind) {
	case CP_C_DONE:
		call->done(call->err, msg, call->arg);
		break;
	case CP_C_CREATE:
		call->create(call->err, msg,
		    call->err == ST_OK ? call->info.handle : NULL, call->arg);
		break;
	case CP_C_INFO:
		call->info_fn(call->err, msg,
		    call->err == ST_OK ? &call->info : NULL, call->arg);
		break;
	case CP_C_LIST:
		call->list(call->err, msg, call->infos, call->n, call->arg);
		break;
	case CP_C_OUTPUT:
		call->output(call->err, msg, call->data ? call->data : "",
		    call->len, call->exit_code, call->arg);
		break;
	case CP_C_JSON:
		call->json_fn(call->err, msg, call->json, call->arg);
		break;
	case CP_C_EVENT: {
		struct ctr_event ev;

		ev.type = call->ev_type;
		ev.info = call->info;
		call->event(&ev, call->arg);
		break;
	}
	}
	cp_call_free(call);
}

static struct cp_call *
cp_call_new(enum cp_call_kind kind, void *arg, int err, const char *msg)
{
	struct cp_call *call;

	if ((call = calloc(1, sizeof(*call))) == NULL)
		return NULL;
	call->kind = kind;
	call->arg = arg;
	call->err = err;
	if (msg != NULL)
		snprintf(call->msg, sizeof(call->msg), "%s", msg);
	return call;
}

static int
cp_call_queue(struct ctr_process *cp, struct cp_call *call)
{
	if (call == NULL) {
		log_errx("ctr_process: a callback is lost (out of memory)");
		return ST_ENOMEM;
	}
	TAILQ_INSERT_TAIL(&cp->calls, call, entry);
	event_active(cp->drain_ev, EV_TIMEOUT, 0);
	return ST_OK;
}

int
cp_defer_done(struct ctr_process *cp, ctr_done_fn cb, void *arg, int err,
    const char *msg)
{
	struct cp_call *call = cp_call_new(CP_C_DONE, arg, err, msg);

	if (call != NULL)
		call->done = cb;
	return cp_call_queue(cp, call);
}

int
cp_defer_create(struct ctr_process *cp, ctr_create_fn cb, void *arg, int err,
    const char *msg, const char *handle)
{
	struct cp_call *call = cp_call_new(CP_C_CREATE, arg, err, msg);

	if (call != NULL) {
		call->create = cb;
		if (handle != NULL)
			snprintf(call->info.handle, sizeof(call->info.handle),
			    "%s", handle);
	}
	return cp_call_queue(cp, call);
}

int
cp_defer_info(struct ctr_process *cp, ctr_info_fn cb, void *arg, int err,
    const char *msg, const struct ctr_info *info)
{
	struct cp_call *call = cp_call_new(CP_C_INFO, arg, err, msg);

	if (call != NULL) {
		call->info_fn = cb;
		if (info != NULL)
			call->info = *info;
	}
	return cp_call_queue(cp, call);
}

int
cp_defer_list(struct ctr_process *cp, ctr_list_fn cb, void *arg,
    struct ctr_info *infos, size_t n)
{
	struct cp_call *call = cp_call_new(CP_C_LIST, arg, ST_OK, NULL);

	if (call == NULL) {
		free(infos);
		return cp_call_queue(cp, NULL);
	}
	call->list = cb;
	call->infos = infos;
	call->n = n;
	return cp_call_queue(cp, call);
}

int
cp_defer_output(struct ctr_process *cp, ctr_output_fn cb, void *arg, int err,
    const char *msg, char *data, size_t len, int exit_code)
{
	struct cp_call *call = cp_call_new(CP_C_OUTPUT, arg, err, msg);

	if (call == NULL) {
		free(data);
		return cp_call_queue(cp, NULL);
	}
	call->output = cb;
	call->data = data;
	call->len = len;
	call->exit_code = exit_code;
	return cp_call_queue(cp, call);
}

int
cp_defer_json(struct ctr_process *cp, ctr_json_fn cb, void *arg, int err,
    const char *msg, json_t *json)
{
	struct cp_call *call = cp_call_new(CP_C_JSON, arg, err, msg);

	if (call == NULL) {
		json_decref(json);
		return cp_call_queue(cp, NULL);
	}
	call->json_fn = cb;
	call->json = json;
	return cp_call_queue(cp, call);
}

void
cp_emit(struct ctr_process *cp, enum ctr_event_type type,
    const struct cp_inst *in)
{
	struct cp_call *call;

	if (cp->ev_cb == NULL)
		return;
	if ((call = cp_call_new(CP_C_EVENT, cp->ev_arg, ST_OK, NULL)) != NULL) {
		call->event = cp->ev_cb;
		call->ev_type = type;
		cp_inst_info(in, &call->info);
	}
	cp_call_queue(cp, call);
}

void
cp_inst_info(const struct cp_inst *in, struct ctr_info *info)
{
	memset(info, 0, sizeof(*info));
	snprintf(info->handle, sizeof(info->handle), "%s", in->id);
	snprintf(info->app_id, sizeof(info->app_id), "%s", in->app_id);
	snprintf(info->instance_id, sizeof(info->instance_id), "%s", in->id);
	snprintf(info->version, sizeof(info->version), "%s", in->version);
	info->state = in->state;
	info->exit_code = in->state == CTR_S_EXITED ? in->exit_code : -1;
	info->oom = in->oom;
	info->pid = in->state == CTR_S_RUNNING ? in->pid : 0;
	info->started_at = in->started_at;
}

struct cp_inst *
cp_inst_new(struct ctr_process *cp, const char *id)
{
	struct cp_inst *in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->cp = cp;
	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->dir, sizeof(in->dir), "%s/%s", cp->dir, id);
	in->pidfd = -1;
	in->exit_code = -1;
	TAILQ_INIT(&in->waiters);
	TAILQ_INSERT_TAIL(&cp->insts, in, entry);
	return in;
}

/* Forget an instance in memory; its process and record are left alone. */
void
cp_inst_free(struct cp_inst *in)
{
	struct cp_waiter *w;

	if (in == NULL)
		return;
	TAILQ_REMOVE(&in->cp->insts, in, entry);
	while ((w = TAILQ_FIRST(&in->waiters)) != NULL) {
		TAILQ_REMOVE(&in->waiters, w, entry);
		free(w);
	}
	if (in->exit_ev != NULL)
		event_free(in->exit_ev);
	if (in->kill_ev != NULL)
		event_free(in->kill_ev);
	if (in->pidfd >= 0)
		close(in->pidfd);
	json_decref(in->launch);
	free(in);
}

struct cp_inst *
cp_inst_find(struct ctr_process *cp, const char *id)
{
	struct cp_inst *in;

	TAILQ_FOREACH(in, &cp->insts, entry)
		if (strcmp(in->id, id) == 0)
			return in;
	return NULL;
}

/* Load and adopt the record of id; NULL when it has none or a bad one. */
static struct cp_inst *
cp_inst_load(struct ctr_process *cp, const char *id)
{
	struct cp_inst *in;
	int err;

	if (!cp_id_valid(id) || (in = cp_inst_new(cp, id)) == NULL)
		return NULL;
	if ((err = cp_record_read(in)) != ST_OK) {
		if (err != ST_ENOTFOUND)
			log_warnx("ctr_process: ignoring the record of %s (%s)",
			    id, st_strerror(err));
		cp_inst_free(in);
		return NULL;
	}
	cp_inst_adopt(in);
	return in;
}

struct cp_inst *
cp_inst_get(struct ctr_process *cp, const char *id)
{
	struct cp_inst *in;

	if (id == NULL)
		return NULL;
	if ((in = cp_inst_find(cp, id)) != NULL)
		return in;
	return cp_inst_load(cp, id);
}

void
cp_inst_scan(struct ctr_process *cp)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir(cp->dir)) == NULL) {
		log_warn("ctr_process: cannot read %s", cp->dir);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && cp_inst_find(cp, de->d_name) == NULL)
			cp_inst_load(cp, de->d_name);
	closedir(d);
}

static int
cp_op_inspect(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	struct ctr_info info;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_info(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance", NULL);
	cp_inst_info(in, &info);
	return cp_defer_info(cp, cb, arg, ST_OK, NULL, &info);
}

static int
cp_label_match(const struct cp_inst *in, const char *key, const char *value)
{
	const char *have;

	if (key == NULL)
		return 1;
	if (strcmp(key, CTR_LABEL_APP) == 0)
		have = in->app_id;
	else if (strcmp(key, CTR_LABEL_INSTANCE) == 0)
		have = in->id;
	else if (strcmp(key, CTR_LABEL_VERSION) == 0)
		have = in->version;
	else if (strcmp(key, CTR_LABEL_OWNER) == 0)
		have = in->owner;
	else
		return 0;
	return value == NULL || strcmp(have, value) == 0;
}

static int
cp_op_list(struct ctr *c, const char *key, const char *value, ctr_list_fn cb,
    void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct ctr_info *infos = NULL, *grown;
	struct cp_inst *in;
	size_t n = 0, cap = 0;

	cp_inst_scan(cp);
	TAILQ_FOREACH(in, &cp->insts, entry) {
		if (!cp_label_match(in, key, value))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((grown = reallocarray(infos, cap,
			    sizeof(*infos))) == NULL) {
				free(infos);
				return ST_ENOMEM;
			}
			infos = grown;
		}
		cp_inst_info(in, &infos[n++]);
	}
	return cp_defer_list(cp, cb, arg, infos, n);
}

static int
cp_op_events(struct ctr *c, ctr_event_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;

	cp->ev_cb = cb;
	cp->ev_arg = arg;
	return ST_OK;
}

static void
cp_free(struct ctr *c)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_call *call;

	if (cp == NULL)
		return;
	cp_exec_free_all(cp);
	while (!TAILQ_EMPTY(&cp->insts))
		cp_inst_free(TAILQ_FIRST(&cp->insts));
	while ((call = TAILQ_FIRST(&cp->calls)) != NULL) {
		TAILQ_REMOVE(&cp->calls, call, entry);
		cp_call_free(call);
	}
	if (cp->drain_ev != NULL)
		event_free(cp->drain_ev);
	free(cp);
}

int
ctr_process_new(struct event_base *base, const char *state_dir,
    struct ctr **out)
{
	struct ctr_process *cp;
	int n;

	*out = NULL;
	if (base == NULL || state_dir == NULL)
		return ST_EINVAL;
	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		return ST_ENOMEM;
	cp->base.ops = &cp_ops;
	cp->evb = base;
	TAILQ_INIT(&cp->insts);
	TAILQ_INIT(&cp->calls);
	TAILQ_INIT(&cp->execs);
	n = snprintf(cp->dir, sizeof(cp->dir), "%s/proc", state_dir);
	if (n < 0 || (size_t)n >= sizeof(cp->dir) - CTR_HANDLE_MAX - 32) {
		free(cp);
		return ST_EINVAL;
	}
	if ((mkdir(state_dir, 0700) == -1 && errno != EEXIST) ||
	    (mkdir(cp->dir, 0700) == -1 && errno != EEXIST)) {
		log_warn("ctr_process: cannot make %s", cp->dir);
		free(cp);
		return ST_EIO;
	}
	if ((cp->drain_ev = event_new(base, -1, 0, cp_drain, cp)) == NULL) {
		free(cp);
		return ST_ENOMEM;
	}
	cp_inst_scan(cp);
	*out = &cp->base;
	return ST_OK;
}
