/*
 * deploy.h -- the arithmetic of a deployment: how many tasks a pass may
 * start and stop while a new config replaces an old one, how a canary
 * splits instances and DNS weight, how large a batch is.
 *
 * Pure functions of numbers and the normalized upgradeStrategy that
 * app_check() stores (doc/app-definition.md); no I/O, no state, so the
 * orchestrator's pass and the unit tests compute the same thing.
 */
#ifndef STADION_ORCH_DEPLOY_H
#define STADION_ORCH_DEPLOY_H

#include <jansson.h>

/*
 * "N%" with N a decimal integer 0 to 100 (no sign, no blanks) into *pct:
 * 0, or ST_EINVAL (and *pct untouched) for any other string.
 */
int deploy_pct(const char *s, unsigned *pct);

/* How far a replacement may go above n alive tasks and below n serving. */
struct deploy_limits {
	unsigned surge, unavailable;
};

/*
 * The limits of the normalized upgradeStrategy us for n instances.
 * stadion fields (maxSurge, maxUnavailable): a count as is; a percentage
 * of n, surge rounded up, unavailable rounded down; if both come out 0
 * (e.g. "0%" and "10%" of 4), unavailable is 1, as Kubernetes does.
 * Marathon fields: surge = floor(n * (1 + maximumOverCapacity)) - n,
 * unavailable = n - ceil(n * minimumHealthCapacity), within 1e-9 of float
 * error; if both come out 0 (minimumHealthCapacity 1 with
 * maximumOverCapacity 0) surge is 1: Marathon starts one extra, else
 * nothing could move. unavailable never exceeds n.
 */
void deploy_limits(const json_t *us, unsigned n, struct deploy_limits *out);

/* The state of an app's tasks that one pass decides from. */
struct deploy_in {
	unsigned n;		/* instances wanted in all */
	unsigned target;	/* how many of them of the current config (n;
				   less during a canary step or a batch) */
	unsigned cur, old;	/* alive tasks of the current config / of
				   older configs */
	unsigned cur_run, old_run;	/* of those, serving (running and
					   healthy) */
	struct deploy_limits lim;
};

/* What the pass does: tasks to start (current config) and to stop. */
struct deploy_out {
	unsigned launch, kill_old, kill_cur;
};

/*
 * One reconcile pass of a rolling replacement toward target tasks of the
 * current config and n - target old ones.
 * old == 0: plain scaling, launch n - cur or kill_cur cur - n; target is
 * ignored.
 * Otherwise: alive tasks stay <= n + surge, counting those this pass
 * kills (launch = min(target - cur, room)); kill_cur = cur - target when
 * cur > target. Old tasks that do not serve always go (kill_old counts
 * them: old - old_run); serving old ones go while serving tasks stay >=
 * n - unavailable and old ones stay >= n - target.
 */
void deploy_counts(const struct deploy_in *in, struct deploy_out *out);

/*
 * A rollback restores the old version to full strength first: target
 * (current = the restored config) is n whatever in->target says; launch =
 * n - cur with no surge bound (kill_cur = cur - n when above); old tasks
 * that do not serve go at once; serving old ones all go once cur_run >= n,
 * none before.
 */
void deploy_rollback_counts(const struct deploy_in *in,
    struct deploy_out *out);

/*
 * Canary: how many of n instances run the new version at weight w:
 * ceil(n * w / 100), at least 1, at most n; 0 for w 0.
 */
unsigned deploy_canary_target(unsigned n, unsigned weight);

/*
 * Per-instance SRV weights that give the n_new new instances weight% of
 * the answers: *w_new = round(weight * 100 / n_new), *w_old =
 * round((100 - weight) * 100 / n_old), each clamped to 1..65535; a side
 * with 0 instances gets 1. weight 0 or >= 100 (no canary): both 1.
 */
void deploy_canary_weights(unsigned weight, unsigned n_new, unsigned n_old,
    unsigned *w_new, unsigned *w_old);

/*
 * Tasks per batch for the batchSize "N%" of us and n instances:
 * ceil(n * N / 100), at least 1; 0 when us has no batchSize.
 */
unsigned deploy_batch(const json_t *us, unsigned n);

#endif
