/*
 * app_strategy.c -- an app's upgradeStrategy: how a new config replaces
 * the running one (RollingUpdate, BlueGreen, Canary), checked and
 * normalized into the one form the orchestrator reads (deploy.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "orch/analysis.h"
#include "orch/app_int.h"
#include "orch/deploy.h"

#define APP_US "/upgradeStrategy"
#define APP_US_COUNT_MAX 1000000	/* as instances */
#define APP_US_SECONDS_MAX (86400 * 365)
#define APP_US_STEPS_MAX 32

static const char *const app_us_keys[] = {
	"type", "maxSurge", "maxUnavailable", "minimumHealthCapacity",
	"maximumOverCapacity", "batchSize", "batchIntervalSeconds",
	"scaleDownDelaySeconds", "steps", "analysis", "autoRollback",
	"failureThreshold", "progressDeadlineSeconds", "drainSeconds", NULL
};
static const char *const app_us_types[] = {
	"RollingUpdate", "BlueGreen", "Canary", NULL
};
/* The fields only one type has, and that type. */
static const char *const app_us_owned[][2] = {
	{ "batchSize", "RollingUpdate" },
	{ "batchIntervalSeconds", "RollingUpdate" },
	{ "scaleDownDelaySeconds", "BlueGreen" },
	{ "steps", "Canary" },
};

/*
 * maxSurge or maxUnavailable into clean, "25%" when absent; *zero is set
 * when it is literally 0, which with both leaves nothing able to move.
 */
static void
app_us_amount(struct app_ctx *c, const json_t *up, const char *key,
    json_t *clean, int *zero)
{
	const json_t *v = json_object_get(up, key);
	char path[APP_PTR_MAX], pct[8];
	unsigned p = 25;

	*zero = 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= APP_US_COUNT_MAX) {
		*zero = json_integer_value(v) == 0;
		app_set(c, clean, key, json_integer(json_integer_value(v)));
		return;
	}
	if (v == NULL || (json_is_string(v) &&
	    deploy_pct(json_string_value(v), &p) == 0)) {
		*zero = v != NULL && p == 0;
		snprintf(pct, sizeof(pct), "%u%%", p);
		app_set(c, clean, key, json_string(pct));
		return;
	}
	app_ptr(path, sizeof(path), APP_US, key);
	app_err(c, path, "must be a count from 0 to %d or a percentage from "
	    "\"0%%\" to \"100%%\"", APP_US_COUNT_MAX);
}

/* Either Kubernetes' maxSurge/maxUnavailable or Marathon's capacities. */
static void
app_us_limits(struct app_ctx *c, const json_t *up, json_t *clean)
{
	int surge0, unavail0, stadion, marathon;
	double minh, maxo;

	stadion = json_object_get(up, "maxSurge") ||
	    json_object_get(up, "maxUnavailable");
	marathon = json_object_get(up, "minimumHealthCapacity") ||
	    json_object_get(up, "maximumOverCapacity");
	if (stadion && marathon)
		app_err(c, APP_US, "give either maxSurge/maxUnavailable or "
		    "minimumHealthCapacity/maximumOverCapacity");
	if (marathon) {
		app_get_num(c, up, APP_US, "minimumHealthCapacity", 0, 1, 1,
		    &minh);
		app_get_num(c, up, APP_US, "maximumOverCapacity", 0, 1, 1,
		    &maxo);
		app_set(c, clean, "minimumHealthCapacity", json_real(minh));
		app_set(c, clean, "maximumOverCapacity", json_real(maxo));
	}
	if (stadion || !marathon) {
		app_us_amount(c, up, "maxSurge", clean, &surge0);
		app_us_amount(c, up, "maxUnavailable", clean, &unavail0);
		if (surge0 && unavail0)
			app_err(c, APP_US, "maxSurge and maxUnavailable cannot "
			    "both be 0: nothing could be replaced");
	}
}

/* RollingUpdate's batches: batchSize and the pause between batches. */
static void
app_us_batch(struct app_ctx *c, const json_t *up, json_t *clean)
{
	const json_t *bs = json_object_get(up, "batchSize");
	json_int_t interval;
	char pct[8];
	unsigned p;

	if (bs == NULL) {
		if (json_object_get(up, "batchIntervalSeconds"))
			app_err(c, APP_US "/batchIntervalSeconds",
			    "only with batchSize");
		return;
	}
	app_get_int(c, up, APP_US, "batchIntervalSeconds", 0,
	    APP_US_SECONDS_MAX, 0, &interval);
	if (!json_is_string(bs) || deploy_pct(json_string_value(bs), &p) != 0 ||
	    p < 1 || p > 50) {
		app_err(c, APP_US "/batchSize", "must be a percentage from "
		    "\"1%%\" to \"50%%\"");
		return;
	}
	snprintf(pct, sizeof(pct), "%u%%", p);
	app_set(c, clean, "batchSize", json_string(pct));
	app_set(c, clean, "batchIntervalSeconds", json_integer(interval));
}

