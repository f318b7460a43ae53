/*
 * ctr_process_ops.c -- the process driver's lifecycle: create, start, stop,
 * kill, restart, remove, wait, and what happens when a process ends (seen
 * through its pidfd, whether it is our child or an adopted one).
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "orch/ctr_process_int.h"
#include "util/error.h"
#include "util/log.h"

static void cp_inst_ended(struct cp_inst *in);

static void
cp_exit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	cp_inst_ended(arg);
}

int
cp_inst_watch(struct cp_inst *in)
{
	if ((in->exit_ev = event_new(in->cp->evb, in->pidfd, EV_READ,
	    cp_exit_cb, in)) == NULL || event_add(in->exit_ev, NULL) == -1) {
		log_errx("ctr_process: cannot watch %s (pid %d)", in->id,
		    (int)in->pid);
		return ST_ENOMEM;
	}
	return ST_OK;
}

void
cp_inst_adopt(struct cp_inst *in)
{
	struct cp_pstat ps;

	if (in->state != CTR_S_RUNNING)
		return;
	/*
	 * The pidfd first, then the start time: if they agree, the pidfd is
	 * the instance's process and not one that reused its pid since.
	 */
	if ((in->pidfd = cp_pidfd_open(in->pid)) >= 0 &&
	    cp_pstat_read(in->pid, &ps) == ST_OK &&
	    ps.start_ticks == in->start_ticks && cp_inst_watch(in) == ST_OK) {
		log_info("ctr_process: adopted %s (pid %d)", in->id,
		    (int)in->pid);
		return;
	}
	if (in->pidfd >= 0)
		close(in->pidfd);
	in->pidfd = -1;
	log_info("ctr_process: %s (pid %d) ended while we were away", in->id,
	    (int)in->pid);
	in->state = CTR_S_EXITED;
	in->exit_code = -1;
	cp_record_write(in);
}

/* Signal the instance's process group; the leader through its pidfd. */
static int
cp_inst_signal(struct cp_inst *in, int sig)
{
	int ok;

	ok = syscall(SYS_pidfd_send_signal, in->pidfd, sig, NULL, 0) == 0;
	if (kill(-in->pid, sig) == 0)
		ok = 1;
	return ok ? ST_OK : ST_EIO;
}

/* Remove the instance for good: its directory, cgroup and memory. */
static void
cp_inst_destroy(struct cp_inst *in)
{
	struct cp_waiter *w;

	while ((w = TAILQ_FIRST(&in->waiters)) != NULL) {
		TAILQ_REMOVE(&in->waiters, w, entry);
		if (w->info != NULL)
			cp_defer_info(in->cp, w->info, w->arg, ST_ENOTFOUND,
			    "instance removed", NULL);
		else
			cp_defer_done(in->cp, w->done, w->arg, ST_ENOTFOUND,
			    "instance removed");
		free(w);
	}
	cp_cgroup_remove(in);
	cp_record_remove(in);
	in->state = CTR_S_GONE;
	cp_emit(in->cp, CTR_EV_DESTROY, in);
	cp_inst_free(in);
}

static int
cp_inst_start(struct cp_inst *in, char *msg, size_t msglen)
{
	int err;

	if ((err = cp_spawn(in, msg, msglen)) != ST_OK) {
		log_warnx("ctr_process: cannot start %s (%s)", in->id, msg);
		return err;
	}
	log_info("ctr_process: started %s (pid %d)", in->id, (int)in->pid);
	cp_record_write(in);
	if ((err = cp_inst_watch(in)) != ST_OK) {
		snprintf(msg, msglen, "cannot watch the process");
		return err;
	}
	cp_emit(in->cp, CTR_EV_START, in);
	return ST_OK;
}

