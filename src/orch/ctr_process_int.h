/*
 * ctr_process_int.h -- the process driver's internals, shared by its files:
 * ctr_process.c (the driver, its instances and the callback queue),
 * ctr_process_ops.c (the lifecycle operations and exit watching),
 * ctr_process_record.c (records on disk, /proc), ctr_process_spawn.c (fork
 * and exec, limits) and ctr_process_io.c (logs, stats, exec).
 */
#ifndef STADION_ORCH_CTR_PROCESS_INT_H
#define STADION_ORCH_CTR_PROCESS_INT_H

#include <sys/queue.h>
#include <sys/types.h>

#include <limits.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "orch/containerizer.h"

struct event;
struct event_base;

/* What to do when a waiting instance has ended. */
enum cp_after {
	CP_AFTER_NOTIFY = 0,	/* only call back (stop, wait) */
	CP_AFTER_START,		/* restart */
	CP_AFTER_REMOVE,	/* remove with force */
};

struct cp_waiter {
	TAILQ_ENTRY(cp_waiter) entry;
	enum cp_after after;
	ctr_done_fn done;	/* stop, restart, remove */
	ctr_info_fn info;	/* wait */
	void *arg;
};
TAILQ_HEAD(cp_waiters, cp_waiter);

struct ctr_process;

#define CP_DIR_MAX (PATH_MAX + CTR_HANDLE_MAX)
#define CP_PATH_MAX (CP_DIR_MAX + 32)	/* a file in an instance's dir */

struct cp_inst {
	TAILQ_ENTRY(cp_inst) entry;
	struct ctr_process *cp;
	char id[CTR_HANDLE_MAX];
	char app_id[CTR_ID_MAX];
	char version[CTR_ID_MAX];
	char owner[CTR_ID_MAX];	/* CTR_LABEL_OWNER, "" for none */
	char dir[CP_DIR_MAX];	/* <state_dir>/proc/<id>: record, log, cwd */
	/* {"cmd" or "args", "env", "mem", "cpus", "user"}: what start runs */
	json_t *launch;
	enum ctr_state state;
	int exit_code;
	int oom;
	pid_t pid;
	unsigned long long start_ticks;	/* field 22 of /proc/<pid>/stat */
	time_t started_at;
	char cgroup[CP_DIR_MAX];	/* "" when limited by rlimit or not at all */
	int pidfd;		/* -1 when not running */
	struct event *exit_ev;
	struct event *kill_ev;	/* SIGKILL at the end of a stop's grace */
	struct cp_waiters waiters;
};
TAILQ_HEAD(cp_insts, cp_inst);

/* A callback waiting for its turn on the loop. */
enum cp_call_kind {
	CP_C_DONE,
	CP_C_CREATE,
	CP_C_INFO,
	CP_C_LIST,
	CP_C_OUTPUT,
	CP_C_JSON,
	CP_C_EVENT,
};

struct cp_call {
	TAILQ_ENTRY(cp_call) entry;
	enum cp_call_kind kind;
	ctr_done_fn done;
	ctr_create_fn create;
	ctr_info_fn info_fn;
	ctr_list_fn list;
	ctr_output_fn output;
	ctr_json_fn json_fn;
	ctr_event_fn event;
	void *arg;
	int err;
	char msg[256];
	enum ctr_event_type ev_type;
	struct ctr_info info;	/* also the handle of create */
	struct ctr_info *infos;	/* owned */
	size_t n;
	char *data;		/* owned */
	size_t len;
	int exit_code;
	json_t *json;		/* owned */
};
TAILQ_HEAD(cp_calls, cp_call);

/* A command run by exec: its output pipe and its exit. */
struct cp_exec {
	TAILQ_ENTRY(cp_exec) entry;
	struct ctr_process *cp;
	pid_t pid;
	int pidfd;
	int rfd;
	struct event *read_ev;
	struct event *exit_ev;
	char *buf;
	size_t len, cap;
	int eof, exited, exit_code;
	ctr_output_fn cb;
	void *arg;
};
TAILQ_HEAD(cp_execs, cp_exec);

struct ctr_process {
	struct ctr base;
	struct event_base *evb;
	char dir[PATH_MAX];	/* <state_dir>/proc */
	struct cp_insts insts;
	struct cp_calls calls;
	struct event *drain_ev;
	struct cp_execs execs;
	ctr_event_fn ev_cb;
	void *ev_arg;
};

/* Records under <state_dir>/proc/<id>/ (ctr_process_record.c). */
#define CP_RECORD "record.json"
#define CP_OUTPUT "output.log"

/* Process facts from /proc/<pid>/stat. */
struct cp_pstat {
	char state;
	pid_t session;
	unsigned long long ticks;	/* utime + stime + cutime + cstime */
	unsigned long long start_ticks;
	long rss_pages;
};

