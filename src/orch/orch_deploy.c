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

#include "orch/analysis.h"
#include "orch/deploy.h"
#include "orch/orch_int.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"

#define OD_URL_MAX 512

/* The app's tasks by config and what they do now. */
struct od_counts {
	unsigned cur, old;	/* alive */
	unsigned cur_serve, old_serve;	/* in DNS and healthy */
	unsigned cur_ready;	/* healthy, standby or not */
	unsigned cur_standby;	/* alive and held out of DNS */
};

static const json_t *
od_us(const struct orch_app *a)
{
	return json_object_get(a->def, "upgradeStrategy");
}

static json_int_t
od_int(const json_t *obj, const char *key)
{
	return json_integer_value(json_object_get(obj, key));
}

static double
od_num(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static int
od_serving(const struct orch_task *t)
{
	return orch_task_healthy(t) && !t->standby;
}

static void
od_count(const struct orch_app *a, struct od_counts *k)
{
	const struct orch_task *t;

	memset(k, 0, sizeof(*k));
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (!orch_task_alive(t))
			continue;
		if (orch_task_current(t)) {
			k->cur++;
			k->cur_serve += od_serving(t);
			k->cur_ready += orch_task_healthy(t);
			k->cur_standby += t->standby;
		} else {
			k->old++;
			k->old_serve += od_serving(t);
		}
	}
}

