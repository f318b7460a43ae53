/*
 * ctr_process.h -- the process driver: the zero-setup containerizer.
 *
 * An instance is the app's cmd run by /bin/sh -c (args: exec'd directly)
 * in a session and process group of its own, so stadiond can die without
 * taking it along. Its stdout and stderr go to files under
 * <state_dir>/proc/<instance>/, with a JSON record of its labels, pid and
 * start time (from /proc/<pid>/stat, so a reused pid is not mistaken for
 * it): that record is how a restarted stadiond adopts it. Exits are seen
 * through a pidfd on the event loop (children and adopted processes alike).
 * stop sends SIGTERM to the group, SIGKILL after the grace period. Limits:
 * a cgroup v2 (memory.max, cpu.max) when the host lets us make one, else
 * RLIMIT_AS from mem. stats read /proc (and the cgroup when there is one).
 * The handle of an instance is its instance id.
 */
#ifndef STADION_ORCH_CTR_PROCESS_H
#define STADION_ORCH_CTR_PROCESS_H

struct event_base;
struct ctr;

/* ST_EIO when the state dir cannot be made. *out: ctr_free(). */
int ctr_process_new(struct event_base *base, const char *state_dir,
    struct ctr **out);

#endif
