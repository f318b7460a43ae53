/*
 * ctr_docker_int.h -- what the files of the docker driver share.
 *
 * Every Engine API call is a struct dk_call: it waits in the driver's
 * queue until the API version is known, then goes out through curlev; its
 * resp function gets the answer, and may send the call again with another
 * request (dk_call_next) for operations of several steps.
 */
#ifndef STADION_ORCH_CTR_DOCKER_INT_H
#define STADION_ORCH_CTR_DOCKER_INT_H

#include <sys/queue.h>
#include <stddef.h>

#include <jansson.h>

#include "orch/containerizer.h"
#include "orch/ctr_docker.h"

struct curlev;
struct curlev_req;
struct event;
struct dk_call;

typedef void (*dk_resp_fn)(struct dk_call *k, int err, const char *msg,
    const char *body, size_t len);
/* A chunk of a 2xx stream (data NULL: the headers are in); non-zero aborts. */
typedef int (*dk_chunk_fn)(struct dk_call *k, const char *data, size_t len);
typedef void (*dk_line_fn)(struct dk_call *k, const char *line);

enum dk_vstate { DK_V_UNKNOWN = 0, DK_V_ASKING, DK_V_OK, DK_V_OLD };

struct dk_call {
	TAILQ_ENTRY(dk_call) entry;
	struct ctr_docker *d;
	struct curlev_req *req;	/* while in flight */
	char *method, *path, *body, *auth;
	dk_resp_fn resp;
	dk_chunk_fn chunk;
	union {
		ctr_done_fn done;
		ctr_create_fn create;
		ctr_info_fn info;
		ctr_list_fn list;
		ctr_output_fn output;
		ctr_json_fn json;
	} cb;
	void *arg;
	int again;		/* resp sent a next request */
	int step;
	char id[CTR_HANDLE_MAX];
	char *image;
	json_t *json;
	char *line;		/* a stream's unfinished line */
	size_t line_len;
	char errmsg[512];	/* an error reported inside a 200 stream */
};

TAILQ_HEAD(dk_calls, dk_call);

struct ctr_docker {
	struct ctr base;
	struct event_base *evbase;
	struct curlev *cm;
	char *url;		/* "http://localhost", "https://host:port" */
	char *unix_path;
	char *tls_ca, *tls_cert, *tls_key;
	char *dns_server, *dns_search;
	enum dk_vstate vstate;
	char api[16];		/* "1.41" */
	struct curlev_req *vreq;	/* GET /version in flight */
	struct dk_calls queued, calls;	/* waiting for the version; sent */
	/* events */
	ctr_event_fn ev_cb;
	void *ev_arg;
	struct dk_call *ev_call;
	struct event *ev_timer;
	int ev_backoff_ms;
	int ev_lost;
	char ev_oom[CTR_HANDLE_MAX];	/* last container reported OOM */
};

/* ctr_docker.c: calls */
int dk_call_new(struct ctr_docker *d, const char *method, const char *path,
    dk_resp_fn resp, struct dk_call **out);
/* Body as JSON text (reference stolen; NULL body = none). */
int dk_call_json(struct dk_call *k, json_t *body);
/* X-Registry-Auth from the auth JSON text (NULL: "{}"). */
int dk_call_auth(struct dk_call *k, const char *auth);
/* Free a call that was never started. */
void dk_call_discard(struct dk_call *k);
/* Queue or send; on error k is freed. */
int dk_call_start(struct dk_call *k);
/* From resp: send k again with another request. */
int dk_call_next(struct dk_call *k, const char *method, const char *path,
    json_t *body);
/* Split a stream into lines for fn; the last unterminated one is kept. */
void dk_call_lines(struct dk_call *k, const char *data, size_t len,
    dk_line_fn fn);
/* A query value, URL-escaped (malloc'd) or NULL. */
char *dk_escape(const char *s);
/* An engine error's message from its body ({"message"}), in buf. */
const char *dk_message(const char *body, size_t len, char *buf,
    size_t size);
/* ST_E* for an HTTP status. */
int dk_status_err(long status);
/* Labels (a JSON object) into info. */
void dk_info_labels(struct ctr_info *info, const json_t *labels);

/* ctr_docker_ctr.c, ctr_docker_exec.c, ctr_docker_image.c, _events.c */
extern const struct ctr_ops ctr_docker_ops;
int dk_create(struct ctr *c, const struct ctr_spec *spec, ctr_create_fn cb,
    void *arg);
int dk_start(struct ctr *c, const char *h, ctr_done_fn cb, void *arg);
int dk_stop(struct ctr *c, const char *h, int grace_s, ctr_done_fn cb,
    void *arg);
int dk_kill(struct ctr *c, const char *h, int sig, ctr_done_fn cb, void *arg);
int dk_restart(struct ctr *c, const char *h, int grace_s, ctr_done_fn cb,
    void *arg);
int dk_remove(struct ctr *c, const char *h, int force, ctr_done_fn cb,
    void *arg);
int dk_inspect(struct ctr *c, const char *h, ctr_info_fn cb, void *arg);
int dk_list(struct ctr *c, const char *key, const char *value,
    ctr_list_fn cb, void *arg);
int dk_wait(struct ctr *c, const char *h, ctr_info_fn cb, void *arg);
int dk_logs(struct ctr *c, const char *h, int tail, ctr_output_fn cb,
    void *arg);
int dk_stats(struct ctr *c, const char *h, ctr_json_fn cb, void *arg);
int dk_exec(struct ctr *c, const char *h, const char *const *argv,
    ctr_output_fn cb, void *arg);
int dk_image_pull(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg);
int dk_image_tag(struct ctr *c, const char *image, const char *repo,
    const char *tag, ctr_done_fn cb, void *arg);
int dk_image_push(struct ctr *c, const char *image, const char *auth,
    ctr_done_fn cb, void *arg);
int dk_image_list(struct ctr *c, ctr_json_fn cb, void *arg);
int dk_image_remove(struct ctr *c, const char *image, int force,
    ctr_done_fn cb, void *arg);
/* Make k's request the pull of image, its stream parsed (not sent). */
int dk_pull_prepare(struct dk_call *k, const char *image, const char *auth);
/* From resp: send k again as the pull of image. */
int dk_pull_next(struct dk_call *k, const char *image, const char *auth);
int dk_events(struct ctr *c, ctr_event_fn cb, void *arg);
void dk_events_free(struct ctr_docker *d);
/* Take apart the 8-byte stream headers of a non-TTY output in place. */
size_t dk_demux(char *buf, size_t len);

#endif
