/*
 * orch.c -- the orchestrator's life cycle: its state loaded from LMDB,
 * its drivers (made on first use), their events, and the sync that
 * compares what a driver runs with the task records: instances of known
 * tasks are adopted, labelled instances nobody knows are removed, and
 * records whose instance is gone end. After a restart (even kill -9) this
 * is how stadiond picks up where it was without duplicates or orphans.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "dns/name.h"
#include "health/health.h"
#include "orch/analysis.h"
#include "orch/ctr_docker.h"
#include "orch/ctr_process.h"
#include "orch/orch_int.h"
#include "orch/ports.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/curlev.h"
#include "util/error.h"
#include "util/log.h"

void
orch_new_version(struct orch *o, char *out)
{
	int64_t ms = clock_wall_ms();

	if (ms <= o->last_version_ms)
		ms = o->last_version_ms + 1;
	o->last_version_ms = ms;
	clock_iso_ms(ms, out, ORCH_VERSION_MAX);
}

/* Versions loaded from the store: new ones must sort after them. */
static void
orch_note_version(struct orch *o, const char *v)
{
	struct tm tm;
	int ms = 0;
	const char *rest;

	memset(&tm, 0, sizeof(tm));
	if (v == NULL || (rest = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm)) ==
	    NULL)
		return;
	if (*rest == '.')
		ms = atoi(rest + 1);
	if ((int64_t)timegm(&tm) * 1000 + ms > o->last_version_ms)
		o->last_version_ms = (int64_t)timegm(&tm) * 1000 + ms;
}

void
orch_uuid(char *out)
{
	uint8_t b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* Not a secret, only unique: time and counter will do. */
		static uint64_t n;
		uint64_t t = (uint64_t)clock_wall_ms() ^ ((uint64_t)getpid() << 40);

		n++;
		memcpy(b, &t, 8);
		memcpy(b + 8, &n, 8);
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
	snprintf(out, ORCH_UUID_MAX, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
	    b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
	    b[15]);
}

enum orch_drv
orch_app_drv(const json_t *def)
{
	const char *type = json_string_value(json_object_get(json_object_get(
	    def, "container"), "type"));

	return type && strcmp(type, "DOCKER") == 0 ? ORCH_DRV_DOCKER :
	    ORCH_DRV_PROCESS;
}

struct orch_app *
orch_app_find(struct orch *o, const char *id)
{
	struct orch_app *a;

	TAILQ_FOREACH(a, &o->apps, entry)
		if (strcmp(a->id, id) == 0)
			return a;
	return NULL;
}

struct orch_app *
orch_app_live(struct orch *o, const char *id)
{
	char norm[APP_ID_MAX];
	struct orch_app *a;

	if (id == NULL || app_id_normalize(id, norm, sizeof(norm)) != ST_OK ||
	    (a = orch_app_find(o, norm)) == NULL || a->def == NULL)
		return NULL;
	return a;
}

struct orch_task *
orch_task_find(struct orch *o, const char *task_id)
{
	struct orch_app *a;
	struct orch_task *t;

	TAILQ_FOREACH(a, &o->apps, entry)
		TAILQ_FOREACH(t, &a->tasks, entry)
			if (strcmp(t->id, task_id) == 0)
				return t;
	return NULL;
}

struct orch_app *
orch_app_add(struct orch *o, const char *id)
{
	struct orch_app *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->o = o;
	snprintf(a->id, sizeof(a->id), "%s", id);
	/* An id that has no label never passed app_check: it has no names. */
	if (dns_label_from_app_id(id, a->label, sizeof(a->label)) != ST_OK)
		a->label[0] = '\0';
	TAILQ_INIT(&a->tasks);
	TAILQ_INSERT_TAIL(&o->apps, a, entry);
	return a;
}

static void
orch_app_free(struct orch_app *a)
{
	struct orch_task *t;

	while ((t = TAILQ_FIRST(&a->tasks)) != NULL) {
		TAILQ_REMOVE(&a->tasks, t, entry);
		orch_task_free(t);
	}
	analysis_cancel(a->an);
	json_decref(a->def);
	json_decref(a->last_failure);
	free(a);
}

