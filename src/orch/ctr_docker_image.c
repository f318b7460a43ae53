/*
 * ctr_docker_image.c -- images: pull, tag, push, list, remove.
 *
 * Pull and push answer 200 at once and then stream JSON lines of
 * progress; a failure (a bad password, a missing tag) comes as an
 * {"error": ...} line inside that 200, so the lines are read as they come
 * and such a line fails the operation.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/ctr_docker_int.h"
#include "util/error.h"
#include "util/log.h"

static void
dk_progress_line(struct dk_call *k, const char *line)
{
	json_t *v = json_loads(line, 0, NULL);
	const char *err = json_string_value(json_object_get(v, "error"));
	const char *st = json_string_value(json_object_get(v, "status"));
	const char *id = json_string_value(json_object_get(v, "id"));

	if (err != NULL) {
		log_warnx("docker: %s %s: %s", k->method, k->image, err);
		if (k->errmsg[0] == '\0')
			snprintf(k->errmsg, sizeof(k->errmsg), "%s", err);
	} else if (st != NULL) {
		log_debug("docker: %s: %s%s%s", k->image, st,
		    id ? " " : "", id ? id : "");
	}
	json_decref(v);
}

static int
dk_progress_chunk(struct dk_call *k, const char *data, size_t len)
{
	if (data != NULL)
		dk_call_lines(k, data, len, dk_progress_line);
	return 0;
}

/* Split "repo[:tag]" ("host:port/repo:tag" has a ':' before the '/'). */
static void
dk_image_split(const char *image, char *repo, size_t size, const char **tag)
{
	const char *slash = strrchr(image, '/');
	const char *colon = strrchr(image, ':');

	*tag = NULL;
	snprintf(repo, size, "%s", image);
	if (strchr(image, '@') == NULL && colon != NULL &&
	    (slash == NULL || colon > slash)) {
		repo[colon - image < (long)size ? colon - image : 0] = '\0';
		*tag = colon + 1;
	}
}

int
dk_pull_prepare(struct dk_call *k, const char *image, const char *auth)
{
	char repo[512], *er, *et = NULL, *path = NULL;
	const char *tag;
	int rv = ST_ENOMEM;

	dk_image_split(image, repo, sizeof(repo), &tag);
	er = dk_escape(repo);
	if (tag != NULL)
		et = dk_escape(tag);
	if (er != NULL && (tag == NULL || et != NULL) &&
	    asprintf(&path, "/images/create?fromImage=%s&tag=%s", er,
	    et ? et : "latest") != -1) {
		free(k->path);
		k->path = path;
		rv = dk_call_auth(k, auth);
	}
	free(er);
	free(et);
	if (rv != ST_OK)
		return rv;
	free(k->body);
	k->body = NULL;
	k->chunk = dk_progress_chunk;
	return ST_OK;
}

int
dk_pull_next(struct dk_call *k, const char *image, const char *auth)
{
	char *path;
	int rv;

	if ((rv = dk_pull_prepare(k, image, auth)) != ST_OK)
		return rv;
	if ((path = strdup(k->path)) == NULL)
		return ST_ENOMEM;
	rv = dk_call_next(k, "POST", path, NULL);
	free(path);
	return rv;
}

static void
dk_image_done(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	k->cb.done(err, msg, k->arg);
}

static int
dk_image_call(struct ctr *c, const char *method, const char *path,
    const char *image, dk_resp_fn resp, struct dk_call **out)
{
	int rv;

	if ((rv = dk_call_new((struct ctr_docker *)c, method, path, resp,
	    out)) != ST_OK)
		return rv;
	if (((*out)->image = strdup(image)) == NULL) {
		dk_call_discard(*out);
		return ST_ENOMEM;
	}
	return ST_OK;
}

int
dk_image_pull(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg)
{
	struct dk_call *k;
	int rv;

	if (image == NULL || image[0] == '\0')
		return ST_EINVAL;
	if ((rv = dk_image_call(c, "POST", "", image, dk_image_done, &k)) !=
	    ST_OK)
		return rv;
	if ((rv = dk_pull_prepare(k, image, auth)) != ST_OK) {
		dk_call_discard(k);
		return rv;
	}
	k->cb.done = cb;
	k->arg = arg;
	return dk_call_start(k);
}

int
dk_image_tag(struct ctr *c, const char *image, const char *repo,
    const char *tag, ctr_done_fn cb, void *arg)
{
	struct dk_call *k;
	char *er = dk_escape(repo), *et = dk_escape(tag ? tag : "latest");
	char *path = NULL;
	int rv = ST_ENOMEM;

	if (er != NULL && et != NULL && asprintf(&path,
	    "/images/%s/tag?repo=%s&tag=%s", image, er, et) == -1)
		path = NULL;
	free(er);
	free(et);
	if (path != NULL)
		rv = dk_image_call(c, "POST", path, image, dk_image_done, &k);
	free(path);
	if (rv != ST_OK)
		return rv;
	k->cb.done = cb;
	k->arg = arg;
	return dk_call_start(k);
}

int
dk_image_push(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg)
{
	struct dk_call *k;
	char repo[512], *et = NULL, *path = NULL;
	const char *tag;
	int rv = ST_ENOMEM;

	if (image == NULL || image[0] == '\0')
		return ST_EINVAL;
	dk_image_split(image, repo, sizeof(repo), &tag);
	if ((et = dk_escape(tag ? tag : "latest")) != NULL &&
	    asprintf(&path, "/images/%s/push?tag=%s", repo, et) == -1)
		path = NULL;
	free(et);
	if (path != NULL)
		rv = dk_image_call(c, "POST", path, image, dk_image_done, &k);
	free(path);
	if (rv != ST_OK)
		return rv;
	/* The engine refuses a push without the header, even for no auth. */
	if ((rv = dk_call_auth(k, auth)) != ST_OK) {
		dk_call_discard(k);
		return rv;
	}
	k->chunk = dk_progress_chunk;
	k->cb.done = cb;
	k->arg = arg;
	return dk_call_start(k);
}

static void
dk_image_list_resp(struct dk_call *k, int err, const char *msg,
    const char *body, size_t len)
{
	json_t *v;

	if (err != ST_OK) {
		k->cb.json(err, msg, NULL, k->arg);
		return;
	}
	if ((v = json_loadb(body, len, 0, NULL)) == NULL)
		k->cb.json(ST_EFORMAT, "docker: bad image list", NULL, k->arg);
	else
		k->cb.json(ST_OK, NULL, v, k->arg);
	json_decref(v);
}

int
dk_image_list(struct ctr *c, ctr_json_fn cb, void *arg)
{
	struct dk_call *k;
	int rv;

	if ((rv = dk_call_new((struct ctr_docker *)c, "GET", "/images/json",
	    dk_image_list_resp, &k)) != ST_OK)
		return rv;
	k->cb.json = cb;
	k->arg = arg;
	return dk_call_start(k);
}

int
dk_image_remove(struct ctr *c, const char *image, int force, ctr_done_fn cb,
    void *arg)
{
	struct dk_call *k;
	char *path;
	int rv;

	if (image == NULL || image[0] == '\0' || strchr(image, '?') != NULL)
		return ST_EINVAL;
	if (asprintf(&path, "/images/%s?force=%d", image, force ? 1 : 0) == -1)
		return ST_ENOMEM;
	rv = dk_image_call(c, "DELETE", path, image, dk_image_done, &k);
	free(path);
	if (rv != ST_OK)
		return rv;
	k->cb.done = cb;
	k->arg = arg;
	return dk_call_start(k);
}
