/*
 * fake_exec.c -- the exec-only containerizer of fake_exec.h.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/error.h"
#include "fake_exec.h"

static const struct {
	const char *cmd;
	int err;
	const char *msg;
	const char *out;
	int exit_code;
} fk_answers[] = {
	{ "true", ST_OK, NULL, "", 0 },
	{ "false", ST_OK, NULL, "starting\nit broke\n", 3 },
	{ "script ok", ST_OK, NULL, "{\"status\": \"healthy\"}\n", 0 },
	{ "script bad", ST_OK, NULL, "a warning on stderr\n"
	    "{\"status\": \"unhealthy\", \"message\": \"disk full\"}\n", 1 },
	{ "script junk", ST_OK, NULL, "hello\n", 0 },
	{ "error", ST_ENOTFOUND, "no such instance", NULL, -1 },
	{ "hang", ST_OK, NULL, "", 0 },
};

static void
fk_fire(evutil_socket_t fd, short what, void *arg)
{
	struct fcall *k = arg;

	TAILQ_REMOVE(&k->f->calls, k, entry);
	k->cb(k->err, k->msg, k->out, k->out ? strlen(k->out) : 0,
	    k->exit_code, k->arg);
	event_free(k->ev);
	free(k);
}

static int
fk_exec(struct ctr *c, const char *handle, const char *const *argv,
    ctr_output_fn cb, void *arg)
{
	struct fctr *f = (struct fctr *)c;
	struct timeval now = { 0, 0 };
	struct fcall *k;
	size_t i;

	for (i = 0; i < 3; i++)
		snprintf(f->argv[i], sizeof(f->argv[i]), "%s", argv[i]);
	assert_null(argv[3]);
	snprintf(f->handle, sizeof(f->handle), "%s", handle);
	f->execs++;
	for (i = 0; i < sizeof(fk_answers) / sizeof(fk_answers[0]); i++)
		if (strcmp(fk_answers[i].cmd, argv[2]) == 0)
			break;
	assert_true(i < sizeof(fk_answers) / sizeof(fk_answers[0]));
	assert_non_null(k = calloc(1, sizeof(*k)));
	k->f = f;
	k->cb = cb;
	k->arg = arg;
	k->err = fk_answers[i].err;
	k->msg = fk_answers[i].msg;
	k->out = fk_answers[i].out;
	k->exit_code = fk_answers[i].exit_code;
	k->hung = strcmp(argv[2], "hang") == 0;
	assert_non_null(k->ev = evtimer_new(f->eb, fk_fire, k));
	TAILQ_INSERT_TAIL(&f->calls, k, entry);
	/* Answered later, on the loop, as the interface wants. */
	if (!k->hung)
		evtimer_add(k->ev, &now);
	return ST_OK;
}

int
fk_release(struct fctr *f)
{
	struct timeval now = { 0, 0 };
	struct fcall *k;

	TAILQ_FOREACH(k, &f->calls, entry)
		if (k->hung) {
			k->hung = 0;
			evtimer_add(k->ev, &now);
			return 1;
		}
	return 0;
}

int
fk_hung(const struct fctr *f)
{
	const struct fcall *k;
	int n = 0;

	TAILQ_FOREACH(k, &f->calls, entry)
		n += k->hung;
	return n;
}

/* A freed driver never answers. */
static void
fk_free(struct ctr *c)
{
	struct fctr *f = (struct fctr *)c;
	struct fcall *k;

	while ((k = TAILQ_FIRST(&f->calls)) != NULL) {
		TAILQ_REMOVE(&f->calls, k, entry);
		event_free(k->ev);
		free(k);
	}
	free(f);
}

static const struct ctr_ops fk_ops = {
	.name = "fake",
	.exec = fk_exec,
	.free = fk_free,
};

struct fctr *
fk_new(struct event_base *eb)
{
	struct fctr *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->base.ops = &fk_ops;
	f->eb = eb;
	TAILQ_INIT(&f->calls);
	return f;
}