void
orch_app_forget(struct orch_app *a)
{
	TAILQ_REMOVE(&a->o->apps, a, entry);
	orch_app_free(a);
}

json_t *
orch_app_deployment(struct orch *o, const char *id)
{
	const char *key;
	json_t *d;

	json_object_foreach(o->deployments, key, d) {
		const char *app = json_string_value(json_array_get(
		    json_object_get(d, "affectedApps"), 0));

		if (app && strcmp(app, id) == 0)
			return d;
	}
	return NULL;
}

static void
orch_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	orch_plan_run(arg);
}

/*
 * A timer of no delay rather than event_active: the pass then runs after
 * the loop has polled its sockets, so passes that kick again (a large
 * launch in batches) leave the API and the drivers' events their turn.
 */
void
orch_kick(struct orch *o)
{
	static const struct timeval now = { 0, 0 };

	if (o->started && !evtimer_pending(o->kick_ev, NULL))
		evtimer_add(o->kick_ev, &now);
}

/* Every task of driver dv moves on (after a sync or a resync). */
static void
orch_step_all(struct orch *o, enum orch_drv d)
{
	struct orch_app *a;
	struct orch_task *t, *next;

	TAILQ_FOREACH(a, &o->apps, entry)
		for (t = TAILQ_FIRST(&a->tasks); t != NULL; t = next) {
			next = TAILQ_NEXT(t, entry);
			if (t->drv == d)
				orch_task_step(t);
		}
}

static void
orch_orphan_removed(int err, const char *msg, void *arg)
{
	(void)arg;
	if (err != ST_OK && err != ST_ENOTFOUND)
		log_warnx("orch: cannot remove an orphaned instance (%s)",
		    msg ? msg : st_strerror(err));
}

static void
orch_listed(int err, const char *msg, const struct ctr_info *infos, size_t n,
    void *arg)
{
	struct orch_driver *dv = arg;
	struct orch *o = dv->o;
	struct orch_app *a;
	struct orch_task *t;

	dv->syncing = 0;
	if (err != ST_OK) {
		log_warnx("orch: %s: cannot list instances (%s)",
		    ctr_name(dv->ctr), msg ? msg : st_strerror(err));
		return;
	}
	TAILQ_FOREACH(a, &o->apps, entry)
		TAILQ_FOREACH(t, &a->tasks, entry)
			t->seen = 0;
	/*
	 * The list is a picture taken when it was asked for: a task that
	 * moved since is newer than it and is left alone.
	 */
	for (size_t i = 0; i < n; i++) {
		t = orch_task_find(o, infos[i].instance_id);
		if (t && t->drv == dv->idx && t->changed >= dv->list_sent) {
			/* It moved since: its engine answered. */
			t->seen = 1;
			t->lost = 0;
			continue;
		}
		if (t == NULL || t->drv != dv->idx) {
			log_notice("orch: %s: removing %s (%s), an instance of "
			    "no known task", ctr_name(dv->ctr),
			    infos[i].instance_id, infos[i].app_id);
			if (ctr_remove(dv->ctr, infos[i].handle, 1,
			    orch_orphan_removed, NULL) != ST_OK)
				log_warnx("orch: cannot remove %s",
				    infos[i].handle);
			continue;
		}
		t->seen = 1;
		orch_task_synced(t, &infos[i]);
	}
	TAILQ_FOREACH(a, &o->apps, entry)
		TAILQ_FOREACH(t, &a->tasks, entry)
			if (t->drv == dv->idx && !t->seen &&
			    t->changed < dv->list_sent)
				orch_task_synced(t, NULL);
	if (!dv->synced)
		log_info("orch: %s driver synced: %zu instances", ctr_name(
		    dv->ctr), n);
	dv->synced = 1;
	dv->lost = 0;
	orch_step_all(o, dv->idx);
	orch_kick(o);
}