/* One canary step: {"setWeight": N} or {"pause": {"duration": S}}. */
static void
app_us_step(struct app_ctx *c, const json_t *st, const char *pfx,
    json_int_t *last, json_t *list)
{
	static const char *const step_keys[] = { "setWeight", "pause", NULL };
	static const char *const pause_keys[] = { "duration", NULL };
	const json_t *pause = json_object_get(st, "pause");
	char sub[APP_PTR_MAX];
	json_int_t w, duration;

	if (!json_is_object(st) || json_object_size(st) != 1) {
		app_err(c, pfx, "must be {\"setWeight\": N} or {\"pause\": "
		    "{}}");
	} else if (json_object_get(st, "setWeight")) {
		if (!app_get_int(c, st, pfx, "setWeight", 1, 100, 0, &w))
			return;
		if (w <= *last) {
			app_ptr(sub, sizeof(sub), pfx, "setWeight");
			app_err(c, sub, "must be greater than the weight before "
			    "it (%lld)", (long long)*last);
			return;
		}
		*last = w;
		app_append(c, list, json_pack("{s:I}", "setWeight", w));
	} else if (pause) {
		app_ptr(sub, sizeof(sub), pfx, "pause");
		if (!json_is_object(pause)) {
			app_err(c, sub, "must be an object");
			return;
		}
		app_keys(c, pause, sub, pause_keys);
		if (!app_get_int(c, pause, sub, "duration", 1,
		    APP_US_SECONDS_MAX, 0, &duration))
			return;
		/* No duration: paused until the deployment is resumed. */
		app_append(c, list, duration ? json_pack("{s:{s:I}}", "pause",
		    "duration", duration) : json_pack("{s:{}}", "pause"));
	} else
		app_keys(c, st, pfx, step_keys);
}

static void
app_us_steps(struct app_ctx *c, const json_t *up, json_t *clean)
{
	const json_t *steps = json_object_get(up, "steps"), *st;
	char pfx[APP_PTR_MAX];
	json_int_t last = 0;
	json_t *list;
	size_t i;

	if (steps == NULL) {
		app_err(c, APP_US "/steps", "a Canary upgrade needs steps");
		return;
	}
	if (!json_is_array(steps) || json_array_size(steps) == 0 ||
	    json_array_size(steps) > APP_US_STEPS_MAX) {
		app_err(c, APP_US "/steps", "must be an array of 1 to %d steps",
		    APP_US_STEPS_MAX);
		return;
	}
	if ((list = json_array()) == NULL) {
		c->nomem = 1;
		return;
	}
	json_array_foreach(steps, i, st) {
		app_ptr_idx(pfx, sizeof(pfx), APP_US "/steps", i);
		app_us_step(c, st, pfx, &last, list);
	}
	app_set(c, clean, "steps", list);
}

/* A Prometheus metric name, [a-zA-Z_:][a-zA-Z0-9_:]*, required. */
static int
app_us_metric(struct app_ctx *c, const json_t *an, const char *pfx,
    const char *key, const char **out)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:";
	static const char rest[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789";
	char path[APP_PTR_MAX];
	const char *s;

	if (!app_get_str(c, an, pfx, key, NULL, &s))
		return 0;
	*out = s;
	app_ptr(path, sizeof(path), pfx, key);
	if (s == NULL) {
		app_err(c, path, "is required");
		return 0;
	}
	if (strchr(first, s[0]) == NULL || s[strspn(s, rest)] != '\0') {
		app_err(c, path, "must be a Prometheus metric name");
		return 0;
	}
	return 1;
}

