/*
 * orch_fixture.h -- the orchestrator as the unit tests drive it: a real
 * LMDB store, registry and bus, a fake containerizer (fake_ctr.h) whose
 * world outlives any one orchestrator, and helpers that do what the API
 * and time would. Shared by test_orch.c, test_orch_deploy.c and
 * test_orch_strategy.c.
 *
 * Helpers assert (cmocka) on what must not fail; those that return an
 * error code leave the judging to the test.
 */
#ifndef STADION_TESTS_ORCH_FIXTURE_H
#define STADION_TESTS_ORCH_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fake_ctr.h"

#define FX_SOCKS_MAX 64

/*
 * A TCP check on PORT0 that passes only when the test answers there
 * (fx_answer), never before; never kills. A member of an app definition.
 */
#define FX_HC "\"healthChecks\":[{\"protocol\":\"TCP\"," \
    "\"intervalSeconds\":1,\"timeoutSeconds\":1," \
    "\"gracePeriodSeconds\":300,\"maxConsecutiveFailures\":0}]"

/*
 * The daemon reads the clock a moment before the write whose commit the
 * test times: a wait measured from that commit may come out a little
 * short. A stop sent too early would come out short by the whole wait.
 */
#define FX_SLACK 0.05

struct fixture;

/* Called after every committed registry change, with its index. */
typedef void (*fx_change_fn)(struct fixture *f, uint64_t index);

struct fixture {
	char dir[4096];
	struct event_base *base;
	struct store *st;
	struct registry *reg;
	struct orch *o;
	struct fake_world w;
	struct bus *bus;
	json_t *events;		/* what the bus carried: [[type, event,
				   clock_wall() when it did]...] */
	uint32_t ttl;		/* orch_params.ttl of the next fx_orch_up */
	unsigned changes;	/* registry changes committed since setup */
	fx_change_fn on_change;	/* the test's, after each change, or NULL */
	void *arg;		/* the test's, for on_change */
	int socks[FX_SOCKS_MAX];	/* fx_listen_on / fx_answer listeners */
	uint16_t sock_ports[FX_SOCKS_MAX];
	size_t n_socks;
};

/*
 * The host ports of the fixtures' tasks: fx_port_min and the 99 above it
 * (41000 unless the program sets another before its tests run, so that
 * test programs run side by side do not answer each other's checks).
 */
extern uint16_t fx_port_min;

/*
 * cmocka setup and teardown: a fixture with an orchestrator started (TTL
 * 0: a drain without drainSeconds lasts 1 s) and its first moves made.
 * Teardown frees everything, listeners too, and removes the directory.
 */
int fx_setup(void **state);
int fx_teardown(void **state);
/* The cmocka test fn on a fixture of its own. */
#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/*
 * A new orchestrator on the fixture's store (f->ttl its TTL), with a fresh
 * fake driver on the same world; its first moves are made unless hold.
 */
void fx_orch_up_held(struct fixture *f, int hold);
void fx_orch_up(struct fixture *f);
/* orch_free: running instances stay in the fake world. */
void fx_orch_down(struct fixture *f);
/* Down and up again with TTL ttl (before any app: a cheap restart). */
void fx_orch_ttl(struct fixture *f, uint32_t ttl);

/* POST /v2/apps of body (JSON text); *details the error list if asked. */
int fx_create(struct fixture *f, const char *body, json_t **details);
/*
 * PATCH of body on app id (force to override a lock); *dep the new
 * deployment's id (ORCH_UUID_MAX octets), *deps the locking deployments
 * of a refusal, when asked.
 */
int fx_update(struct fixture *f, const char *id, const char *body, int force,
    char *dep, json_t **deps);
/* The app's AppInfo member key as an integer. */
json_int_t fx_app_int(struct fixture *f, const char *id, const char *key);
/* The app's definition member key as a string ("" when absent). */
const char *fx_app_str(struct fixture *f, const char *id, const char *key,
    char *out, size_t size);

/* Instances of service id in the registry (what DNS knows), -1 if none. */
int fx_published(struct fixture *f, const char *id);
/* Of those, the ones DNS serves: health "healthy" or "none". */
int fx_served(struct fixture *f, const char *id);
/*
 * Of the served ones, those whose fake instance runs cmd, and the sum of
 * their SRV weights (*weight, when asked).
 */