double
orch_deploy_drain(const struct orch_app *a)
{
	const json_t *v = json_object_get(od_us(a), "drainSeconds");

	/* A resolver may hold the records a TTL; one more second for requests in flight. */
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
	unsigned n = (unsigned)od_int(def, "instances"), b, k;
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
		    (int)od_int(us, "scaleDownDelaySeconds")));
	} else if (strcmp(type, "Canary") == 0) {
		json_array_foreach(json_object_get(us, "steps"), i, s) {
			const json_t *p = json_object_get(s, "pause");

			if (p == NULL)
				json_array_append_new(steps, od_step(
				    "RestartApplication", app, "setWeight %d: "
				    "%u of %u instances new", (int)od_int(s,
				    "setWeight"), deploy_canary_target(n,
				    (unsigned)od_int(s, "setWeight")), n));
			else if (json_object_get(p, "duration"))
				json_array_append_new(steps, od_step(
				    "ReadinessCheck", app, "pause %d s",
				    (int)od_int(p, "duration")));
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
	json_int_t cur = od_int(d, "currentStep");
	json_int_t total = od_int(d, "totalSteps");
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
	if (json_is_true(json_object_get(od_us(a), "autoRollback")) &&
	    json_is_object(json_object_get(d, "original")) &&
	    strcmp(type, "Rollback") != 0 &&
	    orch_rollback(a, d, reason) == ST_OK)
		return;
	orch_deployment_end(a->o, d, reason);
}

/* Deadline and failures; 1 when the deployment failed. */
static int
od_judge(struct orch_app *a, json_t **dp, const struct od_counts *k,
    double now)
{
	json_t *d = *dp;
	const json_t *us = od_us(a);
	json_int_t limit = od_int(us, "failureThreshold");
	json_int_t deadline = od_int(us, "progressDeadlineSeconds");
	json_int_t seen = od_int(d, "progressCount");
	unsigned ready = k->cur_ready;
	char why[160];

	if (limit > 0 && od_int(d, "failures") >= limit) {
		snprintf(why, sizeof(why), "%d new instances failed (the "
		    "failureThreshold)", (int)od_int(d, "failures"));
		od_fail(a, d, why);
		return 1;
	}
	if ((json_int_t)ready > seen) {
		*dp = od_update(a->o, d, json_pack("{s:I,s:f}", "progressCount",
		    (json_int_t)ready, "progressAt", now));
		return 0;
	}
	if (deadline > 0 && now > od_num(d, "progressAt") + (double)deadline) {
		snprintf(why, sizeof(why), "no progress for %d s (the "
		    "progressDeadlineSeconds)", (int)deadline);
		od_fail(a, d, why);
		return 1;
	}
	return 0;
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
 * Per-task SRV weights: during a canary step of weight w the new tasks
 * in DNS share w% of the answers; otherwise every task weighs 1. Changed
 * weights are one transaction.
 */
static void
od_weights(struct orch_app *a, unsigned w, const struct od_counts *k)
{
	struct orch_write *ws;
	struct orch_task *t;
	unsigned w_new, w_old, want;
	size_t n = 0, max = 0;

	TAILQ_FOREACH(t, &a->tasks, entry)
		max++;
	deploy_canary_weights(w, k->cur_serve, k->old_serve, &w_new, &w_old);
	if (max == 0 || (ws = calloc(max, sizeof(*ws))) == NULL)
		return;
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (t->state != OT_RUNNING || t->kill)
			continue;
		want = orch_task_current(t) ? w_new : w_old;
		if ((t->weight ? t->weight : 1) == want)
			continue;
		ws[n].t = t;
		ws[n].next = *t;
		ws[n].next.weight = want;
		ws[n].what = W_PUT | W_PUBLISH;
		n++;
	}
	if (n > 0 && orch_tasks_write(ws, n) == ST_OK)
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
	size_t n = 0, max = 0;
	int err;

	TAILQ_FOREACH(t, &a->tasks, entry)
		max++;
	if ((ws = calloc(max + 1, sizeof(*ws))) == NULL)
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
	in.n = (unsigned)od_int(a->def, "instances");
	in.target = target;
	in.cur = k->cur;
	in.old = k->old;
	in.cur_run = k->cur_serve;
	in.old_run = k->old_serve;
	deploy_limits(od_us(a), in.n, &in.lim);
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
	const json_t *us = od_us(a);
	unsigned n = (unsigned)od_int(a->def, "instances");
	unsigned b = deploy_batch(us, n), target = n;
	double done_at, interval = (double)od_int(us, "batchIntervalSeconds");

	if (b > 0) {
		target = (unsigned)od_int(d, "batchTarget");
		if (target == 0)
			target = b < n ? b : n;
		done_at = od_num(d, "batchDoneAt");
		if (target < n && k->cur_serve >= target &&
		    k->old <= n - target) {
			if (done_at == 0) {
				done_at = now;
				d = od_update(a->o, d, json_pack("{s:f,s:i}",
				    "batchDoneAt", now, "batchTarget",
				    (int)target));
			}
			if (now >= done_at + interval) {
				target = target + b < n ? target + b : n;
				d = od_goto_step(a, d, (target + b - 1) / b,
				    json_pack("{s:i,s:f}", "batchTarget",
				    (int)target, "batchDoneAt", 0.0));
			} else
				od_wake(done_at + interval, now, wake);
		}
	}
	od_counts_to(a, k, target, 0, out);
}

static void
od_blue_green(struct orch_app *a, json_t *d, const struct od_counts *k,
    double now, struct orch_decision *out, double *wake)
{
	unsigned n = (unsigned)od_int(a->def, "instances");
	const char *phase = json_string_value(json_object_get(d, "phase"));
	double at, delay = (double)od_int(od_us(a), "scaleDownDelaySeconds");

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
	at = od_num(d, "switchedAt") + delay;
	if (now >= at)
		out->kill_old = k->old;
	else
		od_wake(at, now, wake);
	out->done = k->old == 0 && k->cur_serve == n && k->cur == n;
}

static void od_analysis_done(int err, double req, double errs,
    const char *why, void *arg);

/* Start a fetch of the new instances' metrics; 1 when one is in flight. */
static int
od_analysis_fetch(struct orch_app *a, const json_t *an)
{
	struct orch_task *t;
	const char *path = json_string_value(json_object_get(an, "path"));
	size_t idx = (size_t)od_int(an, "portIndex"), n = 0, max = 0;
	char **urls;
	int err = ST_OK;

	TAILQ_FOREACH(t, &a->tasks, entry)
		max++;
	if ((urls = calloc(max + 1, sizeof(*urls))) == NULL)
		return 0;
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (!od_serving(t) || !orch_task_current(t) ||
		    idx >= t->n_ports)
			continue;
		if ((urls[n] = malloc(OD_URL_MAX)) == NULL) {
			err = ST_ENOMEM;
			break;
		}
		snprintf(urls[n], OD_URL_MAX, strchr(a->o->host, ':') ?
		    "http://[%s]:%u%s" : "http://%s:%u%s", a->o->host,
		    t->ports[idx], path);
		n++;
	}
	if (err == ST_OK && n > 0)
		err = analysis_start(a->o->cv, (const char *const *)urls, n,
		    json_string_value(json_object_get(an, "requests")),
		    json_string_value(json_object_get(an, "errors")),
		    (double)od_int(an, "timeoutSeconds"), od_analysis_done, a,
		    &a->an);
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
	if (err != ST_OK)
		log_warnx("orch: %s: cannot read the canaries' metrics (%s)",
		    a->id, st_strerror(err));
	return err == ST_OK && n > 0;
}

static void
od_analysis_done(int err, double req, double errs, const char *why,
    void *arg)
{
	struct orch_app *a = arg;
	const json_t *an = json_object_get(od_us(a), "analysis");
	double rate;

	a->an = NULL;
	if (err != ST_OK) {
		a->an_state = OD_AN_FAILED;
		snprintf(a->an_why, sizeof(a->an_why), "the canaries' metrics: "
		    "%s", why ? why : st_strerror(err));
	} else if (a->an_state == OD_AN_NONE) {
		a->an_req = req;
		a->an_err = errs;
		a->an_state = OD_AN_BASE;
	} else if (analysis_judge(a->an_req, a->an_err, req, errs,
	    od_num(an, "minRequests"), od_num(an, "maxErrorRate"), &rate)) {
		a->an_state = OD_AN_FAILED;
		snprintf(a->an_why, sizeof(a->an_why), "the canaries' error "
		    "rate %.4f is above maxErrorRate %.4f", rate,
		    od_num(an, "maxErrorRate"));
	} else {
		log_info("orch: %s: the canaries' error rate is %.4f", a->id,
		    rate);
		a->an_state = OD_AN_PASSED;
	}
	orch_kick(a->o);
}

