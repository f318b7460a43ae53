/*
 * ctrtool.c -- run one containerizer operation from the command line, for
 * the system tests: ctrtool DRIVER STATE_DIR OP ARGS...
 *
 *   pull IMG [AUTH]            push IMG [AUTH]         tag IMG REPO TAG
 *   images                     rmi IMG
 *   create-run APP_JSON INSTANCE_ID [PORT...]   (prints the handle)
 *   inspect H   logs H   stats H   wait H   rm H   start H
 *   stop H GRACE   kill H SIG   exec H CMD...   list KEY [VALUE]
 *   events N                   (prints N events, one a line, then exits)
 *
 * DRIVER is docker (endpoint from $DOCKER_ENDPOINT, default the unix
 * socket) or process. Exits 1 with the error on stderr when the operation
 * fails, 2 on a usage error, 3 on a time-out ($CTRTOOL_TIMEOUT s, 120).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "orch/containerizer.h"
#include "orch/ctr_docker.h"
#include "orch/ctr_process.h"
#include "util/error.h"
#include "util/log.h"

/*
 * Weak, so that ctrtool links while the process driver is not in the
 * library yet; "process" then says so.
 */
int ctr_process_new(struct event_base *, const char *, struct ctr **)
    __attribute__((weak));

static struct event_base *base;
static int rc = 0;
static long events_left;

static void
ctrtool_fail(int err, const char *msg)
{
	fprintf(stderr, "ctrtool: %s (%s)\n", msg ? msg : "failed",
	    st_strerror(err));
	rc = 1;
}

static void
ctrtool_done(int err, const char *msg, void *arg)
{
	if (err != ST_OK)
		ctrtool_fail(err, msg);
	event_base_loopbreak(base);
}

static const char *
ctrtool_state(enum ctr_state s)
{
	static const char *const names[] = { "created", "running", "exited",
	    "gone" };

	return names[s];
}

static void
ctrtool_info(int err, const char *msg, const struct ctr_info *i, void *arg)
{
	json_t *v;

	if (err != ST_OK) {
		ctrtool_done(err, msg, arg);
		return;
	}
	v = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:b,s:I,s:I}", "handle",
	    i->handle, "app_id", i->app_id, "instance_id", i->instance_id,
	    "version", i->version, "state", ctrtool_state(i->state),
	    "exit_code", i->exit_code, "oom", i->oom, "pid", (json_int_t)i->pid,
	    "started_at", (json_int_t)i->started_at);
	json_dumpf(v, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(v);
	event_base_loopbreak(base);
}

static void
ctrtool_output(int err, const char *msg, const char *data, size_t len,
    int exit_code, void *arg)
{
	if (err != ST_OK) {
		ctrtool_done(err, msg, arg);
		return;
	}
	fwrite(data, 1, len, stdout);
	if (arg != NULL)
		rc = exit_code;
	event_base_loopbreak(base);
}

static void
ctrtool_json(int err, const char *msg, const json_t *v, void *arg)
{
	if (err == ST_OK) {
		json_dumpf(v, stdout, JSON_COMPACT);
		putchar('\n');
	}
	ctrtool_done(err, msg, arg);
}

static void
ctrtool_list(int err, const char *msg, const struct ctr_info *infos,
    size_t n, void *arg)
{
	size_t i;

	for (i = 0; err == ST_OK && i < n; i++)
		printf("%s %s %s %s %d\n", infos[i].handle, infos[i].app_id,
		    infos[i].instance_id, ctrtool_state(infos[i].state),
		    infos[i].exit_code);
	ctrtool_done(err, msg, arg);
}

static void
ctrtool_started(int err, const char *msg, void *arg)
{
	if (err == ST_OK)
		printf("%s\n", (const char *)arg);
	ctrtool_done(err, msg, NULL);
}

static void
ctrtool_created(int err, const char *msg, const char *handle, void *arg)
{
	struct ctr *c = arg;
	static char h[CTR_HANDLE_MAX];

	if (err != ST_OK) {
		ctrtool_done(err, msg, NULL);
		return;
	}
	snprintf(h, sizeof(h), "%s", handle);
	if ((err = ctr_start(c, h, ctrtool_started, h)) != ST_OK)
		ctrtool_done(err, "cannot start", NULL);
}

static void
ctrtool_event(const struct ctr_event *ev, void *arg)
{
	static const char *const names[] = { "start", "die", "oom", "destroy",
	    "lost", "reconnected" };

	printf("%s %s exit=%d oom=%d app=%s instance=%s\n", names[ev->type],
	    ev->info.handle[0] ? ev->info.handle : "-", ev->info.exit_code,
	    ev->info.oom, ev->info.app_id, ev->info.instance_id);
	fflush(stdout);
	if (--events_left <= 0)
		event_base_loopbreak(base);
}

static void
ctrtool_timeout(evutil_socket_t fd, short what, void *arg)
{
	fprintf(stderr, "ctrtool: timed out\n");
	rc = 3;
	event_base_loopbreak(base);
}

