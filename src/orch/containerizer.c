/*
 * containerizer.c -- dispatch of the ctr_*() calls to a driver's table.
 */
#include "config.h"

#include <stddef.h>

#include "orch/containerizer.h"
#include "util/error.h"

/* An operation the driver lacks is refused the same way for every call. */
#define CTR_CALL(c, op, ...) \
	((c) == NULL || (c)->ops->op == NULL ? ST_EINVAL : \
	    (c)->ops->op((c), __VA_ARGS__))

int
ctr_create(struct ctr *c, const struct ctr_spec *spec, ctr_create_fn cb, void *arg)
{
	return CTR_CALL(c, create, spec, cb, arg);
}

int
ctr_start(struct ctr *c, const char *handle, ctr_done_fn cb, void *arg)
{
	return CTR_CALL(c, start, handle, cb, arg);
}

int
ctr_stop(struct ctr *c, const char *handle, int grace_s, ctr_done_fn cb,
    void *arg)
{
	return CTR_CALL(c, stop, handle, grace_s, cb, arg);
}

int
ctr_kill(struct ctr *c, const char *handle, int sig, ctr_done_fn cb,
    void *arg)
{
	return CTR_CALL(c, kill, handle, sig, cb, arg);
}

int
ctr_restart(struct ctr *c, const char *handle, int grace_s,
    ctr_done_fn cb, void *arg)
{
	return CTR_CALL(c, restart, handle, grace_s, cb, arg);
}

int
ctr_remove(struct ctr *c, const char *handle, int force, ctr_done_fn cb,
    void *arg)
{
	return CTR_CALL(c, remove, handle, force, cb, arg);
}

int
ctr_inspect(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg)
{
	return CTR_CALL(c, inspect, handle, cb, arg);
}

int
ctr_logs(struct ctr *c, const char *handle, int tail_lines,
    ctr_output_fn cb, void *arg)
{
	return CTR_CALL(c, logs, handle, tail_lines, cb, arg);
}

int
ctr_stats(struct ctr *c, const char *handle, ctr_json_fn cb, void *arg)
{
	return CTR_CALL(c, stats, handle, cb, arg);
}

int
ctr_list(struct ctr *c, const char *key, const char *value,
    ctr_list_fn cb, void *arg)
{
	return CTR_CALL(c, list, key, value, cb, arg);
}

int
ctr_wait(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg)
{
	return CTR_CALL(c, wait, handle, cb, arg);
}

int
ctr_exec(struct ctr *c, const char *handle, const char *const *argv,
    ctr_output_fn cb, void *arg)
{
	return CTR_CALL(c, exec, handle, argv, cb, arg);
}

int
ctr_image_pull(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg)
{
	return CTR_CALL(c, image_pull, image, auth, cb, arg);
}

int
ctr_image_tag(struct ctr *c, const char *image, const char *repo,
    const char *tag, ctr_done_fn cb, void *arg)
{
	return CTR_CALL(c, image_tag, image, repo, tag, cb, arg);
}

int
ctr_image_push(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg)
{
	return CTR_CALL(c, image_push, image, auth, cb, arg);
}

int
ctr_image_list(struct ctr *c, ctr_json_fn cb, void *arg)
{
	return CTR_CALL(c, image_list, cb, arg);
}

int
ctr_image_remove(struct ctr *c, const char *image, int force,
    ctr_done_fn cb, void *arg)
{
	return CTR_CALL(c, image_remove, image, force, cb, arg);
}

int
ctr_events(struct ctr *c, ctr_event_fn cb, void *arg)
{
	return CTR_CALL(c, events, cb, arg);
}

const char *
ctr_name(const struct ctr *c)
{
	return c->ops->name;
}

void
ctr_free(struct ctr *c)
{
	if (c != NULL)
		c->ops->free(c);
}
