/*
 * orch_deploy.c -- how a deployment replaces an app's instances: the
 * strategies of upgradeStrategy (RollingUpdate, BlueGreen, Canary) and
 * the rollback, one reconcile pass at a time.
 *
 * A pass decides from the app's tasks and the deployment's progress,
 * which is stored in the deployment record (so a restarted stadiond goes
 * on where it was): the current step, a canary's weight, a blue-green
 * phase, a batch target, failures and the time of the last progress.
 * What a pass decides is carried out by orch_plan.c; the moves that
 * change several tasks at once (a blue-green switch, canary weights) are
 * one write transaction here, so DNS never shows half of them.
 *
 * A deployment fails when its new instances failed failureThreshold
 * times, or made no progress for progressDeadlineSeconds, or a canary
 * step's error rate was too high; with autoRollback (the default) the
 * version before comes back, restored to full strength before the new
 * instances go.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/deploy.h"
#include "orch/orch_int.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

/* The app's tasks by config and what they do now. */
struct od_counts {
	unsigned cur, old;	/* alive */
	unsigned cur_serve, old_serve;	/* in DNS and healthy */
	unsigned cur_ready;	/* healthy, standby or not */
	unsigned cur_standby;	/* alive and held out of DNS */
	unsigned going;		/* draining, stopping, being removed */
};

const json_t *
orch_app_strategy(const struct orch_app *a)
{
	return json_object_get(a->def, "upgradeStrategy");
}