/* The query a canary is judged by: error rate over requests of a port. */
static void
app_us_analysis(struct app_ctx *c, const json_t *up, json_t *clean,
    const struct app_net *net)
{
	static const char *const keys[] = {
		"path", "portIndex", "requests", "errors", "maxErrorRate",
		"minRequests", "timeoutSeconds", NULL
	};
	const char *pfx = APP_US "/analysis", *path, *requests, *errors;
	const json_t *an = json_object_get(up, "analysis");
	json_int_t port, min, timeout;
	char sub[APP_PTR_MAX];
	double rate;
	int ok;

	if (an == NULL)
		return;
	if (!json_is_object(an)) {
		app_err(c, pfx, "must be an object");
		return;
	}
	app_keys(c, an, pfx, keys);
	app_ptr(sub, sizeof(sub), pfx, "path");
	ok = app_get_str(c, an, pfx, "path", NULL, &path);
	if (ok && (path == NULL || path[0] != '/')) {
		app_err(c, sub, path ? "must start with /" : "is required");
		ok = 0;
	}
	ok &= app_us_metric(c, an, pfx, "requests", &requests);
	ok &= app_us_metric(c, an, pfx, "errors", &errors);
	ok &= app_get_num(c, an, pfx, "maxErrorRate", 0, 1, 0.01, &rate);
	ok &= app_get_int(c, an, pfx, "minRequests", 0, APP_US_COUNT_MAX, 1,
	    &min);
	ok &= app_get_int(c, an, pfx, "timeoutSeconds", 1,
	    (json_int_t)ANALYSIS_TIMEOUT_MAX,
	    5, &timeout);
	if (!app_get_int(c, an, pfx, "portIndex", 0, 65535, 0, &port))
		return;
	app_ptr(sub, sizeof(sub), pfx, "portIndex");
	if ((size_t)port >= net->nports) {
		if (net->nports == 0)
			app_err(c, json_object_get(an, "portIndex") ? sub : pfx,
			    "the app has no port to query");
		else
			app_err(c, sub, "must address one of the app's %zu "
			    "ports (0 to %zu)", net->nports, net->nports - 1);
		return;
	}
	if (ok)
		app_set(c, clean, "analysis", json_pack("{s:s,s:I,s:s,s:s,s:f,"
		    "s:I,s:I}", "path", path, "portIndex", port, "requests",
		    requests, "errors", errors, "maxErrorRate", rate,
		    "minRequests", min, "timeoutSeconds", timeout));
}

void
app_check_strategy(struct app_ctx *c, const json_t *body, json_t *out,
    const struct app_net *net)
{
	const json_t *up = json_object_get(body, "upgradeStrategy");
	json_int_t failures, deadline, delay, drain;
	char path[APP_PTR_MAX];
	const char *type;
	json_t *clean;
	int typed, rollback;
	size_t i;

	if (up && !json_is_object(up)) {
		app_err(c, APP_US, "must be an object");
		up = NULL;
	}
	if (up)
		app_keys(c, up, APP_US, app_us_keys);
	/* app_get_enum() leaves type unset when it is not a string. */
	if (!(typed = app_get_enum(c, up, APP_US, "type", app_us_types,
	    "RollingUpdate", &type)))
		type = "RollingUpdate";
	if ((clean = json_pack("{s:s}", "type", type)) == NULL) {
		c->nomem = 1;
		return;
	}
	app_us_limits(c, up, clean);
	/* A misspelt type would blame every field of the meant one. */
	for (i = 0; typed && i < sizeof(app_us_owned) /
	    sizeof(app_us_owned[0]); i++) {
		if (json_object_get(up, app_us_owned[i][0]) == NULL ||
		    strcmp(type, app_us_owned[i][1]) == 0)
			continue;
		app_ptr(path, sizeof(path), APP_US, app_us_owned[i][0]);
		app_err(c, path, "only %s upgrades have it",
		    app_us_owned[i][1]);
	}
	if (strcmp(type, "RollingUpdate") == 0)
		app_us_batch(c, up, clean);
	else if (strcmp(type, "BlueGreen") == 0) {
		app_get_int(c, up, APP_US, "scaleDownDelaySeconds", 0,
		    APP_US_SECONDS_MAX, 30, &delay);
		app_set(c, clean, "scaleDownDelaySeconds", json_integer(delay));
	} else
		app_us_steps(c, up, clean);
	app_us_analysis(c, up, clean, net);
	app_get_bool(c, up, APP_US, "autoRollback", 1, &rollback);
	app_get_int(c, up, APP_US, "failureThreshold", 1, APP_US_COUNT_MAX, 3,
	    &failures);
	app_get_int(c, up, APP_US, "progressDeadlineSeconds", 1,
	    APP_US_SECONDS_MAX, 600, &deadline);
	app_set(c, clean, "autoRollback", json_boolean(rollback));
	app_set(c, clean, "failureThreshold", json_integer(failures));
	app_set(c, clean, "progressDeadlineSeconds", json_integer(deadline));
	if (json_object_get(up, "drainSeconds") && app_get_int(c, up, APP_US,
	    "drainSeconds", 0, APP_US_SECONDS_MAX, 0, &drain))
		app_set(c, clean, "drainSeconds", json_integer(drain));
	app_set(c, out, "upgradeStrategy", clean);
}
