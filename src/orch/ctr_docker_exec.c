/*
 * ctr_docker_exec.c -- output of containers: logs and exec.
 *
 * Without a TTY the engine multiplexes stdout and stderr in frames of an
 * 8-byte header (stream 0/1/2, three zero bytes, big-endian length) and
 * the payload; with one it sends the bytes raw. Which one we got is seen
 * from the frames themselves: output that does not parse as frames from
 * start to end is taken as raw.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "orch/ctr_docker_int.h"
#include "util/error.h"

enum { DK_EXEC_CREATE = 0, DK_EXEC_START, DK_EXEC_INSPECT };

size_t
dk_demux(char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t i, o = 0, n;

	for (i = 0; i < len; i += 8 + n) {
		if (len - i < 8 || b[i] > 2 || b[i + 1] || b[i + 2] || b[i + 3])
			return len;
		n = (size_t)b[i + 4] << 24 | (size_t)b[i + 5] << 16 |
		    (size_t)b[i + 6] << 8 | b[i + 7];
		if (n > len - i - 8)
			return len;
	}
	for (i = 0; i < len; i += 8 + n) {
		n = (size_t)b[i + 4] << 24 | (size_t)b[i + 5] << 16 |
		    (size_t)b[i + 6] << 8 | b[i + 7];
		memmove(buf + o, buf + i + 8, n);
		o += n;
	}
	return o;
}

static void
dk_output(struct dk_call *k, const char *body, size_t len, int exit_code)
{
	char *copy = malloc(len + 1);

	if (copy == NULL) {
		k->cb.output(ST_ENOMEM, "out of memory", NULL, 0, -1, k->arg);
		return;
	}
	memcpy(copy, body, len);
	len = dk_demux(copy, len);
	copy[len] = '\0';
	k->cb.output(ST_OK, NULL, copy, len, exit_code, k->arg);
	free(copy);
}

static void
dk_logs_resp(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	if (err != ST_OK)
		k->cb.output(err, msg, NULL, 0, -1, k->arg);
	else
		dk_output(k, body, len, 0);
}

int
dk_logs(struct ctr *c, const char *h, int tail, ctr_output_fn cb, void *arg)
{
	struct dk_call *k;
	char path[256], n[16];
	int rv;

	if (h == NULL || h[0] == '\0' || strpbrk(h, "/?") != NULL)
		return ST_EINVAL;
	if (tail > 0)
		snprintf(n, sizeof(n), "%d", tail);
	else
		snprintf(n, sizeof(n), "all");
	snprintf(path, sizeof(path),
	    "/containers/%.*s/logs?stdout=1&stderr=1&tail=%s",
	    CTR_HANDLE_MAX, h, n);
	if ((rv = dk_call_new((struct ctr_docker *)c, "GET", path, dk_logs_resp,
	    &k)) != ST_OK)
		return rv;
	k->cb.output = cb;
	k->arg = arg;
	return dk_call_start(k);
}

static void
dk_exec_resp(struct dk_call *k, int err, const char *msg, const char *body,
    size_t len)
{
	json_t *v;
	const char *id;
	char path[256];
	char *out;

	if (err != ST_OK) {
		k->cb.output(err, msg, NULL, 0, -1, k->arg);
		return;
	}
	switch (k->step) {
	case DK_EXEC_CREATE:
		v = json_loadb(body, len, 0, NULL);
		id = json_string_value(json_object_get(v, "Id"));
		snprintf(k->id, sizeof(k->id), "%s", id ? id : "");
		json_decref(v);
		if (k->id[0] == '\0') {
			k->cb.output(ST_EFORMAT, "docker exec: no Id", NULL, 0,
			    -1, k->arg);
			return;
		}
		k->step = DK_EXEC_START;
		snprintf(path, sizeof(path), "/exec/%s/start", k->id);
		err = dk_call_next(k, "POST", path, json_pack("{s:b,s:b}",
		    "Detach", 0, "Tty", 0));
		break;
	case DK_EXEC_START:
		/* The output waits in the line buffer for the exit code. */
		if ((out = malloc(len + 1)) == NULL) {
			err = ST_ENOMEM;
			break;
		}
		memcpy(out, body, len);
		free(k->line);
		k->line = out;
		k->line_len = len;
		k->step = DK_EXEC_INSPECT;
		snprintf(path, sizeof(path), "/exec/%s/json", k->id);
		err = dk_call_next(k, "GET", path, NULL);
		break;
	default:
		v = json_loadb(body, len, 0, NULL);
		dk_output(k, k->line ? k->line : "", k->line_len,
		    (int)json_integer_value(json_object_get(v, "ExitCode")));
		json_decref(v);
		return;
	}
	if (err != ST_OK)
		k->cb.output(err, "docker exec: cannot send the next request",
		    NULL, 0, -1, k->arg);
}

int
dk_exec(struct ctr *c, const char *h, const char *const *argv,
    ctr_output_fn cb, void *arg)
{
	struct dk_call *k;
	json_t *cmd, *body;
	char path[256];
	size_t i;
	int rv;

	if (h == NULL || h[0] == '\0' || strpbrk(h, "/?") != NULL ||
	    argv == NULL || argv[0] == NULL)
		return ST_EINVAL;
	if ((cmd = json_array()) == NULL)
		return ST_ENOMEM;
	for (i = 0; argv[i] != NULL; i++)
		if (json_array_append_new(cmd, json_string(argv[i])) != 0) {
			json_decref(cmd);
			return ST_ENOMEM;
		}
	body = json_pack("{s:b,s:b,s:o}", "AttachStdout", 1, "AttachStderr", 1,
	    "Cmd", cmd);
	if (body == NULL)
		return ST_ENOMEM;
	snprintf(path, sizeof(path), "/containers/%.*s/exec", CTR_HANDLE_MAX, h);
	if ((rv = dk_call_new((struct ctr_docker *)c, "POST", path, dk_exec_resp,
	    &k)) != ST_OK) {
		json_decref(body);
		return rv;
	}
	if ((rv = dk_call_json(k, body)) != ST_OK) {
		dk_call_discard(k);
		return rv;
	}
	k->cb.output = cb;
	k->arg = arg;
	return dk_call_start(k);
}