json_int_t
orch_jint(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

double
orch_jnum(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static void
od_count(const struct orch_app *a, struct od_counts *k)
{
	const struct orch_task *t;

	memset(k, 0, sizeof(*k));
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (!orch_task_alive(t)) {
			k->going++;
			continue;
		}
		if (orch_task_current(t)) {
			k->cur++;
			k->cur_serve += orch_task_serving(t);
			k->cur_ready += orch_task_healthy(t);
			k->cur_standby += t->standby;
		} else {
			k->old++;
			k->old_serve += orch_task_serving(t);
		}
	}
}

double
orch_deploy_drain(const struct orch_app *a)
{
	const json_t *v = json_object_get(orch_app_strategy(a), "drainSeconds");

	/*
	 * A resolver may hold the records a TTL; one more second for the
	 * requests in flight.
	 */
	return v ? (double)json_integer_value(v) : (double)a->o->ttl + 1.0;
}

/* One step of the plan: one action with what it does in words. */
static json_t *
od_step(const char *action, const char *app, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
od_step(const char *action, const char *app, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return json_pack("{s:[{s:s,s:s,s:[],s:s}]}", "actions", "action",
	    action, "app", app, "readinessCheckResults", "description", text);
}

static json_t *
od_steps(const char *app, const json_t *def, const char *type)
{
	const json_t *us = json_object_get(def, "upgradeStrategy"), *s;
	unsigned n = (unsigned)orch_jint(def, "instances"), b, k;
	struct deploy_limits lim;
	json_t *steps = json_array();
	size_t i;

	if (steps == NULL)
		return NULL;
	deploy_limits(us, n, &lim);
	if (strcmp(type, "Rollback") == 0) {
		json_array_append_new(steps, od_step("RestartApplication", app,
		    "roll back: the previous version to full strength, then "
		    "the new instances stop"));
	} else if (strcmp(type, "BlueGreen") == 0) {
		json_array_append_new(steps, od_step("StartApplication", app,
		    "start %u new instances beside the old, out of DNS", n));
		json_array_append_new(steps, od_step("RestartApplication", app,
		    "switch DNS to the new instances once all are healthy"));
		json_array_append_new(steps, od_step("StopApplication", app,
		    "stop the old instances after %d s",
		    (int)orch_jint(us, "scaleDownDelaySeconds")));
	} else if (strcmp(type, "Canary") == 0) {
		json_array_foreach(json_object_get(us, "steps"), i, s) {
			const json_t *p = json_object_get(s, "pause");

			if (p == NULL)
				json_array_append_new(steps, od_step(
				    "RestartApplication", app, "setWeight %d: "
				    "%u of %u instances new", (int)orch_jint(s,
				    "setWeight"), deploy_canary_target(n,
				    (unsigned)orch_jint(s, "setWeight")), n));
			else if (json_object_get(p, "duration"))
				json_array_append_new(steps, od_step(
				    "ReadinessCheck", app, "pause %d s",
				    (int)orch_jint(p, "duration")));
			else
				json_array_append_new(steps, od_step(
				    "ReadinessCheck", app, "pause until "
				    "resumed"));
		}
		json_array_append_new(steps, od_step("RestartApplication", app,
		    "setWeight 100: all %u instances new", n));
	} else if ((b = deploy_batch(us, n)) > 0) {
		k = (n + b - 1) / b;
		for (unsigned j = 1; j <= k; j++)
			json_array_append_new(steps, od_step(
			    "RestartApplication", app, "batch %u of %u: up to "
			    "%u instances new", j, k, j * b < n ? j * b : n));
	} else {
		json_array_append_new(steps, od_step("RestartApplication", app,
		    "rolling update: at most %u extra, %u unavailable",
		    lim.surge, lim.unavailable));
	}
	return steps;
}

int
orch_deploy_init(json_t *d, const char *app, const json_t *def,
    const char *type)
{
	json_t *steps = od_steps(app, def, type);
	double now = clock_wall();

	if (steps == NULL || json_array_size(steps) == 0 ||
	    json_object_set(d, "currentActions", json_object_get(
	    json_array_get(steps, 0), "actions")) ||
	    json_object_set_new(d, "steps", steps) ||
	    json_object_set_new(d, "currentStep", json_integer(1)) ||
	    json_object_set_new(d, "totalSteps", json_integer((json_int_t)
	    json_array_size(steps))) ||
	    json_object_set_new(d, "strategy", json_string(type)) ||
	    json_object_set_new(d, "paused", json_false()) ||
	    json_object_set_new(d, "failures", json_integer(0)) ||
	    json_object_set_new(d, "progressAt", json_real(now)) ||
	    json_object_set_new(d, "stepAt", json_real(now)))
		return ST_ENOMEM;
	return ST_OK;
}

struct od_put {
	const json_t *d;
};

static int
od_put_txn(struct store_txn *txn, void *arg)
{
	struct od_put *p = arg;
	int err = orch_db_put_deployment(txn, p->d);

	return err ? err : store_txn_error(txn);
}

/*
 * Store d changed by the members of set (taken); memory follows the
 * commit. Returns the deployment now in memory (d itself on failure).
 */
static json_t *
od_update(struct orch *o, json_t *d, json_t *set)
{
	json_t *next = json_deep_copy(d);
	struct od_put p = { next };
	const char *id = json_string_value(json_object_get(d, "id"));
	int err = ST_ENOMEM;

	if (next && set && json_object_update(next, set) == 0)
		err = store_write(o->st, od_put_txn, &p);
	json_decref(set);
	if (err != ST_OK) {
		log_errx("orch: deployment %s: cannot store its progress (%s)",
		    id, st_strerror(err));
		json_decref(next);
		return d;
	}
	json_object_set_new(o->deployments, id, next);
	return next;
}

/* Steps before step (1-based) are done: their events, the next one's. */
static json_t *
od_goto_step(struct orch_app *a, json_t *d, json_int_t step, json_t *set)
{
	json_int_t cur = orch_jint(d, "currentStep");
	json_int_t total = orch_jint(d, "totalSteps");
	const json_t *steps = json_object_get(d, "steps");

	if (step > total)
		step = total;
	if (set == NULL)
		set = json_object();
	if (set == NULL || step <= cur)
		return od_update(a->o, d, set);
	json_object_set_new(set, "currentStep", json_integer(step));
	json_object_set(set, "currentActions", json_object_get(
	    json_array_get(steps, (size_t)step - 1), "actions"));
	json_object_set_new(set, "stepAt", json_real(clock_wall()));
	json_object_set_new(set, "progressAt", json_real(clock_wall()));
	for (json_int_t s = cur; s < step; s++)
		orch_deployment_step_event(a->o, d, s, "deployment_step_success");
	d = od_update(a->o, d, set);
	log_info("orch: deployment %s of %s: step %d of %d",
	    json_string_value(json_object_get(d, "id")), a->id, (int)step,
	    (int)total);
	orch_deployment_event(a->o, d, "deployment_info", NULL);
	return d;
}

/*
 * The deployment failed: roll back when it may (autoRollback, a version
 * to go back to, not a rollback itself), else end it as failed.
 */
static void
od_fail(struct orch_app *a, json_t *d, const char *reason)
{
	const char *type = json_string_value(json_object_get(d, "strategy"));

	log_warnx("orch: deployment %s of %s failed: %s",
	    json_string_value(json_object_get(d, "id")), a->id, reason);
	if (json_is_true(json_object_get(orch_app_strategy(a), "autoRollback")) &&
	    json_is_object(json_object_get(d, "original")) &&
	    strcmp(type, "Rollback") != 0 &&
	    orch_rollback(a, d, reason) == ST_OK)
		return;
	orch_deployment_end(a->o, d, reason);
}

/* Wake a pass at wall time at (if earlier than what *wake holds). */
static void
od_wake(double at, double now, double *wake)
{
	double m = clock_mono() + (at - now);

	if (*wake == 0 || m < *wake)
		*wake = m;
}

/*
 * Failures of the new instances (1: the deployment failed), and progress:
 * more of them ready than ever before in this deployment.
 */
static int
od_judge(struct orch_app *a, json_t **dp, const struct od_counts *k,
    double now)
{
	json_t *d = *dp;
	json_int_t limit = orch_jint(orch_app_strategy(a), "failureThreshold");
	char why[160];

	if (limit > 0 && orch_jint(d, "failures") >= limit) {
		snprintf(why, sizeof(why), "%d new instances failed (the "
		    "failureThreshold)", (int)orch_jint(d, "failures"));
		od_fail(a, d, why);
		return 1;
	}
	if ((json_int_t)k->cur_ready > orch_jint(d, "progressCount"))
		*dp = od_update(a->o, d, json_pack("{s:I,s:f}", "progressCount",
		    (json_int_t)k->cur_ready, "progressAt", now));
	return 0;
}

/*
 * The deadline runs while the deployment waits for instances, not while
 * it holds on a timer of its own (a pause, a batch interval, the
 * scale-down delay). Returns 1 when it passed (the deployment failed).
 */
static int
od_deadline(struct orch_app *a, const char *id, int waiting, double now,
    double *wake)
{
	json_t *d = orch_app_deployment(a->o, a->id);
	json_int_t limit = orch_jint(orch_app_strategy(a),
	    "progressDeadlineSeconds");
	double at;
	char why[160];

	/* Ended or replaced (a rollback) during the pass: not this one's. */
	if (d == NULL || strcmp(json_string_value(json_object_get(d, "id")),
	    id) != 0 || limit <= 0)
		return 0;
	if (!waiting) {
		/* Held: the deadline starts again when the hold ends. */
		if (now - orch_jnum(d, "progressAt") >= 1)
			od_update(a->o, d, json_pack("{s:f}", "progressAt", now));
		return 0;
	}
	at = orch_jnum(d, "progressAt") + (double)limit;
	if (now <= at) {
		od_wake(at + 0.01, now, wake);
		return 0;
	}
	snprintf(why, sizeof(why), "no progress for %d s (the "
	    "progressDeadlineSeconds)", (int)limit);
	od_fail(a, d, why);
	return 1;
}


/*
 * Per-task SRV weights: during a canary step of weight w the new tasks
 * in DNS share w% of the answers; otherwise every task weighs 1. Changed
 * weights are one transaction.
 */
/* Room for a write of each of a's tasks; NULL when out of memory. */
static struct orch_write *
od_writes(const struct orch_app *a)
{
	const struct orch_task *t;
	size_t max = 1;

	TAILQ_FOREACH(t, &a->tasks, entry)
		max++;
	return calloc(max, sizeof(struct orch_write));
}

/* The SRV weight t should have; 0 when it is not in DNS. */
static unsigned
od_weight_of(const struct orch_task *t, unsigned w_new, unsigned w_old)
{
	if (t->state != OT_RUNNING || t->kill)
		return 0;
	return orch_task_current(t) ? w_new : w_old;
}

static void
od_weights(struct orch_app *a, unsigned w, const struct od_counts *k)
{
	struct orch_write *ws;
	struct orch_task *t;
	unsigned w_new, w_old, want;
	size_t n = 0;

	deploy_canary_weights(w, k->cur_serve, k->old_serve, &w_new, &w_old);
	/* Every pass of every app comes here: allocate only for a change. */
	TAILQ_FOREACH(t, &a->tasks, entry)
		if ((want = od_weight_of(t, w_new, w_old)) != 0 &&
		    (t->weight ? t->weight : 1) != want)
			break;
	if (t == NULL || (ws = od_writes(a)) == NULL)
		return;
	TAILQ_FOREACH(t, &a->tasks, entry) {
		want = od_weight_of(t, w_new, w_old);
		if (want == 0 || (t->weight ? t->weight : 1) == want)
			continue;
		ws[n].t = t;
		ws[n].next = *t;
		ws[n].next.weight = want;
		ws[n].what = W_PUT | W_PUBLISH;
		n++;
	}
	if (orch_tasks_write(ws, n) == ST_OK)
		log_info("orch: %s: new instances weigh %u, old %u in DNS",
		    a->id, w_new, w_old);
	free(ws);
}

/*
 * Switch DNS in one transaction: the current config's tasks that stand
 * by go in, the others that serve stand by (out of DNS, still running).
 */
static int
od_switch(struct orch_app *a)
{
	struct orch_write *ws;
	struct orch_task *t;
	size_t n = 0;
	int err;

	if ((ws = od_writes(a)) == NULL)
		return ST_ENOMEM;
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (!orch_task_alive(t) || t->state != OT_RUNNING ||
		    (!t->standby) == orch_task_current(t))
			continue;
		ws[n].t = t;
		ws[n].next = *t;
		ws[n].next.standby = !orch_task_current(t);
		/* Out of DNS now: resolvers may still send to it a while. */
		ws[n].next.drain_until = ws[n].next.standby ? clock_wall() +
		    orch_deploy_drain(a) : 0;
		ws[n].what = W_PUT | W_PUBLISH;
		n++;
	}
	err = orch_tasks_write(ws, n);
	free(ws);
	if (err == ST_OK)
		log_notice("orch: %s: DNS switched to the new instances", a->id);
	return err;
}

static void
od_counts_to(const struct orch_app *a, const struct od_counts *k,
    unsigned target, int rollback, struct orch_decision *out)
{
	struct deploy_in in;
	struct deploy_out o;

	memset(&in, 0, sizeof(in));
	in.n = (unsigned)orch_jint(a->def, "instances");
	in.target = target;
	in.cur = k->cur;
	in.old = k->old;
	in.cur_run = k->cur_serve;
	in.old_run = k->old_serve;
	deploy_limits(orch_app_strategy(a), in.n, &in.lim);
	if (rollback)
		deploy_rollback_counts(&in, &o);
	else
		deploy_counts(&in, &o);
	out->launch = o.launch;
	out->kill_old = o.kill_old;
	out->kill_cur = o.kill_cur;
	out->done = k->old == 0 && k->cur == in.n && k->cur_serve == in.n;
}

static void
od_rolling(struct orch_app *a, json_t *d, const struct od_counts *k,
    double now, struct orch_decision *out, double *wake)
{
	const json_t *us = orch_app_strategy(a);
	unsigned n = (unsigned)orch_jint(a->def, "instances");
	unsigned b = deploy_batch(us, n), target = n;
	double done_at, interval = (double)orch_jint(us, "batchIntervalSeconds");
	int r;

	if (b > 0) {
		target = (unsigned)orch_jint(d, "batchTarget");
		if (target == 0)
			target = b < n ? b : n;
		done_at = orch_jnum(d, "batchDoneAt");
		/* A batch is done when its old tasks are stopped, not draining. */
		if (target < n && k->cur_serve >= target &&
		    k->old <= n - target && k->going == 0) {
			if (done_at == 0) {
				done_at = now;
				d = od_update(a->o, d, json_pack("{s:f,s:i}",
				    "batchDoneAt", now, "batchTarget",
				    (int)target));
			}
			/* The interval is the batch's analysis window. */
			r = orch_step_judge(a, json_string_value(
			    json_object_get(d, "id")), (target + b - 1) / b,
			    now >= done_at + interval);
			if (r < 0) {
				od_fail(a, d, a->an_why);
				return;
			}
			if (r > 0) {
				target = target + b < n ? target + b : n;
				d = od_goto_step(a, d, (target + b - 1) / b,
				    json_pack("{s:i,s:f}", "batchTarget",
				    (int)target, "batchDoneAt", 0.0));
			} else {
				od_wake(done_at + interval, now, wake);
				out->holding = 1;
			}
		}
	}
	od_counts_to(a, k, target, 0, out);
	/* Old tasks going is the deployment's own doing: no deadline. */
	if (k->cur_serve >= target)
		out->holding = 1;
}

static void
od_blue_green(struct orch_app *a, json_t *d, const struct od_counts *k,
    double now, struct orch_decision *out, double *wake)
{
	unsigned n = (unsigned)orch_jint(a->def, "instances");
	const char *phase = json_string_value(json_object_get(d, "phase"));
	double at, delay = (double)orch_jint(orch_app_strategy(a),
	    "scaleDownDelaySeconds");

	if (phase == NULL || strcmp(phase, "switched") != 0) {
		/* The new set comes up in full beside the old, out of DNS. */
		out->standby = 1;
		out->launch = k->cur < n ? n - k->cur : 0;
		out->kill_cur = k->cur > n ? k->cur - n : 0;
		out->kill_old = k->old - k->old_serve;
		if (k->cur_ready < n || k->cur < n || od_switch(a) != ST_OK)
			return;
		od_goto_step(a, d, 3, json_pack("{s:s,s:f}", "phase",
		    "switched", "switchedAt", now));
		orch_kick(a->o);
		return;
	}
	out->launch = k->cur < n ? n - k->cur : 0;
	out->kill_cur = k->cur > n ? k->cur - n : 0;
	/* Kept for a quick way back; their drain began with the switch. */
	at = orch_jnum(d, "switchedAt") + delay;
	/* Switched: what is left is the deployment's own, not its tasks'. */
	out->holding = 1;
	if (now >= at)
		out->kill_old = k->old;
	else
		od_wake(at, now, wake);
	out->done = k->old == 0 && k->cur_serve == n && k->cur == n;
}

static void
od_canary(struct orch_app *a, json_t *d, const struct od_counts *k,
    double now, struct orch_decision *out, double *wake)
{
	const json_t *steps = json_object_get(orch_app_strategy(a), "steps");
	const json_t *s, *p;
	unsigned n = (unsigned)orch_jint(a->def, "instances");
	json_int_t i = orch_jint(d, "canaryStep");
	unsigned w = (unsigned)orch_jint(d, "weight"), target;
	int over, r;

	if ((size_t)i >= json_array_size(steps)) {
		od_counts_to(a, k, n, 0, out);
		od_weights(a, 0, k);
		return;
	}
	s = json_array_get(steps, (size_t)i);
	if ((p = json_object_get(s, "pause")) == NULL) {
		w = (unsigned)orch_jint(s, "setWeight");
		if ((unsigned)orch_jint(d, "weight") != w)
			d = od_update(a->o, d, json_pack("{s:i}", "weight",
			    (int)w));
	}
	target = deploy_canary_target(n, w);
	od_counts_to(a, k, target, 0, out);
	out->done = 0;
	od_weights(a, w, k);
	if (k->cur_serve < target)
		return;
	out->holding = 1;
	if (k->old > n - target)
		return;
	if (p == NULL) {
		od_goto_step(a, d, i + 2, json_pack("{s:I}", "canaryStep",
		    i + 1));
		orch_kick(a->o);
		return;
	}
	if (json_object_get(p, "duration")) {
		over = now >= orch_jnum(d, "stepAt") + (double)orch_jint(p,
		    "duration");
		if (!over)
			od_wake(orch_jnum(d, "stepAt") + (double)orch_jint(p,
			    "duration"), now, wake);
	} else {
		over = json_is_true(json_object_get(d, "resumed"));
		if (!over && !json_is_true(json_object_get(d, "waiting"))) {
			log_notice("orch: deployment %s of %s pauses until "
			    "resumed", json_string_value(json_object_get(d,
			    "id")), a->id);
			d = od_update(a->o, d, json_pack("{s:b,s:b}", "paused",
			    1, "waiting", 1));
		}
	}
	out->holding = 1;
	if ((r = orch_step_judge(a, json_string_value(json_object_get(d,
	    "id")), i, over)) < 0) {
		od_fail(a, d, a->an_why);
		return;
	}
	if (r > 0) {
		od_goto_step(a, d, i + 2, json_pack("{s:I,s:b,s:b}",
		    "canaryStep", i + 1, "resumed", 0, "waiting", 0));
		orch_kick(a->o);
	}
}

static void
od_rollback(struct orch_app *a, const struct od_counts *k,
    struct orch_decision *out)
{
	unsigned n = (unsigned)orch_jint(a->def, "instances");

	/* Blue-green's old set standing by: switched back in at once. */
	if (k->cur_standby > 0 && k->cur_ready >= n && k->cur >= n &&
	    od_switch(a) == ST_OK) {
		orch_kick(a->o);
		return;
	}
	od_counts_to(a, k, n, 1, out);
	od_weights(a, 0, k);
	if (k->cur_serve >= n)
		out->holding = 1;
}

void
orch_deploy_decide(struct orch_app *a, struct orch_decision *out,
    double *wake)
{
	json_t *d = orch_app_deployment(a->o, a->id);
	const char *s = d ? json_string_value(json_object_get(d, "strategy")) :
	    NULL;
	double now = clock_wall();
	struct od_counts k;
	char type[16], id[ORCH_UUID_MAX];
	unsigned n;

	memset(out, 0, sizeof(*out));
	out->drain = orch_deploy_drain(a);
	od_count(a, &k);
	/* A copy: progress written below replaces d. */
	if (s == NULL || snprintf(type, sizeof(type), "%s", s) >=
	    (int)sizeof(type)) {
		/*
		 * A blue-green deployment cancelled by force: its set goes in
		 * once ready; until then the old one serves on.
		 */
		if (k.cur_standby > 0) {
			n = (unsigned)orch_jint(a->def, "instances");
			if (k.cur_ready < n || k.cur < n) {
				out->standby = 1;
				out->launch = k.cur < n ? n - k.cur : 0;
				return;
			}
			if (od_switch(a) == ST_OK)
				od_count(a, &k);
		}
		od_counts_to(a, &k, (unsigned)orch_jint(a->def, "instances"), 0,
		    out);
		od_weights(a, 0, &k);
		return;
	}
	if (json_is_true(json_object_get(d, "paused")))
		return;
	if (snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(d,
	    "id"))) >= (int)sizeof(id) || od_judge(a, &d, &k, now))
		return;
	if (strcmp(type, "Rollback") == 0)
		od_rollback(a, &k, out);
	else if (strcmp(type, "BlueGreen") == 0)
		od_blue_green(a, d, &k, now, out, wake);
	else if (strcmp(type, "Canary") == 0)
		od_canary(a, d, &k, now, out, wake);
	else
		od_rolling(a, d, &k, now, out, wake);
	if (!out->done && od_deadline(a, id, !out->holding, now, wake))
		memset(out, 0, sizeof(*out));
}

