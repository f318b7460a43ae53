/*
 * test_ctr_process.c -- the process driver with real processes on a real
 * event loop: launch, environment, logs, exits, stop, list, adoption after
 * a restart, exec, stats and removal.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "orch/containerizer.h"
#include "orch/ctr_process.h"
#include "util/error.h"
#include "testlib.h"

struct fx {
	char dir[4096];
	struct event_base *base;
	struct ctr *c;
	int done;
	int err;
	char handle[CTR_HANDLE_MAX];
	struct ctr_info info;
	struct ctr_info infos[16];
	size_t n;
	char data[4096];
	size_t len;
	int exit_code;
	json_t *json;
	struct ctr_event evs[64];
	int n_ev;
};

static void
on_done(int err, const char *msg, void *arg)
{
	struct fx *f = arg;

	f->err = err;
	f->done++;
}

static void
on_create(int err, const char *msg, const char *handle, void *arg)
{
	struct fx *f = arg;

	f->err = err;
	snprintf(f->handle, sizeof(f->handle), "%s", handle ? handle : "");
	f->done++;
}

static void
on_info(int err, const char *msg, const struct ctr_info *info, void *arg)
{
	struct fx *f = arg;

	f->err = err;
	if (info != NULL)
		f->info = *info;
	f->done++;
}

static void
on_list(int err, const char *msg, const struct ctr_info *infos, size_t n,
    void *arg)
{
	struct fx *f = arg;

	f->err = err;
	f->n = n < 16 ? n : 16;
	if (f->n > 0)
		memcpy(f->infos, infos, f->n * sizeof(*infos));
	f->done++;
}

static void
on_output(int err, const char *msg, const char *data, size_t len,
    int exit_code, void *arg)
{
	struct fx *f = arg;

	f->err = err;
	f->len = len < sizeof(f->data) - 1 ? len : sizeof(f->data) - 1;
	memcpy(f->data, data, f->len);
	f->data[f->len] = '\0';
	f->exit_code = exit_code;
	f->done++;
}

static void
on_json(int err, const char *msg, const json_t *v, void *arg)
{
	struct fx *f = arg;

	f->err = err;
	json_decref(f->json);
	f->json = v ? json_deep_copy(v) : NULL;
	f->done++;
}

static void
on_event(const struct ctr_event *ev, void *arg)
{
	struct fx *f = arg;

	if (f->n_ev < 64)
		f->evs[f->n_ev++] = *ev;
}

static void
on_expire(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Drive the loop until *flag >= want; fail after 10 s. */
static void
run_until(struct fx *f, int *flag, int want)
{
	struct timeval tv = { 10, 0 };
	int expired = 0;
	struct event *t = evtimer_new(f->base, on_expire, &expired);

	evtimer_add(t, &tv);
	while (*flag < want && !expired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(t);
	assert_false(expired);
}

/* Run the operation just started and wait for its one callback. */
#define CALL(f, expr) do {				\
	(f)->done = 0;					\
	assert_int_equal((expr), ST_OK);		\
	assert_int_equal((f)->done, 0);			\
	run_until((f), &(f)->done, 1);			\
} while (0)

static struct ctr_event *
wait_event(struct fx *f, enum ctr_event_type type, const char *handle)
{
	struct timeval tv = { 10, 0 };
	int expired = 0, seen = 0;
	struct event *t = evtimer_new(f->base, on_expire, &expired);

	evtimer_add(t, &tv);
	for (;;) {
		for (; seen < f->n_ev; seen++)
			if (f->evs[seen].type == type &&
			    strcmp(f->evs[seen].info.handle, handle) == 0) {
				event_free(t);
				return &f->evs[seen];
			}
		if (expired)
			break;
		event_base_loop(f->base, EVLOOP_ONCE);
	}
	event_free(t);
	fail_msg("no event %d for %s", type, handle);
	return NULL;
}

static void
driver_open(struct fx *f)
{
	assert_int_equal(ctr_process_new(f->base, f->dir, &f->c), ST_OK);
	assert_string_equal(ctr_name(f->c), "process");
	assert_int_equal(ctr_events(f->c, on_event, f), ST_OK);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_non_null(f->base = event_base_new());
	driver_open(f);
	*state = f;
	return 0;
}

