/*
 * orch_canary.c -- a step judged by the new instances' error rate (a
 * canary's pause, a rolling batch's interval): the counters of their
 * Prometheus metrics (upgradeStrategy.analysis), read when the step's
 * window begins and again when it is over, through analysis.h on the
 * loop. The verdict is kept in the app (a restarted
 * stadiond reads a new baseline and judges the rest of the pause).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/analysis.h"
#include "orch/orch_int.h"
#include "util/error.h"
#include "util/log.h"

#define OC_URL_MAX 512

static void oc_done(int err, double req, double errs,
    const char *why, void *arg);

/*
 * Start a fetch of the new instances' metrics: 1 when one is in flight,
 * 0 when no new instance serves (nothing to judge), -1 when it cannot be
 * (a->an_why says why).
 */
static int
oc_fetch(struct orch_app *a, const json_t *an)
{
	struct orch_task *t;
	const char *path = json_string_value(json_object_get(an, "path"));
	size_t idx = (size_t)orch_jint(an, "portIndex"), n = 0, max = 0;
	char **urls;
	int err = ST_OK;

	TAILQ_FOREACH(t, &a->tasks, entry)
		max++;
	if ((urls = calloc(max + 1, sizeof(*urls))) == NULL) {
		snprintf(a->an_why, sizeof(a->an_why), "no memory for the "
		    "canaries' metrics");
		return -1;
	}
	TAILQ_FOREACH(t, &a->tasks, entry) {
		if (!orch_task_serving(t) || !orch_task_current(t) ||
		    idx >= t->n_ports)
			continue;
		if ((urls[n] = malloc(OC_URL_MAX)) == NULL) {
			err = ST_ENOMEM;
			break;
		}
		snprintf(urls[n], OC_URL_MAX, strchr(a->o->host, ':') ?
		    "http://[%s]:%u%s" : "http://%s:%u%s", a->o->host,
		    t->ports[idx], path);
		n++;
	}
	if (err == ST_OK && n > 0)
		err = analysis_start(a->o->cv, (const char *const *)urls, n,
		    json_string_value(json_object_get(an, "requests")),
		    json_string_value(json_object_get(an, "errors")),
		    (double)orch_jint(an, "timeoutSeconds"), oc_done, a,
		    &a->an);
	for (size_t i = 0; i < n; i++)
		free(urls[i]);
	free(urls);
	if (err != ST_OK) {
		snprintf(a->an_why, sizeof(a->an_why), "cannot read the "
		    "canaries' metrics (%s)", st_strerror(err));
		return -1;
	}
	return n > 0;
}

static void
oc_done(int err, double req, double errs, const char *why,
    void *arg)
{
	struct orch_app *a = arg;
	const json_t *an = json_object_get(orch_app_strategy(a), "analysis");
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
	    orch_jnum(an, "minRequests"), orch_jnum(an, "maxErrorRate"), &rate)) {
		a->an_state = OD_AN_FAILED;
		snprintf(a->an_why, sizeof(a->an_why), "the canaries' error "
		    "rate %.4f is above maxErrorRate %.4f", rate,
		    orch_jnum(an, "maxErrorRate"));
	} else {
		log_info("orch: %s: the canaries' error rate is %.4f", a->id,
		    rate);
		a->an_state = OD_AN_PASSED;
	}
	orch_kick(a->o);
}

int
orch_step_judge(struct orch_app *a, const char *dep_id, long long step,
    int over)
{
	const json_t *an = json_object_get(orch_app_strategy(a), "analysis");

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
	case OD_AN_BASE:
		if (a->an_state == OD_AN_BASE && !over)
			return 0;
		switch (oc_fetch(a, an)) {
		case 0:
			/* No canary serves (a pause before any setWeight). */
			return over;
		case -1:
			a->an_state = OD_AN_FAILED;
			return -1;
		}
		return 0;
	default:
		return 1;
	}
}