void
orch_deploy_failure(struct orch_app *a)
{
	json_t *d = orch_app_deployment(a->o, a->id);

	if (d == NULL || json_object_get(d, "strategy") == NULL)
		return;
	od_update(a->o, d, json_pack("{s:I}", "failures", orch_jint(d,
	    "failures") + 1));
	orch_kick(a->o);
}

int
orch_deployment_pause(struct orch *o, const char *id, int pause, json_t **out,
    struct orch_error *e)
{
	json_t *d = id ? json_object_get(o->deployments, id) : NULL;
	json_t *set;

	*out = NULL;
	if (d == NULL) {
		snprintf(e->message, sizeof(e->message), "DeploymentPlan %s "
		    "does not exist", id ? id : "");
		return ST_ENOTFOUND;
	}
	if (json_object_get(d, "strategy") == NULL) {
		snprintf(e->message, sizeof(e->message), "Deployment %s "
		    "replaces no instances: nothing to pause or resume", id);
		return ST_ECONFLICT;
	}
	if (pause)
		set = json_pack("{s:b}", "paused", 1);
	else
		set = json_pack("{s:b,s:b,s:f}", "paused", 0, "resumed",
		    json_is_true(json_object_get(d, "waiting")), "progressAt",
		    clock_wall());
	if (json_is_true(json_object_get(d, "paused")) == pause)
		json_object_clear(set);
	d = od_update(o, d, set);
	if (json_is_true(json_object_get(d, "paused")) != pause) {
		snprintf(e->message, sizeof(e->message), "cannot store the "
		    "deployment");
		return ST_EIO;
	}
	log_notice("orch: deployment %s %s", id, pause ? "paused" : "resumed");
	orch_kick(o);
	return (*out = orch_json_deployment(d)) ? ST_OK : ST_ENOMEM;
}