/* create-run: the spec from the app JSON, env PORT0.. and PORT. */
static int
ctrtool_create(struct ctr *c, int argc, char **argv, json_t **app,
    char ***envp, uint16_t **ports)
{
	struct ctr_spec spec;
	json_error_t jerr;
	size_t n = argc > 2 ? (size_t)argc - 2 : 0, i;
	char **env;

	if (argc < 2)
		return ST_EINVAL;
	if ((*app = json_loads(argv[0], 0, &jerr)) == NULL) {
		fprintf(stderr, "ctrtool: bad app JSON: %s\n", jerr.text);
		return ST_EINVAL;
	}
	*ports = calloc(n + 1, sizeof(**ports));
	*envp = env = calloc(n + 2, sizeof(*env));
	if (*ports == NULL || env == NULL)
		return ST_ENOMEM;
	for (i = 0; i < n; i++) {
		(*ports)[i] = (uint16_t)atoi(argv[2 + i]);
		if (asprintf(&env[i], "PORT%zu=%s", i, argv[2 + i]) == -1)
			return ST_ENOMEM;
	}
	if (n > 0 && asprintf(&env[n], "PORT=%s", argv[2]) == -1)
		return ST_ENOMEM;
	memset(&spec, 0, sizeof(spec));
	spec.app_id = json_string_value(json_object_get(*app, "id"));
	spec.instance_id = argv[1];
	spec.version = "2026-01-01T00:00:00.000Z";
	spec.app = *app;
	spec.env = (const char *const *)env;
	spec.n_env = n > 0 ? n + 1 : 0;
	spec.host_ports = *ports;
	spec.n_ports = n;
	if (spec.app_id == NULL)
		return ST_EINVAL;
	return ctr_create(c, &spec, ctrtool_created, c);
}

static int
ctrtool_run(struct ctr *c, const char *op, int argc, char **argv,
    json_t **app, char ***env, uint16_t **ports)
{
	const char *a1 = argc > 1 ? argv[1] : NULL;
	const char *a2 = argc > 2 ? argv[2] : NULL;

	if (argc < 1 && strcmp(op, "images") != 0)
		return ST_EINVAL;
	if (strcmp(op, "pull") == 0)
		return ctr_image_pull(c, argv[0], a1, ctrtool_done, NULL);
	if (strcmp(op, "push") == 0)
		return ctr_image_push(c, argv[0], a1, ctrtool_done, NULL);
	if (strcmp(op, "tag") == 0 && a2 != NULL)
		return ctr_image_tag(c, argv[0], a1, a2, ctrtool_done, NULL);
	if (strcmp(op, "images") == 0)
		return ctr_image_list(c, ctrtool_json, NULL);
	if (strcmp(op, "rmi") == 0)
		return ctr_image_remove(c, argv[0], 1, ctrtool_done, NULL);
	if (strcmp(op, "create-run") == 0)
		return ctrtool_create(c, argc, argv, app, env, ports);
	if (strcmp(op, "inspect") == 0)
		return ctr_inspect(c, argv[0], ctrtool_info, NULL);
	if (strcmp(op, "wait") == 0)
		return ctr_wait(c, argv[0], ctrtool_info, NULL);
	if (strcmp(op, "logs") == 0)
		return ctr_logs(c, argv[0], 0, ctrtool_output, NULL);
	if (strcmp(op, "stats") == 0)
		return ctr_stats(c, argv[0], ctrtool_json, NULL);
	if (strcmp(op, "rm") == 0)
		return ctr_remove(c, argv[0], 1, ctrtool_done, NULL);
	if (strcmp(op, "start") == 0)
		return ctr_start(c, argv[0], ctrtool_done, NULL);
	if (strcmp(op, "stop") == 0 && a1 != NULL)
		return ctr_stop(c, argv[0], atoi(a1), ctrtool_done, NULL);
	if (strcmp(op, "kill") == 0 && a1 != NULL)
		return ctr_kill(c, argv[0], atoi(a1), ctrtool_done, NULL);
	if (strcmp(op, "exec") == 0 && a1 != NULL)
		return ctr_exec(c, argv[0], (const char *const *)argv + 1,
		    ctrtool_output, c);
	if (strcmp(op, "list") == 0)
		return ctr_list(c, argv[0], a1, ctrtool_list, NULL);
	if (strcmp(op, "events") == 0) {
		events_left = atol(argv[0]);
		return ctr_events(c, ctrtool_event, NULL);
	}
	fprintf(stderr, "ctrtool: unknown operation or arguments: %s\n", op);
	return ST_EINVAL;
}

int
main(int argc, char **argv)
{
	struct ctr_docker_params p = { .endpoint = getenv("DOCKER_ENDPOINT") };
	struct ctr *c = NULL;
	struct event *timer;
	struct timeval tv = { 120, 0 };
	json_t *app = NULL;
	char **env = NULL;
	uint16_t *ports = NULL;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: ctrtool docker|process STATE_DIR OP "
		    "ARGS...\n");
		return 2;
	}
	log_init("ctrtool", 0, getenv("CTRTOOL_DEBUG") ? LOG_LVL_DEBUG :
	    LOG_LVL_WARNING);
	if (getenv("CTRTOOL_TIMEOUT") != NULL)
		tv.tv_sec = atoi(getenv("CTRTOOL_TIMEOUT"));
	base = event_base_new();
	if (strcmp(argv[1], "docker") == 0)
		err = ctr_docker_new(base, &p, &c);
	else if (strcmp(argv[1], "process") == 0 && ctr_process_new != NULL)
		err = ctr_process_new(base, argv[2], &c);
	else
		err = ST_EINVAL;
	if (err != ST_OK) {
		fprintf(stderr, "ctrtool: no driver %s (%s)\n", argv[1],
		    st_strerror(err));
		event_base_free(base);
		return 2;
	}
	timer = evtimer_new(base, ctrtool_timeout, NULL);
	evtimer_add(timer, &tv);
	err = ctrtool_run(c, argv[3], argc - 4, argv + 4, &app, &env, &ports);
	if (err != ST_OK) {
		ctrtool_fail(err, "cannot start the operation");
		rc = 2;
	} else {
		event_base_dispatch(base);
	}
	ctr_free(c);
	event_free(timer);
	event_base_free(base);
	json_decref(app);
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		free(env[i]);
	free(env);
	free(ports);
	fflush(stdout);
	return rc;
}
