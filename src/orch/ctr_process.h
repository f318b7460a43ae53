/*
 * ctr_process.h -- the process driver: the zero-setup containerizer.
 *
 * An instance is the app's cmd run by /bin/sh -c (args: execvp'd as given)
 * with exactly the spec's environment (plus stadiond's PATH when it sets
 * none), stdin from /dev/null, stdout and stderr appended to
 * <state_dir>/proc/<instance>/output.log, that directory as its cwd, in a
 * session and process group of its own, so stadiond can die without taking
 * it along. start returns once the child has exec'd: an exec failure is
 * start's error. A JSON record beside the log (written by tmp file and
 * rename) holds its labels, what to launch, pid and start time (field 22
 * of /proc/<pid>/stat, so a reused pid is not mistaken for it): that record
 * is how a restarted stadiond adopts it (list, inspect and the other calls
 * read records not yet known). Exits are seen through a pidfd on the event
 * loop; our children are reaped (exit code, or 128+signal); the exit code of
 * an adopted process is -1. When the main process ends, what is left of its
 * group is killed, as in a container. stop sends SIGTERM to the group,
 * SIGKILL after the grace period. Limits: a cgroup v2 under
 * /sys/fs/cgroup/stadion/<instance> (memory.max, cpu.max) when the host lets
 * us make one, else RLIMIT_AS of mem + 256 MiB (address space is not memory
 * in use; mem 0: no limit) and no cpu limit. stats read /proc (the
 * session's processes) or the cgroup; mem_limit_bytes is mem. exec runs
 * beside the instance (its env, cwd and user; it must be running) and keeps
 * the first MiB of output. events has one subscriber: a second call
 * replaces the first. The handle of an instance is its instance id, which
 * must be shorter than CTR_HANDLE_MAX, not start with '.' nor hold '/'
 * (create answers ST_EINVAL at once otherwise). Freeing the driver leaves
 * the processes running, unreaped until a new driver adopts them.
 * Needs Linux 5.9 (pidfd, waitid P_PIDFD, close_range).
 */
#ifndef STADION_ORCH_CTR_PROCESS_H
#define STADION_ORCH_CTR_PROCESS_H

struct event_base;
struct ctr;

/* ST_EIO when the state dir cannot be made. *out: ctr_free(). */
int ctr_process_new(struct event_base *base, const char *state_dir,
    struct ctr **out);

#endif