int fx_served_cmd(struct fixture *f, const char *id, const char *cmd,
    unsigned *weight);

/* Deployments in progress. */
size_t fx_deployments(struct fixture *f);
/* Predicate for fx_run_until: no deployment in progress. */
int fx_no_deployment(struct fixture *f);
/*
 * Predicate for fx_run_until: every task running cmd "new" (the config a
 * deployment test deploys; "old" the one it replaces) answers its check
 * (fx_answer); true once no deployment is in progress.
 */
int fx_new_answered_done(struct fixture *f);
/*
 * Pause (pause 1) or resume (0) deployment id; *view the deployment as
 * the API answers, when asked (the caller's).
 */
int fx_pause(struct fixture *f, const char *id, int pause, json_t **view);
/* The (only) deployment of app id as GET /v2/deployments shows it, or NULL. */
json_t *fx_deployment(struct fixture *f, const char *id);
/* Member key of app id's deployment: an integer, or 1/0 for a boolean. */
json_int_t fx_dep_int(struct fixture *f, const char *id, const char *key);
/* The ids of app id's tasks, sorted, space-separated. */
void fx_task_ids(struct fixture *f, const char *id, char *out, size_t size);
/* Events of type the bus carried (with member key == value, if key). */
int fx_events_of(struct fixture *f, const char *type, const char *key,
    const char *value);
/* Fake instances running cmd. */
int fx_running_cmd(struct fixture *f, const char *cmd);
/*
 * When the bus carried the first event of type whose string members key1
 * and key2 are v1 and v2 (clock_wall() seconds), or -1.
 */
double fx_event_at(struct fixture *f, const char *type, const char *key1,
    const char *v1, const char *key2, const char *v2);
/* Events of type whose "plan" has strategy (deployment_info etc.). */
int fx_plan_events(struct fixture *f, const char *type,
    const char *strategy);
/* String member key of app id's deployment into out ("" when none). */
const char *fx_dep_str(struct fixture *f, const char *id, const char *key,
    char *out, size_t size);
/* Number member key of app id's deployment, which must exist. */
double fx_dep_num(struct fixture *f, const char *id, const char *key);

/*
 * Of app id's served instances, n_new run cmd "new" and n_old "old", and
 * the new ones carry pct % of their SRV weight.
 */
void fx_assert_share(struct fixture *f, const char *id, unsigned pct,
    int n_new, int n_old);

/* What DNS showed of one app after a registry change. */
struct fx_seen {
	double at;		/* clock_wall() after the commit */
	uint64_t index;		/* the registry's index then */
	int published, served;
	int s_old, s_new;	/* served instances running old_cmd, new_cmd */
	unsigned w_old, w_new;	/* the sum of their SRV weights */
};

#define FX_SEEN_MAX 512

/* What DNS showed of app after every registry change while watched. */
struct fx_watch {
	const char *app, *old_cmd, *new_cmd;
	size_t n;		/* changes seen; the first FX_SEEN_MAX kept */
	struct fx_seen s[FX_SEEN_MAX];
};
/* Record into w (f->on_change and f->arg) from now on. */
void fx_watch_start(struct fixture *f, struct fx_watch *w, const char *app,
    const char *old_cmd, const char *new_cmd);
/* Stop recording; asserts that changes were seen and all were kept. */
void fx_watch_stop(struct fixture *f, struct fx_watch *w);

/*
 * Run the loop in real time, answering the fake driver's calls after
 * every turn, so timers fire (drains, pauses, health checks): until
 * pred(f) holds or s seconds passed (pred's result), or for s seconds.
 */
int fx_run_until(struct fixture *f, int (*pred)(struct fixture *), double s);
void fx_run_for(struct fixture *f, double s);

/* A TCP listener on the loopback port (closed by teardown unless kept). */
int fx_listen_on(struct fixture *f, uint16_t port);
/* Close the listener of port (a TCP check fails from now on). */
void fx_unlisten(struct fixture *f, uint16_t port);
/*
 * Every running fake instance of cmd answers on its PORT0, so a TCP
 * health check passes; returns how many answer.
 */
int fx_answer(struct fixture *f, const char *cmd);

#endif
