/*
 * health_cmd.c -- COMMAND and SCRIPT probes: "/bin/sh -c value" run in
 * the instance by its containerizer (ctr_exec).
 *
 * An exec cannot be taken back: one given up on (its deadline passed, or
 * its watch went) is kept on the checker's list of abandoned execs until
 * its answer comes, so that the answer finds live memory and is dropped;
 * health_free frees those still waiting.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/health_int.h"
#include "orch/containerizer.h"
#include "util/error.h"

struct health_cmd {
	LIST_ENTRY(health_cmd) entry;	/* on h->abandoned once given up */
	struct health_check *c;		/* NULL once given up */
};

/* The last non-empty line of the output, for a cause or a parse. */
static void
health_cmd_last_line(const char *data, size_t len, const char **line,
    size_t *line_len)
{
	size_t end = len, start;

	while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r' ||
	    data[end - 1] == ' ' || data[end - 1] == '\t'))
		end--;
	start = end;
	while (start > 0 && data[start - 1] != '\n')
		start--;
	*line = data + start;
	*line_len = end - start;
}

/* A SCRIPT's verdict: its output is the JSON, or its last line is. */
static enum health_result
health_cmd_script(const char *data, size_t len, int exit_code, char *cause,
    size_t size)
{
	const char *line, *status, *msg;
	size_t line_len;
	json_t *j;
	enum health_result r = HEALTH_R_FAIL;

	health_cmd_last_line(data, len, &line, &line_len);
	if ((j = json_loadb(data, len, 0, NULL)) == NULL)
		j = json_loadb(line, line_len, 0, NULL);
	status = json_string_value(json_object_get(j, "status"));
	msg = json_string_value(json_object_get(j, "message"));
	if (status != NULL && strcmp(status, "healthy") == 0)
		r = HEALTH_R_PASS;
	else if (status != NULL && strcmp(status, "unhealthy") == 0)
		snprintf(cause, size, "%s", msg != NULL && *msg ? msg :
		    "unhealthy");
	else
		snprintf(cause, size, "no status in the script's output (exit "
		    "code %d): %.*s", exit_code, (int)(line_len > 128 ? 128 :
		    line_len), line);
	json_decref(j);
	return r;
}

static void
health_cmd_done(int err, const char *msg, const char *data, size_t len,
    int exit_code, void *arg)
{
	struct health_cmd *x = arg;
	struct health_check *c = x->c;
	char cause[HEALTH_CAUSE_MAX];
	enum health_result r = HEALTH_R_FAIL;
	const char *line;
	size_t line_len;

	if (c == NULL) {
		LIST_REMOVE(x, entry);
		free(x);
		return;
	}
	free(x);
	c->probe = NULL;
	if (data == NULL) {
		data = "";
		len = 0;
	}
	cause[0] = '\0';
	if (err != ST_OK) {
		snprintf(cause, sizeof(cause), "exec: %s", msg != NULL ? msg :
		    st_strerror(err));
	} else if (c->kind == HEALTH_K_SCRIPT) {
		r = health_cmd_script(data, len, exit_code, cause,
		    sizeof(cause));
	} else if (exit_code == 0) {
		r = HEALTH_R_PASS;
	} else {
		health_cmd_last_line(data, len, &line, &line_len);
		snprintf(cause, sizeof(cause), "exit code %d%s%.*s", exit_code,
		    line_len ? ": " : "", (int)(line_len > 128 ? 128 : line_len),
		    line);
	}
	health_check_end(c, r, cause);
}

static int
health_cmd_start(struct health_check *c, char *cause, size_t size)
{
	const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	struct health_cmd *x;
	int rv;

	argv[2] = json_string_value(json_object_get(json_object_get(c->def,
	    "command"), "value"));
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(cause, size, "%s", st_strerror(ST_ENOMEM));
		return ST_ENOMEM;
	}
	x->c = c;
	if ((rv = ctr_exec(c->w->ctr, c->w->handle, argv, health_cmd_done,
	    x)) != ST_OK) {
		free(x);
		snprintf(cause, size, "exec: %s", st_strerror(rv));
		return rv;
	}
	c->probe = x;
	return ST_OK;
}

static void
health_cmd_stop(struct health_check *c)
{
	struct health_cmd *x = c->probe;

	x->c = NULL;
	LIST_INSERT_HEAD(&c->w->h->abandoned, x, entry);
	c->probe = NULL;
}

void
health_cmd_free_abandoned(struct health *h)
{
	struct health_cmd *x;

	while ((x = LIST_FIRST(&h->abandoned)) != NULL) {
		LIST_REMOVE(x, entry);
		free(x);
	}
}

const struct health_probe_ops health_cmd_ops = {
	.start = health_cmd_start,
	.stop = health_cmd_stop,
};
