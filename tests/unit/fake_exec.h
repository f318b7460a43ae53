/*
 * fake_exec.h -- a containerizer that only execs, for the tests of the
 * COMMAND and SCRIPT health checks: each command (argv[2] of /bin/sh -c)
 * has a canned answer ("true", "false", "script ok", "script bad",
 * "script junk", "error"), given on the next loop turn; "hang" is answered
 * only when the test releases it.
 */
#ifndef STADION_TESTS_FAKE_EXEC_H
#define STADION_TESTS_FAKE_EXEC_H

#include <sys/queue.h>

#include <event2/event.h>

#include "orch/containerizer.h"

struct fcall {
	TAILQ_ENTRY(fcall) entry;
	struct fctr *f;
	struct event *ev;
	ctr_output_fn cb;
	void *arg;
	int err;
	const char *msg;
	const char *out;
	int exit_code;
	int hung;		/* answered only when the test says */
};

struct fctr {
	struct ctr base;	/* first: ctr_*() find the table */
	struct event_base *eb;
	TAILQ_HEAD(, fcall) calls;
	int execs;
	char argv[3][128];
	char handle[32];
};

/* A driver on eb (ctr_free frees it and forgets its calls). */
struct fctr *fk_new(struct event_base *eb);
/* Answer the oldest hung exec; 0 when there is none. */
int fk_release(struct fctr *f);
/* Execs hung now. */
int fk_hung(const struct fctr *f);

#endif
