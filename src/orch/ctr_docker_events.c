/*
 * ctr_docker_events.c -- following the engine's events of stadion's
 * containers.
 *
 * GET /events streams one JSON object a line for as long as the engine
 * lives. When the stream breaks, or cannot be opened, the caller hears
 * CTR_EV_LOST once, and a timer opens it again after 0.5 s, doubling up to
 * 10 s; the first stream that opens again is CTR_EV_RECONNECTED, after
 * which the caller re-lists (events in between are not replayed).
 * The engine sends "oom" just before "die": die carries the oom flag when
 * the same container's oom came last.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "orch/ctr_docker_int.h"
#include "util/error.h"
#include "util/log.h"

#define DK_BACKOFF_MIN_MS 500
#define DK_BACKOFF_MAX_MS 10000

static int dk_events_open(struct ctr_docker *d);

static void
dk_events_line(struct dk_call *k, const char *line)
{
	struct ctr_docker *d = k->d;
	struct ctr_event ev;
	json_t *v = json_loads(line, 0, NULL);
	const json_t *actor = json_object_get(v, "Actor");
	const json_t *attrs = json_object_get(actor, "Attributes");
	const char *action = json_string_value(json_object_get(v, "Action"));
	const char *id = json_string_value(json_object_get(actor, "ID"));
	const char *code;

	memset(&ev, 0, sizeof(ev));
	if (action == NULL || id == NULL) {
		json_decref(v);
		return;
	}
	snprintf(ev.info.handle, sizeof(ev.info.handle), "%s", id);
	dk_info_labels(&ev.info, attrs);
	ev.info.exit_code = -1;
	if (strcmp(action, "start") == 0) {
		ev.type = CTR_EV_START;
		ev.info.state = CTR_S_RUNNING;
	} else if (strcmp(action, "die") == 0) {
		ev.type = CTR_EV_DIE;
		ev.info.state = CTR_S_EXITED;
		if ((code = json_string_value(json_object_get(attrs,
		    "exitCode"))) != NULL)
			ev.info.exit_code = atoi(code);
		ev.info.oom = strcmp(d->ev_oom, id) == 0;
		d->ev_oom[0] = '\0';
	} else if (strcmp(action, "oom") == 0) {
		ev.type = CTR_EV_OOM;
		ev.info.state = CTR_S_RUNNING;
		ev.info.oom = 1;
		snprintf(d->ev_oom, sizeof(d->ev_oom), "%s", id);
	} else if (strcmp(action, "destroy") == 0) {
		ev.type = CTR_EV_DESTROY;
		ev.info.state = CTR_S_GONE;
	} else {
		json_decref(v);
		return;
	}
	json_decref(v);
	d->ev_cb(&ev, d->ev_arg);
}

static void
dk_events_plain(struct ctr_docker *d, enum ctr_event_type type)
{
	struct ctr_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.info.state = CTR_S_GONE;
	ev.info.exit_code = -1;
	d->ev_cb(&ev, d->ev_arg);
}

static int
dk_events_chunk(struct dk_call *k, const char *data, size_t len)
{
	struct ctr_docker *d = k->d;

	if (data == NULL) {
		/* The stream is open. */
		d->ev_backoff_ms = DK_BACKOFF_MIN_MS;
		if (d->ev_lost) {
			d->ev_lost = 0;
			log_notice("docker: engine events back");
			dk_events_plain(d, CTR_EV_RECONNECTED);
		}
		return 0;
	}
	dk_call_lines(k, data, len, dk_events_line);
	return 0;
}

static void
dk_events_retry(evutil_socket_t fd, short what, void *arg)
{
	struct ctr_docker *d = arg;
	struct timeval tv;

	if (dk_events_open(d) == ST_OK)
		return;
	tv.tv_sec = d->ev_backoff_ms / 1000;
	tv.tv_usec = (d->ev_backoff_ms % 1000) * 1000;
	evtimer_add(d->ev_timer, &tv);
}

static void
dk_events_end(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	struct ctr_docker *d = k->d;
	struct timeval tv;

	d->ev_call = NULL;
	if (!d->ev_lost) {
		d->ev_lost = 1;
		log_warnx("docker: engine events lost (%s)", msg ? msg :
		    "the stream ended");
		dk_events_plain(d, CTR_EV_LOST);
	}
	tv.tv_sec = d->ev_backoff_ms / 1000;
	tv.tv_usec = (d->ev_backoff_ms % 1000) * 1000;
	evtimer_add(d->ev_timer, &tv);
	d->ev_backoff_ms = d->ev_backoff_ms * 2 > DK_BACKOFF_MAX_MS ?
	    DK_BACKOFF_MAX_MS : d->ev_backoff_ms * 2;
}

static int
dk_events_open(struct ctr_docker *d)
{
	static const char filters[] =
	    "{\"type\":[\"container\"],\"label\":[\"" CTR_LABEL_APP "\"]}";
	struct dk_call *k;
	char *esc, *path;
	int rv;

	if ((esc = dk_escape(filters)) == NULL)
		return ST_ENOMEM;
	rv = asprintf(&path, "/events?filters=%s", esc);
	free(esc);
	if (rv == -1)
		return ST_ENOMEM;
	rv = dk_call_new(d, "GET", path, dk_events_end, &k);
	free(path);
	if (rv != ST_OK)
		return rv;
	k->chunk = dk_events_chunk;
	d->ev_call = k;
	if ((rv = dk_call_start(k)) != ST_OK)
		d->ev_call = NULL;
	return rv;
}

int
dk_events(struct ctr *c, ctr_event_fn cb, void *arg)
{
	struct ctr_docker *d = (struct ctr_docker *)c;
	int rv;

	if (d->ev_cb != NULL)
		return ST_EEXIST;
	if (d->ev_timer == NULL &&
	    (d->ev_timer = evtimer_new(d->evbase, dk_events_retry, d)) == NULL)
		return ST_ENOMEM;
	d->ev_cb = cb;
	d->ev_arg = arg;
	d->ev_backoff_ms = DK_BACKOFF_MIN_MS;
	if ((rv = dk_events_open(d)) != ST_OK)
		d->ev_cb = NULL;
	return rv;
}

void
dk_events_free(struct ctr_docker *d)
{
	if (d->ev_timer != NULL)
		event_free(d->ev_timer);
	d->ev_timer = NULL;
}
