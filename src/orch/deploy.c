/*
 * deploy.c -- deployment arithmetic: surge and unavailability limits,
 * the counts of one pass, canary shares and batch sizes.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#include "orch/deploy.h"
#include "util/error.h"

/* Float error of n * capacity must not cost or give a whole task. */
#define DEPLOY_EPSILON 1e-9

int
deploy_pct(const char *s, unsigned *pct)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (i == 3)
			return ST_EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (i == 0 || s[i] != '%' || s[i + 1] != '\0' || v > 100)
		return ST_EINVAL;
	*pct = v;
	return ST_OK;
}

/*
 * A maxSurge or maxUnavailable value for n instances: a count as is, a
 * percentage rounded up or down. Absent: app_check()'s default, 25%.
 */
static unsigned
deploy_amount(const json_t *v, unsigned n, int round_up)
{
	unsigned long long part;
	unsigned pct = 25;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return 0;
		if (json_integer_value(v) > UINT_MAX)
			return UINT_MAX;
		return (unsigned)json_integer_value(v);
	}
	if (json_is_string(v))
		(void)deploy_pct(json_string_value(v), &pct);
	part = (unsigned long long)n * pct + (round_up ? 99 : 0);
	return (unsigned)(part / 100);
}

/* Marathon's capacities; an absent one is 1, as Marathon has it. */
static void
deploy_marathon(const json_t *us, unsigned n, struct deploy_limits *out)
{
	const json_t *minh = json_object_get(us, "minimumHealthCapacity");
	const json_t *maxo = json_object_get(us, "maximumOverCapacity");
	double healthy, total;

	total = floor(n * (1.0 + (maxo ? json_number_value(maxo) : 1.0)) +
	    DEPLOY_EPSILON);
	healthy = ceil(n * (minh ? json_number_value(minh) : 1.0) -
	    DEPLOY_EPSILON);
	out->surge = total > n ? (unsigned)(total - n) : 0;
	out->unavailable = healthy < n ? n - (unsigned)fmax(healthy, 0) : 0;
	if (out->surge == 0 && out->unavailable == 0)
		out->surge = 1;
}

void
deploy_limits(const json_t *us, unsigned n, struct deploy_limits *out)
{
	const json_t *surge = json_object_get(us, "maxSurge");
	const json_t *unavailable = json_object_get(us, "maxUnavailable");

	if (surge == NULL && unavailable == NULL &&
	    (json_object_get(us, "minimumHealthCapacity") ||
	    json_object_get(us, "maximumOverCapacity"))) {
		deploy_marathon(us, n, out);
	} else {
		out->surge = deploy_amount(surge, n, 1);
		out->unavailable = deploy_amount(unavailable, n, 0);
		if (out->surge == 0 && out->unavailable == 0)
			out->unavailable = 1;
	}
	if (out->unavailable > n)
		out->unavailable = n;
}

/* Plain scaling toward want tasks of the current config. */
static void
deploy_scale(unsigned cur, unsigned want, struct deploy_out *out)
{
	if (cur < want)
		out->launch = want - cur;
	else
		out->kill_cur = cur - want;
}

void
deploy_counts(const struct deploy_in *in, struct deploy_out *out)
{
	unsigned long long max_total;
	unsigned target, total, serving, floor_serving, keep_old, go;

	memset(out, 0, sizeof(*out));
	if (in->old == 0) {
		deploy_scale(in->cur, in->n, out);
		return;
	}
	target = in->target < in->n ? in->target : in->n;
	total = in->cur + in->old;
	max_total = (unsigned long long)in->n + in->lim.surge;
	deploy_scale(in->cur, target, out);
	if (max_total <= total)
		out->launch = 0;
	else if (out->launch > max_total - total)
		out->launch = (unsigned)(max_total - total);

	out->kill_old = in->old - in->old_run;
	/*
	 * Serving current tasks that kill_cur takes need no counting: then
	 * the old ones left are n - target, and the keep_old bound is the
	 * tighter one.
	 */
	serving = in->cur_run + in->old_run;
	floor_serving = in->n - (in->lim.unavailable < in->n ?
	    in->lim.unavailable : in->n);
	keep_old = in->n - target;
	if (serving <= floor_serving || in->old_run <= keep_old)
		return;
	go = serving - floor_serving;
	if (go > in->old_run - keep_old)
		go = in->old_run - keep_old;
	out->kill_old += go;
}

void
deploy_rollback_counts(const struct deploy_in *in, struct deploy_out *out)
{
	memset(out, 0, sizeof(*out));
	deploy_scale(in->cur, in->n, out);
	out->kill_old = in->cur_run >= in->n ? in->old : in->old - in->old_run;
}

unsigned
deploy_canary_target(unsigned n, unsigned weight)
{
	unsigned long long t;

	if (weight == 0 || n == 0)
		return 0;
	t = ((unsigned long long)n * weight + 99) / 100;
	return t > n ? n : t < 1 ? 1 : (unsigned)t;
}

/* round(share / n) clamped to an SRV weight; 1 for no instance. */
static unsigned
deploy_weight(unsigned share, unsigned n)
{
	unsigned long long w;

	if (n == 0)
		return 1;
	w = (2ULL * share + n) / (2ULL * n);
	return w < 1 ? 1 : w > 65535 ? 65535 : (unsigned)w;
}

void
deploy_canary_weights(unsigned weight, unsigned n_new, unsigned n_old,
    unsigned *w_new, unsigned *w_old)
{
	if (weight == 0 || weight >= 100) {
		*w_new = *w_old = 1;
		return;
	}
	*w_new = deploy_weight(weight * 100, n_new);
	*w_old = deploy_weight((100 - weight) * 100, n_old);
}

unsigned
deploy_batch(const json_t *us, unsigned n)
{
	const json_t *bs = json_object_get(us, "batchSize");
	unsigned long long t;
	unsigned pct;

	if (!json_is_string(bs) || deploy_pct(json_string_value(bs), &pct) != 0)
		return 0;
	t = ((unsigned long long)n * pct + 99) / 100;
	return t < 1 ? 1 : (unsigned)t;
}