int cp_pstat_read(pid_t pid, struct cp_pstat *ps);
/* ST_OK or ST_EIO; the record, written by tmp file and rename. */
int cp_record_write(const struct cp_inst *in);
/* Fill a new instance from its record (ST_ENOTFOUND, ST_EFORMAT). */
int cp_record_read(struct cp_inst *in);
/* Delete the instance's directory and all in it. */
int cp_record_remove(const struct cp_inst *in);
/* A safe directory name: no '/', no leading '.', fits a handle. */
int cp_id_valid(const char *id);

/* The driver (ctr_process.c). */
struct cp_inst *cp_inst_find(struct ctr_process *cp, const char *id);
/* Found in memory or adopted from its record; NULL when there is none. */
struct cp_inst *cp_inst_get(struct ctr_process *cp, const char *id);
/* Read the records not yet known (records another driver left). */
void cp_inst_scan(struct ctr_process *cp);
struct cp_inst *cp_inst_new(struct ctr_process *cp, const char *id);
void cp_inst_free(struct cp_inst *in);
void cp_inst_info(const struct cp_inst *in, struct ctr_info *info);

int cp_defer_done(struct ctr_process *cp, ctr_done_fn cb, void *arg, int err,
    const char *msg);
int cp_defer_create(struct ctr_process *cp, ctr_create_fn cb, void *arg,
    int err, const char *msg, const char *handle);
int cp_defer_info(struct ctr_process *cp, ctr_info_fn cb, void *arg, int err,
    const char *msg, const struct ctr_info *info);
/* These take infos, data, json (also on failure). */
int cp_defer_list(struct ctr_process *cp, ctr_list_fn cb, void *arg,
    struct ctr_info *infos, size_t n);
int cp_defer_output(struct ctr_process *cp, ctr_output_fn cb, void *arg,
    int err, const char *msg, char *data, size_t len, int exit_code);
int cp_defer_json(struct ctr_process *cp, ctr_json_fn cb, void *arg, int err,
    const char *msg, json_t *json);
/* Queue an event for the subscriber, if any. */
void cp_emit(struct ctr_process *cp, enum ctr_event_type type,
    const struct cp_inst *in);

/* Lifecycle (ctr_process_ops.c). */
/* Watch a running instance's pidfd; its exit ends in cp_inst_ended. */
int cp_inst_watch(struct cp_inst *in);
/* Adopt a record's process: RUNNING only if it is still the same one. */
void cp_inst_adopt(struct cp_inst *in);
int cp_op_create(struct ctr *c, const struct ctr_spec *spec,
    ctr_create_fn cb, void *arg);
int cp_op_start(struct ctr *c, const char *handle, ctr_done_fn cb,
    void *arg);
int cp_op_stop(struct ctr *c, const char *handle, int grace_s,
    ctr_done_fn cb, void *arg);
int cp_op_kill(struct ctr *c, const char *handle, int sig, ctr_done_fn cb,
    void *arg);
int cp_op_restart(struct ctr *c, const char *handle, int grace_s,
    ctr_done_fn cb, void *arg);
int cp_op_remove(struct ctr *c, const char *handle, int force,
    ctr_done_fn cb, void *arg);
int cp_op_wait(struct ctr *c, const char *handle, ctr_info_fn cb, void *arg);

/* Fork and exec (ctr_process_spawn.c). */
/* Start the instance's launch; msg gets why it failed. */
int cp_spawn(struct cp_inst *in, char *msg, size_t msglen);
/*
 * Fork argv in the instance's environment and cwd, in a process group of
 * its own, stdout and stderr into wfd. *pid and *pidfd on success.
 */
int cp_spawn_exec(const struct cp_inst *in, const char *const *argv, int wfd,
    pid_t *pid, int *pidfd);
int cp_pidfd_open(pid_t pid);
/* Reap a child just sent SIGKILL (it cannot take long). */
void cp_reap_blocking(pid_t pid);
/* 1 when pidfd is a child of ours that has ended and is not reaped. */
int cp_is_zombie_child(int pidfd);
/* Reap a process whose pidfd is readable: exit code, 128+signal, -1. */
int cp_reap(int pidfd);
/* Remove the instance's cgroup, if any, once it is empty. */
void cp_cgroup_remove(struct cp_inst *in);
/* 1 when the cgroup saw the OOM killer. */
int cp_cgroup_oom(const struct cp_inst *in);

/* Output and accounting (ctr_process_io.c). */
int cp_op_logs(struct ctr *c, const char *handle, int tail_lines,
    ctr_output_fn cb, void *arg);
int cp_op_stats(struct ctr *c, const char *handle, ctr_json_fn cb,
    void *arg);
int cp_op_exec(struct ctr *c, const char *handle, const char *const *argv,
    ctr_output_fn cb, void *arg);
/* Kill and reap the commands exec still runs (driver teardown). */
void cp_exec_free_all(struct ctr_process *cp);

#endif