/*
 * A pause step that has an analysis: a baseline when it begins, a verdict
 * when it is over. Returns 1 when the step may end, 0 to wait, -1 when
 * the canaries failed (a->an_why says why).
 */
static int
od_analysis(struct orch_app *a, const char *dep_id, json_int_t step, int over)
{
	const json_t *an = json_object_get(od_us(a), "analysis");

	if (an == NULL)
		return over;
	if (a->an_step != step || strcmp(a->an_dep, dep_id) != 0) {
		analysis_cancel(a->an);
		a->an = NULL;
		a->an_step = step;
		snprintf(a->an_dep, sizeof(a->an_dep), "%s", dep_id);
		a->an_state = OD_AN_NONE;
	}
	if (a->an != NULL)
		return 0;
	switch (a->an_state) {
	case OD_AN_FAILED:
		return -1;
	case OD_AN_NONE:
		od_analysis_fetch(a, an);
		return 0;
	case OD_AN_BASE:
		if (over)
			od_analysis_fetch(a, an);
		return 0;
	default:
		return 1;
	}
}

static void
od_canary(struct orch_app *a, json_t *d, const struct od_counts *k,
    double now, struct orch_decision *out, double *wake)
{
	const json_t *steps = json_object_get(od_us(a), "steps"), *s, *p;
	unsigned n = (unsigned)od_int(a->def, "instances");
	json_int_t i = od_int(d, "canaryStep");
	unsigned w = (unsigned)od_int(d, "weight"), target;
	int over, r;

	if ((size_t)i >= json_array_size(steps)) {
		od_counts_to(a, k, n, 0, out);
		od_weights(a, 0, k);
		return;
	}
	s = json_array_get(steps, (size_t)i);
	if ((p = json_object_get(s, "pause")) == NULL) {
		w = (unsigned)od_int(s, "setWeight");
		if ((unsigned)od_int(d, "weight") != w)
			d = od_update(a->o, d, json_pack("{s:i}", "weight",
			    (int)w));
	}
	target = deploy_canary_target(n, w);
	od_counts_to(a, k, target, 0, out);
	out->done = 0;
	od_weights(a, w, k);
	if (k->cur_serve < target || k->old > n - target)
		return;
	if (p == NULL) {
		od_goto_step(a, d, i + 2, json_pack("{s:I}", "canaryStep",
		    i + 1));
		orch_kick(a->o);
		return;
	}
	if (json_object_get(p, "duration")) {
		over = now >= od_num(d, "stepAt") + (double)od_int(p,
		    "duration");
		if (!over)
			od_wake(od_num(d, "stepAt") + (double)od_int(p,
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
	if ((r = od_analysis(a, json_string_value(json_object_get(d, "id")), i,
	    over)) < 0) {
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
	unsigned n = (unsigned)od_int(a->def, "instances");

	/* Blue-green's old set standing by: switched back in at once. */
	if (k->cur_standby > 0 && k->cur_ready >= n && k->cur >= n &&
	    od_switch(a) == ST_OK) {
		orch_kick(a->o);
		return;
	}
	od_counts_to(a, k, n, 1, out);
	od_weights(a, 0, k);
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
	char type[16];

	memset(out, 0, sizeof(*out));
	out->drain = orch_deploy_drain(a);
	od_count(a, &k);
	/* A copy: progress written below replaces d. */
	if (s == NULL || snprintf(type, sizeof(type), "%s", s) >=
	    (int)sizeof(type)) {
		od_counts_to(a, &k, (unsigned)od_int(a->def, "instances"), 0,
		    out);
		od_weights(a, 0, &k);
		return;
	}
	if (json_is_true(json_object_get(d, "paused")))
		return;
	if (od_judge(a, &d, &k, now))
		return;
	if (strcmp(type, "Rollback") == 0)
		od_rollback(a, &k, out);
	else if (strcmp(type, "BlueGreen") == 0)
		od_blue_green(a, d, &k, now, out, wake);
	else if (strcmp(type, "Canary") == 0)
		od_canary(a, d, &k, now, out, wake);
	else
		od_rolling(a, d, &k, now, out, wake);
	/* The pass that finds the deadline passed. */
	if (!out->done && (d = orch_app_deployment(a->o, a->id)) != NULL)
		od_wake(od_num(d, "progressAt") + (double)od_int(od_us(a),
		    "progressDeadlineSeconds") + 0.01, now, wake);
}

void
orch_deploy_failure(struct orch_app *a)
{
	json_t *d = orch_app_deployment(a->o, a->id);

	if (d == NULL || json_object_get(d, "strategy") == NULL)
		return;
	od_update(a->o, d, json_pack("{s:I}", "failures", od_int(d,
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
