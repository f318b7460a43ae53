/*
 * orch_fixture.c -- the orchestrator of the unit tests on a real store,
 * registry and bus and a fake containerizer (orch_fixture.h).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "orch/orch.h"
#include "orch/orch_int.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/bus.h"
#include "util/clock.h"
#include "util/error.h"
#include "fake_ctr.h"
#include "orch_fixture.h"
#include "testlib.h"

uint16_t fx_port_min = 41000;

static void
fx_on_event(const char *type, const json_t *event, void *arg)
{
	struct fixture *f = arg;

	json_array_append_new(f->events, json_pack("[s,O,f]", type, event,
	    clock_wall()));
}

static void
fx_on_change(uint64_t index, void *arg)
{
	struct fixture *f = arg;

	f->changes++;
	if (f->on_change)
		f->on_change(f, index);
}

int
fx_events_of(struct fixture *f, const char *type, const char *key,
    const char *value)
{
	json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(f->events, i, e) {
		const json_t *ev = json_array_get(e, 1);
		const char *v = key ? json_string_value(json_object_get(ev,
		    key)) : NULL;

		if (strcmp(json_string_value(json_array_get(e, 0)), type) ==
		    0 && (key == NULL || (v && strcmp(v, value) == 0) ||
		    (json_is_true(json_object_get(ev, key)) &&
		    strcmp(value, "true") == 0)))
			n++;
	}
	return n;
}

void
fx_orch_up_held(struct fixture *f, int hold)
{
	struct orch_params p;

	memset(&p, 0, sizeof(p));
	p.state_dir = f->dir;
	p.host = "127.0.0.1";
	p.port_min = fx_port_min;
	p.port_max = (uint16_t)(fx_port_min + 99);
	assert_non_null(p.process_ctr = fake_ctr_new(&f->w));
	p.bus = f->bus;
	p.ttl = f->ttl;
	assert_int_equal(orch_new(f->base, f->st, f->reg, &p, &f->o), ST_OK);
	assert_int_equal(orch_start(f->o), ST_OK);
	if (!hold)
		fake_ctr_drain(f->base);
}

void
fx_orch_up(struct fixture *f)
{
	fx_orch_up_held(f, 0);
}

void
fx_orch_down(struct fixture *f)
{
	orch_free(f->o);
	f->o = NULL;
}

void
fx_orch_ttl(struct fixture *f, uint32_t ttl)
{
	fx_orch_down(f);
	f->ttl = ttl;
	fx_orch_up(f);
}

int
fx_setup(void **state)
{
	struct registry_params rp = { "mesos", "marathon", 60 };
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned sub;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", testlib_tmpdir());
	assert_non_null(f->base = event_base_new());
	assert_int_equal(store_open(f->dir, &f->st), ST_OK);
	assert_int_equal(testlib_zones(f->st), ST_OK);
	assert_int_equal(registry_new(f->st, &rp, &f->reg), ST_OK);
	registry_on_change(f->reg, fx_on_change, f);
	assert_int_equal(bus_new(&f->bus), ST_OK);
	assert_non_null(f->events = json_array());
	assert_int_equal(bus_subscribe(f->bus, fx_on_event, f, &sub), ST_OK);
	fx_orch_up(f);
	*state = f;
	return 0;
}

int
fx_teardown(void **state)
{
	struct fixture *f = *state;

	fx_orch_down(f);
	for (size_t i = 0; i < f->n_socks; i++)
		if (f->socks[i] >= 0)
			close(f->socks[i]);
	bus_free(f->bus);
	json_decref(f->events);
	registry_free(f->reg);
	store_close(f->st);
	event_base_free(f->base);
	testlib_rmtree(f->dir);
	free(f);
	return 0;
}

int
fx_create(struct fixture *f, const char *body, json_t **details)
{
	struct orch_error e;
	json_t *b = json_loads(body, 0, NULL), *out = NULL;
	int err;

	assert_non_null(b);
	memset(&e, 0, sizeof(e));
	err = orch_app_create(f->o, b, &out, &e);
	json_decref(b);
	json_decref(out);
	if (details)
		*details = json_incref(e.details);
	orch_error_clear(&e);
	return err;
}

int
fx_update(struct fixture *f, const char *id, const char *body, int force,
    char *dep, json_t **deps)
{
	struct orch_error e;
	json_t *b = json_loads(body, 0, NULL), *out = NULL;
	int created, err;

	assert_non_null(b);
	memset(&e, 0, sizeof(e));
	err = orch_app_update(f->o, id, b, 1, force, &created, &out, &e);
	if (err == ST_OK && dep)
		snprintf(dep, ORCH_UUID_MAX, "%s", json_string_value(
		    json_object_get(out, "deploymentId")));
	if (deps)
		*deps = json_incref(e.deployments);
	json_decref(b);
	json_decref(out);
	orch_error_clear(&e);
	return err;
}

json_int_t
fx_app_int(struct fixture *f, const char *id, const char *key)
{
	json_t *out;
	json_int_t v;

	assert_int_equal(orch_app_json(f->o, id, &out), ST_OK);
	v = json_integer_value(json_object_get(json_object_get(out, "app"),
	    key));
	json_decref(out);
	return v;
}

const char *
fx_app_str(struct fixture *f, const char *id, const char *key, char *out,
    size_t size)
{
	json_t *app;

	assert_int_equal(orch_app_json(f->o, id, &app), ST_OK);
	snprintf(out, size, "%s", json_string_value(json_object_get(
	    json_object_get(app, "app"), key)) ?: "");
	json_decref(app);
	return out;
}

int
fx_published(struct fixture *f, const char *id)
{
	json_t *list;
	uint64_t idx;
	int n;

	if (registry_instances_json(f->reg, id, &list, &idx) != ST_OK)
		return -1;
	n = (int)json_array_size(list);
	json_decref(list);
	return n;
}

static int
fx_is_served(const json_t *inst)
{
	const char *h = json_string_value(json_object_get(inst, "health"));

	return h && (strcmp(h, "healthy") == 0 || strcmp(h, "none") == 0);
}

int
fx_served(struct fixture *f, const char *id)
{
	json_t *list, *inst;
	uint64_t idx;
	size_t i;
	int n = 0;

	if (registry_instances_json(f->reg, id, &list, &idx) != ST_OK)
		return 0;
	json_array_foreach(list, i, inst)
		n += fx_is_served(inst);
	json_decref(list);
	return n;
}

int
fx_served_cmd(struct fixture *f, const char *id, const char *cmd,
    unsigned *weight)
{
	json_t *list, *inst;
	struct fake_inst *in;
	uint64_t idx;
	size_t i;
	int n = 0;

	if (weight)
		*weight = 0;
	if (registry_instances_json(f->reg, id, &list, &idx) != ST_OK)
		return 0;
	json_array_foreach(list, i, inst) {
		in = fake_world_find(&f->w, json_string_value(json_object_get(
		    inst, "id")));
		if (!fx_is_served(inst) || in == NULL ||
		    strcmp(in->cmd, cmd) != 0)
			continue;
		n++;
		if (weight)
			*weight += (unsigned)json_integer_value(json_object_get(
			    inst, "weight"));
	}
	json_decref(list);
	return n;
}

size_t
fx_deployments(struct fixture *f)
{
	json_t *list;
	size_t n;

	assert_int_equal(orch_deployments_json(f->o, &list), ST_OK);
	n = json_array_size(list);
	json_decref(list);
	return n;
}

int
fx_no_deployment(struct fixture *f)
{
	return fx_deployments(f) == 0;
}

int
fx_new_answered_done(struct fixture *f)
{
	fx_answer(f, "new");
	return fx_deployments(f) == 0;
}

int
fx_pause(struct fixture *f, const char *id, int pause, json_t **view)
{
	struct orch_error e;
	json_t *out = NULL;
	int err;

	memset(&e, 0, sizeof(e));
	err = orch_deployment_pause(f->o, id, pause, &out, &e);
	orch_error_clear(&e);
	if (view)
		*view = out;
	else
		json_decref(out);
	return err;
}

json_t *
fx_deployment(struct fixture *f, const char *id)
{
	json_t *list, *d, *found = NULL;
	size_t i;

	assert_int_equal(orch_deployments_json(f->o, &list), ST_OK);
	json_array_foreach(list, i, d)
		if (strcmp(json_string_value(json_array_get(json_object_get(d,
		    "affectedApps"), 0)) ?: "", id) == 0)
			found = json_incref(d);
	json_decref(list);
	return found;
}

json_int_t
fx_dep_int(struct fixture *f, const char *id, const char *key)
{
	json_t *d = fx_deployment(f, id), *v;
	json_int_t n;

	assert_non_null(d);
	v = json_object_get(d, key);
	n = json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
	json_decref(d);
	return n;
}

static int
fx_cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
fx_task_ids(struct fixture *f, const char *id, char *out, size_t size)
{
	const char *ids[FAKE_INST_MAX];
	json_t *list, *t;
	size_t i, n = 0, len;

	out[0] = '\0';
	assert_int_equal(orch_tasks_json(f->o, id, NULL, &list), ST_OK);
	json_array_foreach(json_object_get(list, "tasks"), i, t)
		if (n < FAKE_INST_MAX)
			ids[n++] = json_string_value(json_object_get(t, "id"));
	qsort(ids, n, sizeof(ids[0]), fx_cmp_str);
	for (i = 0; i < n; i++) {
		len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? " " : "", ids[i]);
	}
	json_decref(list);
}

int
fx_running_cmd(struct fixture *f, const char *cmd)
{
	int n = 0;

	for (size_t i = 0; i < FAKE_INST_MAX; i++)
		n += f->w.inst[i].used &&
		    f->w.inst[i].info.state == CTR_S_RUNNING &&
		    strcmp(f->w.inst[i].cmd, cmd) == 0;
	return n;
}

double
fx_event_at(struct fixture *f, const char *type, const char *key1,
    const char *v1, const char *key2, const char *v2)
{
	json_t *e;
	size_t i;

	json_array_foreach(f->events, i, e) {
		const json_t *ev = json_array_get(e, 1);
		const char *a = json_string_value(json_object_get(ev, key1));
		const char *b = json_string_value(json_object_get(ev, key2));

		if (strcmp(json_string_value(json_array_get(e, 0)), type) ==
		    0 && a && strcmp(a, v1) == 0 && b && strcmp(b, v2) == 0)
			return json_real_value(json_array_get(e, 2));
	}
	return -1;
}

int
fx_plan_events(struct fixture *f, const char *type, const char *strategy)
{
	json_t *e;
	size_t i;
	int n = 0;

	json_array_foreach(f->events, i, e) {
		const char *s = json_string_value(json_object_get(
		    json_object_get(json_array_get(e, 1), "plan"), "strategy"));

		n += strcmp(json_string_value(json_array_get(e, 0)), type) ==
		    0 && s && strcmp(s, strategy) == 0;
	}
	return n;
}

const char *
fx_dep_str(struct fixture *f, const char *id, const char *key, char *out,
    size_t size)
{
	json_t *d = fx_deployment(f, id);

	snprintf(out, size, "%s", json_string_value(json_object_get(d,
	    key)) ?: "");
	json_decref(d);
	return out;
}

double
fx_dep_num(struct fixture *f, const char *id, const char *key)
{
	json_t *d = fx_deployment(f, id);
	double v;

	assert_non_null(d);
	v = json_number_value(json_object_get(d, key));
	json_decref(d);
	return v;
}

void
fx_assert_share(struct fixture *f, const char *id, unsigned pct, int n_new,
    int n_old)
{
	unsigned w_new, w_old;

	assert_int_equal(fx_served_cmd(f, id, "new", &w_new), n_new);
	assert_int_equal(fx_served_cmd(f, id, "old", &w_old), n_old);
	assert_true(w_new + w_old > 0);
	assert_int_equal(w_new * 100, pct * (w_new + w_old));
}

static void
fx_watch_change(struct fixture *f, uint64_t index)
{
	struct fx_watch *w = f->arg;
	struct fx_seen *s;

	if (w->n++ >= FX_SEEN_MAX)
		return;
	s = &w->s[w->n - 1];
	s->at = clock_wall();
	s->index = index;
	s->published = fx_published(f, w->app);
	s->served = fx_served(f, w->app);
	s->s_old = fx_served_cmd(f, w->app, w->old_cmd, &s->w_old);
	s->s_new = fx_served_cmd(f, w->app, w->new_cmd, &s->w_new);
}

void
fx_watch_start(struct fixture *f, struct fx_watch *w, const char *app,
    const char *old_cmd, const char *new_cmd)
{
	memset(w, 0, sizeof(*w));
	w->app = app;
	w->old_cmd = old_cmd;
	w->new_cmd = new_cmd;
	f->arg = w;
	f->on_change = fx_watch_change;
}

void
fx_watch_stop(struct fixture *f, struct fx_watch *w)
{
	f->on_change = NULL;
	f->arg = NULL;
	assert_true(w->n > 0);
	assert_true(w->n <= FX_SEEN_MAX);
}

static void
fx_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	*(int *)arg = 1;
}

static int
fx_never(struct fixture *f)
{
	(void)f;
	return 0;
}

int
fx_run_until(struct fixture *f, int (*pred)(struct fixture *), double s)
{
	struct timeval tv;
	int expired = 0;
	struct event *t = evtimer_new(f->base, fx_wake, &expired);

	assert_non_null(t);
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	evtimer_add(t, &tv);
	fake_ctr_drain(f->base);
	while (!pred(f) && !expired) {
		event_base_loop(f->base, EVLOOP_ONCE);
		fake_ctr_drain(f->base);
	}
	event_free(t);
	return pred(f);
}

void
fx_run_for(struct fixture *f, double s)
{
	fx_run_until(f, fx_never, s);
}

int
fx_listen_on(struct fixture *f, uint16_t port)
{
	struct sockaddr_in sin;
	int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	assert_true(s >= 0);
	assert_true(f->n_socks < FX_SOCKS_MAX);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(s, 16), 0);
	f->socks[f->n_socks] = s;
	f->sock_ports[f->n_socks++] = port;
	return s;
}

void
fx_unlisten(struct fixture *f, uint16_t port)
{
	for (size_t i = 0; i < f->n_socks; i++)
		if (f->socks[i] >= 0 && f->sock_ports[i] == port) {
			close(f->socks[i]);
			f->socks[i] = -1;
		}
}

static int
fx_listening(const struct fixture *f, uint16_t port)
{
	for (size_t i = 0; i < f->n_socks; i++)
		if (f->socks[i] >= 0 && f->sock_ports[i] == port)
			return 1;
	return 0;
}

int
fx_answer(struct fixture *f, const char *cmd)
{
	struct fake_inst *in;
	uint16_t port;
	int n = 0;

	for (size_t i = 0; i < FAKE_INST_MAX; i++) {
		in = &f->w.inst[i];
		if (!in->used || in->info.state != CTR_S_RUNNING ||
		    strcmp(in->cmd, cmd) != 0 || in->env_port0[0] == '\0')
			continue;
		port = (uint16_t)atoi(in->env_port0);
		if (!fx_listening(f, port))
			fx_listen_on(f, port);
		n++;
	}
	return n;
}
