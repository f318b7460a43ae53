/*
 * orch_plan.c -- the reconciler. One pass looks at every app and does
 * what brings it closer to its definition: launch missing tasks, stop
 * surplus ones, replace tasks of an older config within the bounds of
 * upgradeStrategy, stop every task of a deleted app, and ends the
 * deployments whose app got where it was sent. Passes run on the loop
 * after anything changed (orch_kick), so they never nest.
 *
 * A task counts as healthy while it runs and its health checks (if any)
 * pass; tasks that do not run yet serve nobody, so they may always be
 * stopped first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "orch/orch_int.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

/* Retry after a launch that found no free port. */
#define OP_NO_PORT_RETRY_S 5.0
/*
 * Launches per pass: a launch forks or asks the engine and commits, so a
 * large scale-up is spread over loop turns and the API and events of the
 * same loop are served in between.
 */
#define OP_LAUNCH_BATCH 8

/*
 * Order of going: tasks that do not run yet first, then by killSelection
 * (YOUNGEST_FIRST: the latest started first). Returns < 0 when x goes
 * before y.
 */
static int
op_kill_order(const struct orch_task *x, const struct orch_task *y,
    int oldest_first)
{
	int c;

	if (orch_task_healthy(x) != orch_task_healthy(y))
		return orch_task_healthy(x) ? 1 : -1;
	c = strcmp(x->started_at[0] ? x->started_at : x->staged_at,
	    y->started_at[0] ? y->started_at : y->staged_at);
	return oldest_first ? c : -c;
}

/*
 * Stop n alive tasks of a, of the current config (cur) or an older one;
 * those that serve drain first.
 */
static void
op_kill(struct orch_app *a, unsigned n, int cur, double drain)
{
	const char *sel = json_string_value(json_object_get(a->def,
	    "killSelection"));
	int oldest = sel && strcmp(sel, "OLDEST_FIRST") == 0;
	struct orch_task *t, *pick;

	while (n-- > 0) {
		pick = NULL;
		TAILQ_FOREACH(t, &a->tasks, entry) {
			if (!orch_task_alive(t) || orch_task_current(t) != cur)
				continue;
			if (pick == NULL || op_kill_order(t, pick, oldest) < 0)
				pick = t;
		}
		if (pick == NULL)
			return;
		log_info("orch: %s: stopping task %s", a->id, pick->id);
		orch_task_retire(pick, drain);
	}
}

/* 1 when every app a depends on runs in full and is not being deployed. */
static int
op_deps_ready(struct orch_app *a)
{
	const json_t *deps = json_object_get(a->def, "dependencies"), *d;
	struct orch_app *b;
	struct orch_task *t;
	json_int_t running;
	size_t i;

	json_array_foreach(deps, i, d) {
		const char *id = json_string_value(d);

		b = id ? orch_app_find(a->o, id) : NULL;
		if (b == NULL || b->def == NULL ||
		    orch_app_deployment(a->o, b->id) != NULL)
			goto wait;
		running = 0;
		TAILQ_FOREACH(t, &b->tasks, entry)
			running += orch_task_healthy(t);
		if (running < json_integer_value(json_object_get(b->def,
		    "instances")))
			goto wait;
	}
	a->waiting_deps = 0;
	return 1;
wait:
	if (!a->waiting_deps)
		log_info("orch: %s waits for its dependency %s", a->id,
		    json_string_value(d));
	a->waiting_deps = 1;
	return 0;
}

/* The driver a's tasks live on: its definition's, or a leftover task's. */
static int
op_synced(struct orch_app *a)
{
	struct orch_task *t;
	struct orch *o = a->o;

	if (a->def)
		return orch_driver(o, orch_app_drv(a->def)) != NULL &&
		    o->drv[orch_app_drv(a->def)].synced;
	TAILQ_FOREACH(t, &a->tasks, entry)
		if (!o->drv[t->drv].synced)
			return 0;
	return 1;
}

struct op_end {
	struct orch *o;
	const char *dep_id;	/* deployment to drop, or NULL */
	const char *service;	/* service to drop (deleted app), or NULL */
};

static int
op_end_txn(struct store_txn *txn, void *arg)
{
	struct op_end *e = arg;
	int err = ST_OK;

	if (e->dep_id)
		err = orch_db_del_deployment(txn, e->dep_id);
	if (err == ST_OK && e->service)
		err = registry_txn_delete(e->o->reg, txn, e->service, NULL);
	return err ? err : store_txn_error(txn);
}

