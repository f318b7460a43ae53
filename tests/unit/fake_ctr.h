/*
 * fake_ctr.h -- a containerizer for unit tests of the orchestrator.
 *
 * Instances live in a world that outlives any one driver, as containers
 * outlive stadiond: a second driver on the same world sees (lists) what
 * the first one made. Calls are queued and answered only by
 * fake_ctr_drain(), which also runs the event loop, so a test decides
 * when things happen. Handles are "h1", "h2", ...
 */
#ifndef STADION_TESTS_FAKE_CTR_H
#define STADION_TESTS_FAKE_CTR_H

#include <stddef.h>

#include "orch/containerizer.h"

struct event_base;

#define FAKE_INST_MAX 64

struct fake_inst {
	struct ctr_info info;
	int used;
	char cmd[256];		/* the app's cmd at create */
	char owner[64];		/* CTR_LABEL_OWNER */
	char env_port0[16];	/* PORT0 of its environment */
};

struct fake_world {
	struct fake_inst inst[FAKE_INST_MAX];
	unsigned next_handle;
	/* Counts of calls answered, and the most instances running at once. */
	int creates, starts, stops, removes, lists;
	int running, max_running;
	int last_grace;		/* of the last stop asked for */
	/* The next n creates fail with this message. */
	int fail_creates;
	const char *fail_msg;
};

/* A driver (ctr_free frees it, not the world) named "process". */
struct ctr *fake_ctr_new(struct fake_world *w);
/*
 * Answer every queued call (and the calls those answers cause) and run
 * the loop until nothing is left to do.
 */
void fake_ctr_drain(struct event_base *base);
/* Calls waiting for an answer, over all fake drivers. */
size_t fake_ctr_pending(void);
/* The instance of task id, or NULL. */
struct fake_inst *fake_world_find(struct fake_world *w, const char *task_id);
/* Instances in state st. */
int fake_world_count(const struct fake_world *w, enum ctr_state st);
/*
 * The instance ends (exit_code) or vanishes (gone), and the driver of
 * the world, if one follows events, hears it.
 */
void fake_world_exit(struct fake_world *w, struct fake_inst *in,
    int exit_code, int gone);
/* Add an instance no task knows, running, labelled for app_id and owner. */
struct fake_inst *fake_world_orphan(struct fake_world *w, const char *app_id,
    const char *task_id, const char *owner);

#endif