static void
orch_sync(struct orch_driver *dv)
{
	struct orch *o = dv->o;

	if (dv->ctr == NULL || dv->syncing)
		return;
	dv->syncing = 1;
	dv->list_sent = clock_mono();
	if (ctr_list(dv->ctr, CTR_LABEL_OWNER, o->owner, orch_listed, dv) !=
	    ST_OK) {
		dv->syncing = 0;
		log_warnx("orch: %s: cannot ask for its instances",
		    ctr_name(dv->ctr));
	}
}

static void
orch_ctr_event(const struct ctr_event *ev, void *arg)
{
	struct orch_driver *dv = arg;
	struct orch *o = dv->o;
	struct orch_app *a;
	struct orch_task *t;

	switch (ev->type) {
	case CTR_EV_LOST:
		log_warnx("orch: the %s engine cannot be reached; its tasks "
		    "are unreachable until it is back", ctr_name(dv->ctr));
		dv->lost = 1;
		dv->synced = 0;
		TAILQ_FOREACH(a, &o->apps, entry)
			TAILQ_FOREACH(t, &a->tasks, entry)
				if (t->drv == dv->idx && !t->lost) {
					/*
					 * As Marathon: an unreachable
					 * task is neither checked nor
					 * killed; the sync when the
					 * engine is back decides.
					 */
					t->lost = 1;
					orch_health_stop(t);
					orch_event_status(t, "engine unreachable");
				}
		return;
	case CTR_EV_RECONNECTED:
		log_notice("orch: the %s engine is back", ctr_name(dv->ctr));
		orch_sync(dv);
		return;
	case CTR_EV_START:
		return;
	case CTR_EV_OOM:
	case CTR_EV_DIE:
	case CTR_EV_DESTROY:
		break;
	}
	if ((t = orch_task_find(o, ev->info.instance_id)) == NULL ||
	    t->drv != dv->idx)
		return;
	if (ev->type == CTR_EV_OOM) {
		t->oom = 1;
		return;
	}
	if (!t->exited) {
		t->exited = 1;
		t->exit_code = ev->info.exit_code;
		t->vanished = ev->type == CTR_EV_DESTROY;
	}
	t->oom |= ev->info.oom;
	orch_task_step(t);
	orch_kick(o);
}

struct ctr *
orch_driver(struct orch *o, enum orch_drv d)
{
	struct orch_driver *dv = &o->drv[d];
	struct ctr_docker_params dp;
	int err;

	if (dv->ctr || dv->failed)
		return dv->ctr;
	if (d == ORCH_DRV_PROCESS) {
		err = ctr_process_new(o->base, o->state_dir, &dv->ctr);
	} else {
		memset(&dp, 0, sizeof(dp));
		dp.endpoint = o->docker_endpoint;
		dp.tls_ca = o->docker_ca;
		dp.tls_cert = o->docker_cert;
		dp.tls_key = o->docker_key;
		dp.dns_server = o->dns_server;
		dp.dns_search = o->dns_search;
		err = ctr_docker_new(o->base, &dp, &dv->ctr);
	}
	if (err != ST_OK) {
		log_errx("orch: cannot set up the %s driver (%s)",
		    d == ORCH_DRV_PROCESS ? "process" : "docker",
		    st_strerror(err));
		dv->failed = 1;
		return NULL;
	}
	if (ctr_events(dv->ctr, orch_ctr_event, dv) != ST_OK)
		log_warnx("orch: %s: cannot follow its events",
		    ctr_name(dv->ctr));
	if (o->started)
		orch_sync(dv);
	return dv->ctr;
}

static void
orch_delay_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	orch_plan_run(arg);
}

/* The safety net: whatever an event missed is found within a period. */
static void
orch_resync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct orch *o = arg;

	(void)fd, (void)what;
	for (int d = 0; d < ORCH_DRV__COUNT; d++)
		if (o->drv[d].ctr && !o->drv[d].lost)
			orch_sync(&o->drv[d]);
}