/* The app reached its target: its deployment (if any) is over. */
static int
op_finish(struct orch_app *a, const char *service)
{
	json_t *d = orch_app_deployment(a->o, a->id);
	struct op_end e = { a->o, NULL, service };
	int err;

	if (d == NULL && service == NULL)
		return ST_OK;
	e.dep_id = d ? json_string_value(json_object_get(d, "id")) : NULL;
	err = store_write(a->o->st, op_end_txn, &e);
	registry_txn_end(a->o->reg, err == ST_OK);
	if (err != ST_OK) {
		log_errx("orch: %s: cannot store the end of its deployment (%s)",
		    a->id, st_strerror(err));
		return err;
	}
	if (service)
		orch_event(a->o, "app_terminated_event", json_pack("{s:s}",
		    "appId", a->id));
	if (e.dep_id) {
		log_notice("orch: deployment %s of %s finished", e.dep_id,
		    a->id);
		orch_deployment_event(a->o, d, "deployment_success", NULL);
		json_object_del(a->o->deployments, e.dep_id);
		/* Apps that depend on this one may go on now. */
		orch_kick(a->o);
	}
	return ST_OK;
}

unsigned
orch_plan_wanted(const struct orch_app *a)
{
	const struct orch_task *t;
	json_int_t n;

	if (a->def == NULL)
		return 0;
	n = json_integer_value(json_object_get(a->def, "instances"));
	TAILQ_FOREACH(t, &a->tasks, entry)
		n -= orch_task_alive(t) && orch_task_current(t);
	return n > 0 ? (unsigned)n : 0;
}

/* Tasks that drain: stopped when their time is up, else woken then. */
static void
op_drains(struct orch_app *a, double now, double *wake)
{
	struct orch_task *t, *next;
	double wall = clock_wall(), at;

	for (t = TAILQ_FIRST(&a->tasks); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (t->state != OT_STOPPING || t->op != OP_NONE ||
		    t->drain_until <= 0)
			continue;
		if (t->drain_until <= wall) {
			orch_task_step(t);
			continue;
		}
		at = now + (t->drain_until - wall);
		if (*wake == 0 || at < *wake)
			*wake = at;
	}
}

/* Since when a waits for launches (GET /v2/queue's "since"). */
static void
op_queued(struct orch_app *a, unsigned launch)
{
	if (launch == 0)
		a->queued_since = 0;
	else if (a->queued_since == 0)
		a->queued_since = clock_wall();
}

/*
 * One app; *next_launch gets the earliest delayed launch time, *budget
 * is what is left of this pass's launches.
 */
static void
op_app(struct orch_app *a, double now, double *next_launch,
    unsigned *budget)
{
	struct orch_decision dec;
	struct orch_task *t, *tnext;
	unsigned leftovers = 0;
	int err;

	if (!op_synced(a))
		return;
	op_drains(a, now, next_launch);
	if (a->def == NULL) {
		/* A kill may free the task at once. */
		for (t = TAILQ_FIRST(&a->tasks); t != NULL; t = tnext) {
			tnext = TAILQ_NEXT(t, entry);
			orch_task_kill(t);
		}
		if (TAILQ_EMPTY(&a->tasks) && op_finish(a, a->id) == ST_OK)
			orch_app_forget(a);
		return;
	}
	orch_deploy_decide(a, &dec, next_launch);
	if (a->def == NULL)
		return;
	TAILQ_FOREACH(t, &a->tasks, entry)
		leftovers += !orch_task_alive(t);
	op_kill(a, dec.kill_cur, 1, dec.drain);
	op_kill(a, dec.kill_old, 0, dec.drain);
	op_queued(a, dec.launch);
	if (dec.launch > 0 && a->stopped)
		return;
	if (dec.launch > 0 && op_deps_ready(a)) {
		if (now < a->delay_until) {
			if (*next_launch == 0 || a->delay_until < *next_launch)
				*next_launch = a->delay_until;
			return;
		}
		while (dec.launch-- > 0) {
			if (*budget == 0) {
				orch_kick(a->o);
				return;
			}
			(*budget)--;
			if ((err = orch_task_launch(a, dec.standby)) == ST_OK)
				continue;
			log_warnx("orch: %s: cannot launch a task (%s)", a->id,
			    err == ST_EFULL ? "no free host port in the range" :
			    err == ST_ECONFLICT ? "a required port is taken" :
			    st_strerror(err));
			a->delay_until = now + OP_NO_PORT_RETRY_S;
			if (*next_launch == 0 || a->delay_until < *next_launch)
				*next_launch = a->delay_until;
			return;
		}
		return;
	}
	if (dec.done && dec.launch == 0 && dec.kill_cur == 0 &&
	    dec.kill_old == 0 && leftovers == 0)
		op_finish(a, NULL);
}

void
orch_plan_run(struct orch *o)
{
	struct orch_app *a, *next;
	double now = clock_mono(), next_launch = 0;
	unsigned budget = OP_LAUNCH_BATCH;
	struct timeval tv;

	for (a = TAILQ_FIRST(&o->apps); a != NULL; a = next) {
		next = TAILQ_NEXT(a, entry);
		op_app(a, now, &next_launch, &budget);
	}
	if (next_launch > 0) {
		double d = next_launch - now;

		if (d < 0.001)
			d = 0.001;
		tv.tv_sec = (time_t)d;
		tv.tv_usec = (suseconds_t)((d - (double)tv.tv_sec) * 1e6);
		evtimer_add(o->delay_ev, &tv);
	}
}
