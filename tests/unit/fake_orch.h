/*
 * fake_orch.h -- a fake of every orch_* function of orch/orch.h for unit
 * tests of the API: it records the last call and returns canned results.
 */
#ifndef STADION_TESTS_FAKE_ORCH_H
#define STADION_TESTS_FAKE_ORCH_H

#include <jansson.h>

struct orch;

/* The last call, as the fake saw it (strings and JSON are copies). */
struct fake_orch_call {
	const char *fn;		/* "orch_app_create", ...; NULL: none */
	struct orch *o;
	char *id, *version, *status;
	char *filter_id, *filter_cmd, *filter_label;
	int embed_tasks, partial, force, scale;
	json_t *body;
	json_t *task_ids;	/* array of strings; NULL when NULL was passed */
};

/* What the next calls answer. */
struct fake_orch_canned {
	int ret;		/* ST_OK or the error returned */
	json_t *out;		/* a copy goes to *out on success */
	int created;		/* orch_app_update's *created */
	const char *message;	/* copied into orch_error.message */
	json_t *details, *deployments;	/* copies go into orch_error */
};

struct fake_orch_state {
	struct fake_orch_call last;
	int calls;
	int cleared;		/* orch_error_clear calls */
	struct fake_orch_canned canned;
};

extern struct fake_orch_state fake_orch;

/* The orch pointer to hand to the API. */
struct orch *fake_orch_handle(void);
/* Forget the calls and the canned answer (freeing their JSON). */
void fake_orch_reset(void);
/* Answer the next calls with ret and (a copy of) out, which is stolen. */
void fake_orch_answer(int ret, json_t *out);

#endif