static void
cp_inst_ended(struct cp_inst *in)
{
	struct ctr_process *cp = in->cp;
	struct cp_waiters ws;
	struct cp_waiter *w;
	struct ctr_info info;
	char msg[256];
	int err;

	/*
	 * What is left of the group dies with its leader, as in a container.
	 * Only while the pid cannot be another process's: our zombie holds it,
	 * or no process has it (then the group id is still the old group's).
	 */
	if (cp_is_zombie_child(in->pidfd) ||
	    (kill(in->pid, 0) == -1 && errno == ESRCH))
		kill(-in->pid, SIGKILL);
	in->exit_code = cp_reap(in->pidfd);
	event_free(in->exit_ev);
	in->exit_ev = NULL;
	close(in->pidfd);
	in->pidfd = -1;
	if (in->kill_ev != NULL) {
		event_free(in->kill_ev);
		in->kill_ev = NULL;
	}
	in->oom = cp_cgroup_oom(in);
	in->state = CTR_S_EXITED;
	log_info("ctr_process: %s (pid %d) ended with %d", in->id,
	    (int)in->pid, in->exit_code);
	cp_record_write(in);
	cp_emit(cp, CTR_EV_DIE, in);

	TAILQ_INIT(&ws);
	TAILQ_CONCAT(&ws, &in->waiters, entry);
	while ((w = TAILQ_FIRST(&ws)) != NULL) {
		TAILQ_REMOVE(&ws, w, entry);
		if (w->info != NULL) {
			if (in != NULL)
				cp_inst_info(in, &info);
			cp_defer_info(cp, w->info, w->arg,
			    in ? ST_OK : ST_ENOTFOUND, NULL, in ? &info : NULL);
		} else if (in == NULL)
			cp_defer_done(cp, w->done, w->arg, ST_ENOTFOUND,
			    "instance removed");
		else if (w->after == CP_AFTER_REMOVE) {
			cp_inst_destroy(in);
			in = NULL;
			cp_defer_done(cp, w->done, w->arg, ST_OK, NULL);
		} else if (w->after == CP_AFTER_START &&
		    in->state != CTR_S_RUNNING) {
			err = cp_inst_start(in, msg, sizeof(msg));
			cp_defer_done(cp, w->done, w->arg, err,
			    err ? msg : NULL);
		} else
			cp_defer_done(cp, w->done, w->arg, ST_OK, NULL);
		free(w);
	}
}

static int
cp_waiter_add(struct cp_inst *in, enum cp_after after, ctr_done_fn done,
    ctr_info_fn info, void *arg)
{
	struct cp_waiter *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ST_ENOMEM;
	w->after = after;
	w->done = done;
	w->info = info;
	w->arg = arg;
	TAILQ_INSERT_TAIL(&in->waiters, w, entry);
	return ST_OK;
}

static void
cp_kill_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cp_inst *in = arg;

	(void)fd;
	(void)what;
	log_info("ctr_process: %s did not stop in time, killing it", in->id);
	cp_inst_signal(in, SIGKILL);
}

/* SIGTERM now and SIGKILL after grace_s, or SIGKILL at once. */
static int
cp_inst_terminate(struct cp_inst *in, int grace_s)
{
	struct timeval tv;

	if (grace_s <= 0)
		return cp_inst_signal(in, SIGKILL);
	if (in->kill_ev == NULL) {
		if ((in->kill_ev = evtimer_new(in->cp->evb, cp_kill_cb,
		    in)) == NULL)
			return ST_ENOMEM;
		tv.tv_sec = grace_s;
		tv.tv_usec = 0;
		evtimer_add(in->kill_ev, &tv);
	}
	return cp_inst_signal(in, SIGTERM);
}

static json_t *
cp_launch(const struct ctr_spec *spec)
{
	const json_t *app = spec->app, *cmd, *args, *v;
	json_t *l, *env;

	if ((l = json_object()) == NULL)
		return NULL;
	cmd = json_object_get(app, "cmd");
	args = json_object_get(app, "args");
	if (json_string_length(cmd) > 0)
		json_object_set_new(l, "cmd", json_deep_copy(cmd));
	else if (json_array_size(args) > 0)
		json_object_set_new(l, "args", json_deep_copy(args));
	else {
		json_decref(l);
		return NULL;
	}
	if ((env = json_array()) == NULL ||
	    json_object_set_new(l, "env", env) == -1) {
		json_decref(l);
		return NULL;
	}
	for (size_t i = 0; i < spec->n_env; i++)
		json_array_append_new(env, json_string(spec->env[i]));
	if (json_is_number(v = json_object_get(app, "mem")))
		json_object_set_new(l, "mem", json_deep_copy(v));
	if (json_is_number(v = json_object_get(app, "cpus")))
		json_object_set_new(l, "cpus", json_deep_copy(v));
	if (json_is_string(v = json_object_get(app, "user")))
		json_object_set_new(l, "user", json_deep_copy(v));
	return l;
}