/*
 * A port some other program holds on the host is passed over: the range
 * is a convention, not a reservation.
 */
static int
orch_port_free(uint16_t port, void *arg)
{
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM };
	struct sockaddr_in sin;
	int s, one = 1, busy = 0;

	(void)arg;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]) && !busy; i++) {
		if ((s = socket(AF_INET, types[i] | SOCK_CLOEXEC, 0)) == -1)
			continue;
		/* A closing connection (TIME_WAIT) does not make it busy. */
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		busy = bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 &&
		    errno == EADDRINUSE;
		close(s);
	}
	return !busy;
}

struct bus *
orch_bus(struct orch *o)
{
	return o->bus;
}

void
orch_error_clear(struct orch_error *e)
{
	json_decref(e->details);
	json_decref(e->deployments);
	e->details = e->deployments = NULL;
}

static char *
orch_dup(const char *s, int *nomem)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*nomem = 1;
	return d;
}

int
orch_new(struct event_base *base, struct store *st, struct registry *reg,
    const struct orch_params *p, struct orch **out)
{
	struct timeval tv = { ORCH_RESYNC_S, 0 };
	struct orch *o;
	int nomem = 0, err;

	if (base == NULL || st == NULL || reg == NULL || p == NULL ||
	    p->state_dir == NULL || p->host == NULL)
		return ST_EINVAL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return ST_ENOMEM;
	o->base = base;
	o->st = st;
	o->reg = reg;
	TAILQ_INIT(&o->apps);
	for (int d = 0; d < ORCH_DRV__COUNT; d++) {
		o->drv[d].o = o;
		o->drv[d].idx = (enum orch_drv)d;
	}
	o->drv[ORCH_DRV_PROCESS].ctr = p->process_ctr;
	o->drv[ORCH_DRV_DOCKER].ctr = p->docker_ctr;
	o->bus = p->bus;
	o->state_dir = orch_dup(p->state_dir, &nomem);
	o->host = orch_dup(p->host, &nomem);
	o->framework_id = orch_dup(p->framework_id ? p->framework_id :
	    "stadion", &nomem);
	o->leader = orch_dup(p->leader ? p->leader : p->host, &nomem);
	o->docker_endpoint = orch_dup(p->docker_endpoint, &nomem);
	o->docker_ca = orch_dup(p->docker_tls_ca, &nomem);
	o->docker_cert = orch_dup(p->docker_tls_cert, &nomem);
	o->docker_key = orch_dup(p->docker_tls_key, &nomem);
	o->dns_server = orch_dup(p->dns_server, &nomem);
	o->dns_search = orch_dup(p->dns_search, &nomem);
	if (nomem || (o->deployments = json_object()) == NULL ||
	    (o->kick_ev = evtimer_new(base, orch_kick_cb, o)) == NULL ||
	    (o->delay_ev = evtimer_new(base, orch_delay_cb, o)) == NULL ||
	    (o->resync_ev = event_new(base, -1, EV_PERSIST, orch_resync_cb,
	    o)) == NULL || event_add(o->resync_ev, &tv) != 0) {
		err = ST_ENOMEM;
		goto fail;
	}
	o->port_min = p->port_min;
	o->port_max = p->port_max;
	if ((err = ports_new(p->port_min, p->port_max, &o->ports)) != ST_OK ||
	    (err = store_reader_new(st, &o->reader)) != ST_OK ||
	    (err = health_new(base, &o->health)) != ST_OK ||
	    (err = curlev_new(base, &o->cv)) != ST_OK)
		goto fail;
	o->ttl = p->ttl;
	ports_set_probe(o->ports, orch_port_free, NULL);
	*out = o;
	return ST_OK;
fail:
	orch_free(o);
	return err;
}

/*
 * The docker driver is made at start only when docker has work here or
 * its engine's socket exists, so a host without docker hears nothing of
 * it until an app asks for a container.
 */