/* Kill and remove whatever a test left running. */
static int
teardown(void **state)
{
	struct fx *f = *state;
	struct ctr_info all[16];
	size_t n;

	if (f->c != NULL) {
		CALL(f, ctr_list(f->c, NULL, NULL, on_list, f));
		n = f->n;
		memcpy(all, f->infos, n * sizeof(*all));
		for (size_t i = 0; i < n; i++)
			CALL(f, ctr_remove(f->c, all[i].handle, 1, on_done, f));
		ctr_free(f->c);
	}
	json_decref(f->json);
	event_base_free(f->base);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

/* Create and start instance id of app_id running the app JSON. */
static void
launch(struct fx *f, const char *app_id, const char *id, const char *app,
    const char *const *env, size_t n_env)
{
	struct ctr_spec spec;
	json_t *j = json_loads(app, 0, NULL);

	assert_non_null(j);
	memset(&spec, 0, sizeof(spec));
	spec.app_id = app_id;
	spec.instance_id = id;
	spec.version = "v1";
	/* Two owners, so that listing by owner has something to tell apart. */
	spec.owner = strcmp(app_id, "/b") == 0 ? "them" : "us";
	spec.app = j;
	spec.env = env;
	spec.n_env = n_env;
	CALL(f, ctr_create(f->c, &spec, on_create, f));
	json_decref(j);
	assert_int_equal(f->err, ST_OK);
	assert_string_equal(f->handle, id);
	CALL(f, ctr_inspect(f->c, id, on_info, f));
	assert_int_equal(f->info.state, CTR_S_CREATED);
	CALL(f, ctr_start(f->c, id, on_done, f));
	assert_int_equal(f->err, ST_OK);
	wait_event(f, CTR_EV_START, id);
}

static void
inspect(struct fx *f, const char *id)
{
	CALL(f, ctr_inspect(f->c, id, on_info, f));
}

static void
test_run_inspect_exec_stats(void **state)
{
	struct fx *f = *state;
	static const char *const hi[] = { "echo", "hi", NULL };
	static const char *const five[] = { "sh", "-c", "echo $X; exit 5",
	    NULL };
	static const char *const env[] = { "X=from-env" };

	launch(f, "/web", "web.1", "{\"cmd\":\"sleep 30\",\"mem\":64}", env, 1);
	inspect(f, "web.1");
	assert_int_equal(f->err, ST_OK);
	assert_int_equal(f->info.state, CTR_S_RUNNING);
	assert_true(f->info.pid > 0);
	assert_int_equal(kill((pid_t)f->info.pid, 0), 0);
	assert_string_equal(f->info.app_id, "/web");
	assert_string_equal(f->info.version, "v1");
	assert_true(f->info.started_at > 0);

	CALL(f, ctr_exec(f->c, "web.1", hi, on_output, f));
	assert_int_equal(f->err, ST_OK);
	assert_string_equal(f->data, "hi\n");
	assert_int_equal(f->exit_code, 0);
	CALL(f, ctr_exec(f->c, "web.1", five, on_output, f));
	assert_string_equal(f->data, "from-env\n");
	assert_int_equal(f->exit_code, 5);

	CALL(f, ctr_stats(f->c, "web.1", on_json, f));
	assert_int_equal(f->err, ST_OK);
	assert_true(json_integer_value(json_object_get(f->json,
	    "mem_bytes")) > 0);
	assert_true(json_integer_value(json_object_get(f->json, "pids")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(f->json,
	    "mem_limit_bytes")), 64 * 1024 * 1024);

	CALL(f, ctr_stop(f->c, "web.1", 10, on_done, f));
	assert_int_equal(f->err, ST_OK);
	inspect(f, "web.1");
	assert_int_equal(f->info.state, CTR_S_EXITED);
	assert_int_equal(f->info.exit_code, 128 + SIGTERM);
	CALL(f, ctr_exec(f->c, "web.1", hi, on_output, f));
	assert_int_equal(f->err, ST_ECONFLICT);
}

static void
test_env_and_logs(void **state)
{
	struct fx *f = *state;
	char out[4200], envs[2][4300], buf[64];
	const char *env[2] = { envs[0], envs[1] };
	FILE *fp;

	setenv("STADION_TEST_LEAK", "leaked", 1);
	snprintf(out, sizeof(out), "%s/port.txt", f->dir);
	snprintf(envs[0], sizeof(envs[0]), "PORT0=31001");
	snprintf(envs[1], sizeof(envs[1]), "OUT=%s", out);
	launch(f, "/env", "env.1", "{\"cmd\":\"echo $PORT0 > $OUT; "
	    "echo leak=$STADION_TEST_LEAK; echo line2; echo err-line >&2\"}",
	    env, 2);
	assert_int_equal(wait_event(f, CTR_EV_DIE, "env.1")->info.exit_code, 0);
	assert_non_null(fp = fopen(out, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "31001\n");

	CALL(f, ctr_logs(f->c, "env.1", 0, on_output, f));
	assert_int_equal(f->err, ST_OK);
	assert_string_equal(f->data, "leak=\nline2\nerr-line\n");
	CALL(f, ctr_logs(f->c, "env.1", 2, on_output, f));
	assert_string_equal(f->data, "line2\nerr-line\n");
}

static void
test_exit_code_and_wait(void **state)
{
	struct fx *f = *state;
	struct ctr_event *ev;

	launch(f, "/x", "x.1", "{\"cmd\":\"exit 3\"}", NULL, 0);
	ev = wait_event(f, CTR_EV_DIE, "x.1");
	assert_int_equal(ev->info.exit_code, 3);
	assert_string_equal(ev->info.app_id, "/x");
	inspect(f, "x.1");
	assert_int_equal(f->info.state, CTR_S_EXITED);
	assert_int_equal(f->info.exit_code, 3);
	CALL(f, ctr_wait(f->c, "x.1", on_info, f));
	assert_int_equal(f->info.exit_code, 3);

	/* args are exec'd as given; wait answers when the process ends */
	launch(f, "/x", "x.2", "{\"args\":[\"sh\",\"-c\",\"exit 4\"]}", NULL, 0);
	CALL(f, ctr_wait(f->c, "x.2", on_info, f));
	assert_int_equal(f->info.state, CTR_S_EXITED);
	assert_int_equal(f->info.exit_code, 4);
}

static void
test_exec_failure(void **state)
{
	struct fx *f = *state;
	struct ctr_spec spec;
	json_t *j = json_pack("{s:[s]}", "args", "/nonexistent/stadion-x");

	memset(&spec, 0, sizeof(spec));
	spec.app_id = "/bad";
	spec.instance_id = "bad.1";
	spec.app = j;
	CALL(f, ctr_create(f->c, &spec, on_create, f));
	assert_int_equal(f->err, ST_OK);
	CALL(f, ctr_start(f->c, "bad.1", on_done, f));
	assert_int_equal(f->err, ST_EIO);
	inspect(f, "bad.1");
	assert_int_equal(f->info.state, CTR_S_CREATED);
	CALL(f, ctr_logs(f->c, "bad.1", 1, on_output, f));
	assert_non_null(strstr(f->data, "cannot exec /nonexistent/stadion-x"));
	/* a handle cannot be a path */
	spec.instance_id = "../x";
	assert_int_equal(ctr_create(f->c, &spec, on_create, f), ST_EINVAL);
	json_decref(j);
}

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	(*(int *)arg)++;
}

static void
test_stop_escalates(void **state)
{
	struct fx *f = *state;
	char fifo[4200], env0[4300], app[256];
	const char *env[1] = { env0 };
	struct timespec t0, t1;
	struct event *ev;
	int fd, ready = 0;

	/* The shell says it ignores SIGTERM through a fifo: no guessing. */
	snprintf(fifo, sizeof(fifo), "%s/ready", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_true((fd = open(fifo, O_RDONLY | O_NONBLOCK)) >= 0);
	ev = event_new(f->base, fd, EV_READ, on_readable, &ready);
	event_add(ev, NULL);
	snprintf(env0, sizeof(env0), "FIFO=%s", fifo);
	snprintf(app, sizeof(app), "{\"cmd\":\"trap '' TERM; echo ready > "
	    "$FIFO; sleep 30\"}");
	launch(f, "/stubborn", "s.1", app, env, 1);
	run_until(f, &ready, 1);
	event_free(ev);
	close(fd);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CALL(f, ctr_stop(f->c, "s.1", 1, on_done, f));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(f->err, ST_OK);
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 900);
	inspect(f, "s.1");
	assert_int_equal(f->info.state, CTR_S_EXITED);
	assert_int_equal(f->info.exit_code, 128 + SIGKILL);
}

static void
test_list_by_label(void **state)
{
	struct fx *f = *state;

	launch(f, "/a", "a.1", "{\"cmd\":\"sleep 30\"}", NULL, 0);
	launch(f, "/a", "a.2", "{\"cmd\":\"sleep 30\"}", NULL, 0);
	launch(f, "/b", "b.1", "{\"cmd\":\"sleep 30\"}", NULL, 0);
	CALL(f, ctr_list(f->c, CTR_LABEL_APP, "/a", on_list, f));
	assert_int_equal(f->n, 2);
	assert_string_equal(f->infos[0].app_id, "/a");
	assert_string_equal(f->infos[1].app_id, "/a");
	CALL(f, ctr_list(f->c, CTR_LABEL_APP, NULL, on_list, f));
	assert_int_equal(f->n, 3);
	CALL(f, ctr_list(f->c, CTR_LABEL_INSTANCE, "b.1", on_list, f));
	assert_int_equal(f->n, 1);
	assert_int_equal(f->infos[0].state, CTR_S_RUNNING);
	CALL(f, ctr_list(f->c, CTR_LABEL_VERSION, "v2", on_list, f));
	assert_int_equal(f->n, 0);
	CALL(f, ctr_list(f->c, CTR_LABEL_OWNER, "us", on_list, f));
	assert_int_equal(f->n, 2);
	CALL(f, ctr_list(f->c, CTR_LABEL_OWNER, "them", on_list, f));
	assert_int_equal(f->n, 1);
	assert_string_equal(f->infos[0].app_id, "/b");
}

static void
test_adoption(void **state)
{
	struct fx *f = *state;
	struct ctr_event *ev;
	pid_t pid;
	int st;

	launch(f, "/keep", "keep.1", "{\"cmd\":\"sleep 30\"}", NULL, 0);
	inspect(f, "keep.1");
	pid = (pid_t)f->info.pid;
	/* stadiond restarts: the process stays */
	ctr_free(f->c);
	assert_int_equal(kill(pid, 0), 0);
	driver_open(f);
	CALL(f, ctr_list(f->c, CTR_LABEL_APP, "/keep", on_list, f));
	assert_int_equal(f->n, 1);
	assert_int_equal(f->infos[0].state, CTR_S_RUNNING);
	assert_int_equal(f->infos[0].pid, pid);
	assert_string_equal(f->infos[0].instance_id, "keep.1");

	assert_int_equal(kill(-pid, SIGKILL), 0);
	ev = wait_event(f, CTR_EV_DIE, "keep.1");
	/* Still our child here, so the exit is known; adopted: -1. */
	assert_true(ev->info.exit_code == 128 + SIGKILL ||
	    ev->info.exit_code == -1);
	/* reaped: no zombie left */
	assert_int_equal(waitpid(pid, &st, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void
test_reused_pid(void **state)
{
	struct fx *f = *state;
	char path[4300];
	FILE *fp;

	/* A record whose pid is now someone else: this test process. */
	snprintf(path, sizeof(path), "%s/proc/old.1", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/proc/old.1/record.json", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "{\"labels\":{\"%s\":\"/old\",\"%s\":\"old.1\","
	    "\"%s\":\"v0\"},\"state\":\"running\",\"pid\":%d,"
	    "\"start_ticks\":7,\"started_at\":1,\"exit_code\":-1,"
	    "\"launch\":{\"cmd\":\"true\",\"env\":[]}}", CTR_LABEL_APP,
	    CTR_LABEL_INSTANCE, CTR_LABEL_VERSION, (int)getpid());
	fclose(fp);
	ctr_free(f->c);
	driver_open(f);
	CALL(f, ctr_list(f->c, CTR_LABEL_APP, "/old", on_list, f));
	assert_int_equal(f->n, 1);
	assert_int_not_equal(f->infos[0].state, CTR_S_RUNNING);
	assert_int_equal(f->infos[0].exit_code, -1);
	inspect(f, "old.1");
	assert_int_equal(f->info.state, CTR_S_EXITED);
	/* and we are still alive: nothing was signalled */
}

static void
test_remove_restart(void **state)
{
	struct fx *f = *state;
	char path[4300];
	struct stat st;
	int64_t pid;

	launch(f, "/r", "r.1", "{\"cmd\":\"sleep 30\"}", NULL, 0);
	inspect(f, "r.1");
	pid = f->info.pid;
	CALL(f, ctr_restart(f->c, "r.1", 5, on_done, f));
	assert_int_equal(f->err, ST_OK);
	inspect(f, "r.1");
	assert_int_equal(f->info.state, CTR_S_RUNNING);
	assert_true(f->info.pid != pid);
	pid = f->info.pid;

	CALL(f, ctr_remove(f->c, "r.1", 0, on_done, f));
	assert_int_equal(f->err, ST_ECONFLICT);
	CALL(f, ctr_remove(f->c, "r.1", 1, on_done, f));
	assert_int_equal(f->err, ST_OK);
	wait_event(f, CTR_EV_DESTROY, "r.1");
	snprintf(path, sizeof(path), "%s/proc/r.1", f->dir);
	assert_int_equal(stat(path, &st), -1);
	inspect(f, "r.1");
	assert_int_equal(f->err, ST_ENOTFOUND);
	/* killed and reaped */
	assert_int_equal(kill((pid_t)pid, 0), -1);
}

static void
test_free_drops_callbacks(void **state)
{
	struct fx *f = *state;

	f->done = 0;
	assert_int_equal(ctr_inspect(f->c, "none", on_info, f), ST_OK);
	ctr_free(f->c);
	f->c = NULL;
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(f->done, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_inspect_exec_stats,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_and_logs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exit_code_and_wait, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_escalates, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_by_label, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_adoption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_pid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_remove_restart, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_drops_callbacks,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