int
cp_op_create(struct ctr *c, const struct ctr_spec *spec, ctr_create_fn cb,
    void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	json_t *launch;
	int err;

	if (spec == NULL || !cp_id_valid(spec->instance_id) ||
	    spec->app_id == NULL || strlen(spec->app_id) >= CTR_ID_MAX ||
	    (spec->version && strlen(spec->version) >= CTR_ID_MAX))
		return ST_EINVAL;
	if (cp_inst_get(cp, spec->instance_id) != NULL)
		return cp_defer_create(cp, cb, arg, ST_EEXIST,
		    "instance exists", NULL);
	if ((launch = cp_launch(spec)) == NULL)
		return cp_defer_create(cp, cb, arg, ST_EINVAL,
		    "the app has neither cmd nor args", NULL);
	if ((in = cp_inst_new(cp, spec->instance_id)) == NULL) {
		json_decref(launch);
		return ST_ENOMEM;
	}
	in->launch = launch;
	snprintf(in->app_id, sizeof(in->app_id), "%s", spec->app_id);
	snprintf(in->owner, sizeof(in->owner), "%s",
	    spec->owner ? spec->owner : "");
	snprintf(in->version, sizeof(in->version), "%s",
	    spec->version ? spec->version : "");
	in->state = CTR_S_CREATED;
	if (mkdir(in->dir, 0700) == -1) {
		err = errno == EEXIST ? ST_EEXIST : ST_EIO;
		cp_inst_free(in);
		return cp_defer_create(cp, cb, arg, err,
		    "cannot make the instance directory", NULL);
	}
	if ((err = cp_record_write(in)) != ST_OK) {
		cp_record_remove(in);
		cp_inst_free(in);
		return cp_defer_create(cp, cb, arg, err,
		    "cannot write the record", NULL);
	}
	return cp_defer_create(cp, cb, arg, ST_OK, NULL, in->id);
}

int
cp_op_start(struct ctr *c, const char *handle, ctr_done_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	char msg[256];
	int err;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_done(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance");
	if (in->state == CTR_S_RUNNING)
		return cp_defer_done(cp, cb, arg, ST_OK, NULL);
	err = cp_inst_start(in, msg, sizeof(msg));
	return cp_defer_done(cp, cb, arg, err, err ? msg : NULL);
}

int
cp_op_stop(struct ctr *c, const char *handle, int grace_s, ctr_done_fn cb,
    void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	int err;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_done(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance");
	if (in->state != CTR_S_RUNNING)
		return cp_defer_done(cp, cb, arg, ST_OK, NULL);
	if ((err = cp_waiter_add(in, CP_AFTER_NOTIFY, cb, NULL, arg)) != ST_OK)
		return err;
	cp_inst_terminate(in, grace_s);
	return ST_OK;
}

int
cp_op_kill(struct ctr *c, const char *handle, int sig, ctr_done_fn cb,
    void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_done(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance");
	if (in->state != CTR_S_RUNNING)
		return cp_defer_done(cp, cb, arg, ST_ECONFLICT,
		    "instance is not running");
	if (cp_inst_signal(in, sig) != ST_OK)
		return cp_defer_done(cp, cb, arg, ST_EIO, strerror(errno));
	return cp_defer_done(cp, cb, arg, ST_OK, NULL);
}

int
cp_op_restart(struct ctr *c, const char *handle, int grace_s, ctr_done_fn cb,
    void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	char msg[256];
	int err;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_done(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance");
	if (in->state != CTR_S_RUNNING) {
		err = cp_inst_start(in, msg, sizeof(msg));
		return cp_defer_done(cp, cb, arg, err, err ? msg : NULL);
	}
	if ((err = cp_waiter_add(in, CP_AFTER_START, cb, NULL, arg)) != ST_OK)
		return err;
	cp_inst_terminate(in, grace_s);
	return ST_OK;
}

int
cp_op_remove(struct ctr *c, const char *handle, int force, ctr_done_fn cb,
    void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	int err;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_done(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance");
	if (in->state != CTR_S_RUNNING) {
		cp_inst_destroy(in);
		return cp_defer_done(cp, cb, arg, ST_OK, NULL);
	}
	if (!force)
		return cp_defer_done(cp, cb, arg, ST_ECONFLICT,
		    "instance is running");
	if ((err = cp_waiter_add(in, CP_AFTER_REMOVE, cb, NULL, arg)) != ST_OK)
		return err;
	cp_inst_signal(in, SIGKILL);
	return ST_OK;
}

int
cp_op_wait(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg)
{
	struct ctr_process *cp = (struct ctr_process *)c;
	struct cp_inst *in;
	struct ctr_info info;

	if ((in = cp_inst_get(cp, handle)) == NULL)
		return cp_defer_info(cp, cb, arg, ST_ENOTFOUND,
		    "no such instance", NULL);
	if (in->state == CTR_S_EXITED) {
		cp_inst_info(in, &info);
		return cp_defer_info(cp, cb, arg, ST_OK, NULL, &info);
	}
	return cp_waiter_add(in, CP_AFTER_NOTIFY, NULL, cb, arg);
}