static int
orch_docker_wanted(struct orch *o)
{
	const char *ep = o->docker_endpoint ? o->docker_endpoint :
	    "unix:///var/run/docker.sock";
	struct orch_app *a;
	struct orch_task *t;
	struct stat sb;

	if (strncmp(ep, "unix://", 7) != 0 || stat(ep + 7, &sb) == 0)
		return 1;
	TAILQ_FOREACH(a, &o->apps, entry) {
		if (a->def && orch_app_drv(a->def) == ORCH_DRV_DOCKER)
			return 1;
		TAILQ_FOREACH(t, &a->tasks, entry)
			if (t->drv == ORCH_DRV_DOCKER)
				return 1;
	}
	return 0;
}

static int
orch_owner_txn(struct store_txn *txn, void *arg)
{
	return store_put(txn, STORE_DB_META, "owner", 5, arg, strlen(arg));
}

/*
 * Who we are to the drivers: a UUID made once per state dir, so that a
 * restarted stadiond knows its instances from those of another stadiond
 * on the same engine.
 */
static int
orch_owner(struct orch *o)
{
	const void *val;
	size_t vlen;
	int err;

	if ((err = store_reader_begin(o->reader)) != ST_OK)
		return err;
	err = store_get(o->reader, STORE_DB_META, "owner", 5, &val, &vlen);
	if (err == ST_OK && vlen < sizeof(o->owner)) {
		memcpy(o->owner, val, vlen);
		o->owner[vlen] = '\0';
	}
	store_reader_end(o->reader);
	if (err != ST_ENOTFOUND)
		return err;
	orch_uuid(o->owner);
	return store_write(o->st, orch_owner_txn, o->owner);
}

int
orch_start(struct orch *o)
{
	struct orch_app *a;
	size_t napps = 0, ntasks = 0;
	int err;

	if ((err = orch_owner(o)) != ST_OK || (err = orch_db_load(o)) != ST_OK) {
		log_errx("orch: cannot load the apps (%s)", st_strerror(err));
		return err;
	}
	TAILQ_FOREACH(a, &o->apps, entry) {
		struct orch_task *t;

		if (a->def) {
			napps++;
			orch_note_version(o, json_string_value(json_object_get(
			    a->def, "version")));
		}
		TAILQ_FOREACH(t, &a->tasks, entry)
			ntasks++;
	}
	log_notice("orch: %zu apps and %zu tasks in the store", napps, ntasks);
	o->started = 1;
	for (int d = 0; d < ORCH_DRV__COUNT; d++) {
		struct orch_driver *dv = &o->drv[d];

		if (dv->ctr) {
			if (ctr_events(dv->ctr, orch_ctr_event, dv) != ST_OK)
				log_warnx("orch: %s: cannot follow its events",
				    ctr_name(dv->ctr));
			orch_sync(dv);
		}
	}
	orch_driver(o, ORCH_DRV_PROCESS);
	if (orch_docker_wanted(o))
		orch_driver(o, ORCH_DRV_DOCKER);
	orch_kick(o);
	return ST_OK;
}

void
orch_free(struct orch *o)
{
	struct orch_app *a;

	if (o == NULL)
		return;
	/* Drivers first: their pending callbacks point at tasks. */
	for (int d = 0; d < ORCH_DRV__COUNT; d++)
		ctr_free(o->drv[d].ctr);
	while ((a = TAILQ_FIRST(&o->apps)) != NULL)
		orch_app_forget(a);
	health_free(o->health);
	curlev_free(o->cv);
	if (o->kick_ev)
		event_free(o->kick_ev);
	if (o->delay_ev)
		event_free(o->delay_ev);
	if (o->resync_ev)
		event_free(o->resync_ev);
	json_decref(o->deployments);
	ports_free(o->ports);
	store_reader_free(o->reader);
	free(o->state_dir);
	free(o->host);
	free(o->framework_id);
	free(o->leader);
	free(o->docker_endpoint);
	free(o->docker_ca);
	free(o->docker_cert);
	free(o->docker_key);
	free(o->dns_server);
	free(o->dns_search);
	free(o);
}
