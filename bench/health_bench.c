/*
 * health_bench.c -- the CPU cost of stadion's health checker (src/health/)
 * on its own event loop; run by bench/health.sh, which builds it against
 * _build/default/libstadion.a (it is not part of the automake build).
 *
 *   health_bench PROTO FIRST_PORT N INTERVAL DURATION SPREAD
 *
 * One event base, one struct health (health_new) and N watches
 * (health_watch), one per instance 127.0.0.1:FIRST_PORT+i, each with one
 * check {"protocol": PROTO (HTTP or TCP), "path": "/health",
 * "intervalSeconds": INTERVAL, "timeoutSeconds": 5, "gracePeriodSeconds":
 * 300, "maxConsecutiveFailures": 3, "delaySeconds": ...} and started =
 * now. SPREAD 0: every first probe at once (delaySeconds 0), so the
 * checks come in bursts of N every INTERVAL; SPREAD 1: instance i's
 * first probe after i * INTERVAL / N s, so they are spread evenly over
 * the interval (as HAProxy spreads its own).
 *
 * Warm-up: until every watch is healthy (at most HB_WARMUP_MAX s, default
 * 60). Then, after a settling pause (SPREAD 0: half an interval, so the
 * window holds whole bursts; SPREAD 1: 1 s), the measured window of
 * DURATION s (SPREAD 0: rounded up to whole intervals): the results that
 * came in it, and the process's CPU time (getrusage(RUSAGE_SELF), user +
 * sys, every thread) over its wall time (CLOCK_MONOTONIC), and its
 * context switches (ru_nvcsw + ru_nivcsw: about one per sleep in the loop).
 *
 * Loop turns: the driver defines epoll_wait (libevent's backend calls it
 * through the PLT, so it gets this one), which times each call: the time
 * from the return of one epoll_wait to the next call is one turn of the
 * loop, the longest of the window (max_turn_ms) the longest the loop went
 * without looking for new events. turns counts the wake-ups. Two clock
 * reads per turn; nothing else runs on the loop.
 *
 * The kernel's TCP counters (/proc/net/snmp, ActiveOpens and PassiveOpens;
 * system-wide) are read at the start and the end of the window.
 *
 * HB_CTL_PORT: the control port of bench/health_targets.py, read (a
 * blocking connect on loopback, outside the measured CPU time) at the
 * start and the end of the window, so that the targets' own count of
 * requests and connections in the window comes with the result.
 *
 * HB_DNS_CACHE_TIMEOUT (an experiment, not what stadion does): the driver
 * also defines curl_easy_init, and when this is set, gives every easy
 * handle the health module makes CURLOPT_DNS_CACHE_TIMEOUT of that many
 * seconds (0: libcurl keeps no "host:port" entries between transfers).
 *
 * Prints one line "RESULT key=value ..." on stdout; progress and the first
 * failures on stderr. Exits 1 when the warm-up does not end.
 */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "health/health.h"
#include "util/log.h"

struct inst {
	struct health_watch *w;
	int healthy;
};

static struct {
	struct event_base *base;
	struct health *h;
	struct inst *inst;
	long n;
	double interval, duration;
	int spread;
	const char *proto;

	long healthy;		/* watches healthy now */
	long results, ok, fail, changes;	/* since the start */
	long fail_logged;
	double t0;		/* monotonic: the watches made */
	double t_healthy;	/* monotonic: all healthy (0: not yet) */

	int measuring;
	double w_t0, w_t1;
	struct rusage ru0, ru1;
	long w_results, w_ok, w_fail, w_changes;
	long long ticks0, ticks1;

	int ctl_port;
	long long tgt0[4], tgt1[4];	/* conns http ports_http ports_conn */
	int tgt_ok;

	double turn_start;	/* monotonic: epoll_wait returned; 0: never */
	double max_turn;
	long turns, w_turns;
	long long snmp0[2], snmp1[2];	/* ActiveOpens, PassiveOpens */
	long dns_cache_timeout;	/* -2: libcurl's default (60 s) */

	struct event *start_ev, *end_ev, *warm_ev;
	int rc;
} B;

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct timeval
tv_of(double s)
{
	struct timeval tv;

	if (s < 0)
		s = 0;
	tv.tv_sec = (time_t)s;
	tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
	return tv;
}

static double
ru_cpu(const struct rusage *r)
{
	return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
	    (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

/* utime + stime of /proc/self/stat, in clock ticks (a cross-check). */
static long long
proc_ticks(void)
{
	char buf[4096], *p;
	unsigned long long ut, st;
	FILE *f;
	size_t len;

	if ((f = fopen("/proc/self/stat", "r")) == NULL)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* Fields after the command name in parentheses: 3 is state. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/*
 * The targets' counters: conns, http, ports_http, ports_conn. Reading
 * them starts the next count of distinct ports. 0, or -1 on error.
 */
static int
read_targets(long long v[4])
{
	static const char *keys[4] = { "\"conns\":", "\"http\":",
	    "\"ports_http\":", "\"ports_conn\":" };
	struct sockaddr_in sin;
	char buf[512], *p;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (B.ctl_port == 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)B.ctl_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	while (len < sizeof(buf) - 1 &&
	    (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (int i = 0; i < 4; i++) {
		if ((p = strstr(buf, keys[i])) == NULL)
			return -1;
		v[i] = strtoll(p + strlen(keys[i]), NULL, 10);
	}
	return 0;
}

/* The loop's wake-ups and the longest stretch of work between two. */
int
epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	static int (*real)(int, struct epoll_event *, int, int);
	double t = mono();
	int rv;

	if (real == NULL)
		real = (int (*)(int, struct epoll_event *, int, int))dlsym(
		    RTLD_NEXT, "epoll_wait");
	if (B.measuring && B.turn_start > 0 && t - B.turn_start > B.max_turn)
		B.max_turn = t - B.turn_start;
	rv = real(epfd, events, maxevents, timeout);
	B.turn_start = mono();
	B.turns++;
	return rv;
}

/* The experiment of HB_DNS_CACHE_TIMEOUT; else libcurl's own. */
CURL *
curl_easy_init(void)
{
	static CURL *(*real)(void);
	CURL *easy;

	if (real == NULL)
		real = (CURL *(*)(void))dlsym(RTLD_NEXT, "curl_easy_init");
	if ((easy = real()) != NULL && B.dns_cache_timeout != -2)
		curl_easy_setopt(easy, CURLOPT_DNS_CACHE_TIMEOUT,
		    B.dns_cache_timeout);
	return easy;
}

/* ActiveOpens and PassiveOpens of /proc/net/snmp; -1 when unknown. */
static void
read_snmp(long long v[2])
{
	char head[1024], vals[1024], *h, *x, *hs, *xs;
	FILE *f;

	v[0] = v[1] = -1;
	if ((f = fopen("/proc/net/snmp", "r")) == NULL)
		return;
	while (fgets(head, sizeof(head), f) != NULL &&
	    fgets(vals, sizeof(vals), f) != NULL) {
		if (strncmp(head, "Tcp:", 4) != 0)
			continue;
		h = strtok_r(head, " \n", &hs);
		x = strtok_r(vals, " \n", &xs);
		while ((h = strtok_r(NULL, " \n", &hs)) != NULL &&
		    (x = strtok_r(NULL, " \n", &xs)) != NULL) {
			if (strcmp(h, "ActiveOpens") == 0)
				v[0] = strtoll(x, NULL, 10);
			else if (strcmp(h, "PassiveOpens") == 0)
				v[1] = strtoll(x, NULL, 10);
		}
		break;
	}
	fclose(f);
}

static void
on_end(evutil_socket_t fd, short what, void *arg)
{
	getrusage(RUSAGE_SELF, &B.ru1);
	B.ticks1 = proc_ticks();
	B.w_t1 = mono();
	B.measuring = 0;
	B.w_results = B.results - B.w_results;
	B.w_ok = B.ok - B.w_ok;
	B.w_fail = B.fail - B.w_fail;
	B.w_changes = B.changes - B.w_changes;
	B.w_turns = B.turns - B.w_turns;
	read_snmp(B.snmp1);
	if (B.tgt_ok == 0 && read_targets(B.tgt1) != 0)
		B.tgt_ok = -1;
	event_base_loopbreak(B.base);
}

static void
on_start(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = tv_of(B.duration);

	fprintf(stderr, "health_bench: %s: measuring for %g s\n", B.proto,
	    B.duration);
	B.tgt_ok = read_targets(B.tgt0);
	read_snmp(B.snmp0);
	B.measuring = 1;
	B.w_turns = B.turns;
	B.w_results = B.results;
	B.w_ok = B.ok;
	B.w_fail = B.fail;
	B.w_changes = B.changes;
	B.ticks0 = proc_ticks();
	getrusage(RUSAGE_SELF, &B.ru0);
	B.w_t0 = mono();
	evtimer_add(B.end_ev, &tv);
	/* The reads above are not the checker's turn. */
	B.turn_start = mono();
}

static void
on_warm_timeout(evutil_socket_t fd, short what, void *arg)
{
	fprintf(stderr, "health_bench: %s: only %ld of %ld healthy after the "
	    "warm-up (%ld results, %ld failed)\n", B.proto, B.healthy, B.n,
	    B.results, B.fail);
	B.rc = 1;
	event_base_loopbreak(B.base);
}

static void
on_result(struct health_watch *w, size_t check, int ok, const char *cause,
    int changed, void *arg)
{
	struct inst *in = arg;
	int h;

	B.results++;
	if (ok)
		B.ok++;
	else {
		B.fail++;
		if (B.fail_logged++ < 5)
			fprintf(stderr, "health_bench: %s: instance %ld failed: "
			    "%s\n", B.proto, (long)(in - B.inst), cause);
	}
	if (!changed)
		return;
	B.changes++;
	h = health_watch_status(w) == HEALTH_HEALTHY;
	B.healthy += h - in->healthy;
	in->healthy = h;
	if (B.healthy == B.n && B.t_healthy == 0) {
		struct timeval tv;

		B.t_healthy = mono();
		fprintf(stderr, "health_bench: %s: all %ld healthy after "
		    "%.2f s\n", B.proto, B.n, B.t_healthy - B.t0);
		event_del(B.warm_ev);
		tv = tv_of(B.spread ? 1 : B.interval / 2);
		evtimer_add(B.start_ev, &tv);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: health_bench HTTP|TCP FIRST_PORT N INTERVAL "
	    "DURATION SPREAD\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	struct timeval tv;
	json_t *checks, *check;
	double started, warm_max = 60, cpu, wall_s;
	const char *e;
	char id_buf[32];
	long first;
	int rv;

	if (argc != 7)
		usage();
	B.proto = argv[1];
	first = strtol(argv[2], NULL, 10);
	B.n = strtol(argv[3], NULL, 10);
	B.interval = strtod(argv[4], NULL);
	B.duration = strtod(argv[5], NULL);
	B.spread = atoi(argv[6]);
	if ((e = getenv("HB_WARMUP_MAX")) != NULL && *e != '\0')
		warm_max = strtod(e, NULL);
	if ((e = getenv("HB_CTL_PORT")) != NULL && *e != '\0')
		B.ctl_port = atoi(e);
	B.dns_cache_timeout = -2;
	if ((e = getenv("HB_DNS_CACHE_TIMEOUT")) != NULL && *e != '\0')
		B.dns_cache_timeout = strtol(e, NULL, 10);

	if ((strcmp(B.proto, "HTTP") != 0 && strcmp(B.proto, "TCP") != 0) ||
	    first < 1 || B.n < 1 || first + B.n - 1 > 65535 ||
	    B.interval <= 0 || B.duration <= 0)
		usage();
	/* Bursts: whole intervals only, so that every window holds as many. */
	if (!B.spread)
		B.duration = ceil(B.duration / B.interval) * B.interval;

	/* One socket per probe in flight: up to N at once in a burst. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	log_init("health_bench", 0, LOG_LVL_WARNING);
	if ((B.base = event_base_new()) == NULL) {
		fprintf(stderr, "health_bench: event_base_new failed\n");
		return 1;
	}
	if ((rv = health_new(B.base, &B.h)) != 0) {
		fprintf(stderr, "health_bench: health_new: %d\n", rv);
		return 1;
	}
	if ((B.inst = calloc((size_t)B.n, sizeof(*B.inst))) == NULL)
		return 1;
	B.start_ev = evtimer_new(B.base, on_start, NULL);
	B.end_ev = evtimer_new(B.base, on_end, NULL);
	B.warm_ev = evtimer_new(B.base, on_warm_timeout, NULL);

	started = wall();
	B.t0 = mono();
	for (long i = 0; i < B.n; i++) {
		uint16_t port = (uint16_t)(first + i);
		char id[32];
		struct health_target t = {
			.task_id = id,
			.host = "127.0.0.1",
			.ports = &port,
			.n_ports = 1,
			.started = started,
		};

		snprintf(id, sizeof(id), "bench.%ld", i);
		check = json_pack("{s:s,s:s,s:i,s:f,s:i,s:i,s:i,s:f}",
		    "protocol", B.proto, "path", "/health", "portIndex", 0,
		    "intervalSeconds", B.interval, "timeoutSeconds", 5,
		    "gracePeriodSeconds", 300, "maxConsecutiveFailures", 3,
		    "delaySeconds",
		    B.spread ? (double)i * B.interval / (double)B.n : 0.0);
		checks = json_array();
		if (check == NULL || checks == NULL ||
		    json_array_append_new(checks, check) != 0)
			return 1;
		rv = health_watch(B.h, checks, &t, on_result, &B.inst[i],
		    &B.inst[i].w);
		json_decref(checks);
		if (rv != 0) {
			fprintf(stderr, "health_bench: health_watch %ld: %d\n",
			    i, rv);
			return 1;
		}
	}
	fprintf(stderr, "health_bench: %s: %ld watches on 127.0.0.1:%ld-%ld, "
	    "every %g s, %s\n", B.proto, B.n, first, first + B.n - 1,
	    B.interval, B.spread ? "spread over the interval" : "all at once");
	tv = tv_of(warm_max);
	evtimer_add(B.warm_ev, &tv);

	event_base_dispatch(B.base);

	if (B.rc == 0) {
		wall_s = B.w_t1 - B.w_t0;
		cpu = ru_cpu(&B.ru1) - ru_cpu(&B.ru0);
		printf("RESULT checker=stadion proto=%s mode=%s n=%ld "
		    "interval=%g warmup_s=%.2f window_s=%.3f checks=%ld ok=%ld "
		    "fail=%ld changes=%ld checks_per_s=%.2f cpu_user_s=%.4f "
		    "cpu_sys_s=%.4f cpu_s=%.4f cpu_pct=%.4f us_per_check=%.1f "
		    "proc_ticks=%lld clk_tck=%ld turns=%ld max_turn_ms=%.2f "
		    "active_opens=%lld passive_opens=%lld ctxsw=%ld "
		    "dns_cache_timeout=%s",
		    B.proto, B.spread ? "spread" : "burst", B.n, B.interval,
		    B.t_healthy - B.t0, wall_s, B.w_results, B.w_ok, B.w_fail,
		    B.w_changes, (double)B.w_results / wall_s,
		    (double)(B.ru1.ru_utime.tv_sec - B.ru0.ru_utime.tv_sec) +
		    (double)(B.ru1.ru_utime.tv_usec - B.ru0.ru_utime.tv_usec) / 1e6,
		    (double)(B.ru1.ru_stime.tv_sec - B.ru0.ru_stime.tv_sec) +
		    (double)(B.ru1.ru_stime.tv_usec - B.ru0.ru_stime.tv_usec) / 1e6,
		    cpu, 100 * cpu / wall_s,
		    B.w_results ? 1e6 * cpu / (double)B.w_results : 0.0,
		    B.ticks1 - B.ticks0, sysconf(_SC_CLK_TCK),
		    B.w_turns, B.max_turn * 1000, B.snmp1[0] - B.snmp0[0],
		    B.snmp1[1] - B.snmp0[1],
		    (B.ru1.ru_nvcsw + B.ru1.ru_nivcsw) -
		    (B.ru0.ru_nvcsw + B.ru0.ru_nivcsw),
		    B.dns_cache_timeout == -2 ? "default" :
		    (snprintf(id_buf, sizeof(id_buf), "%ld", B.dns_cache_timeout),
		    id_buf));
		if (B.tgt_ok == 0)
			printf(" tgt_conns=%lld tgt_http=%lld tgt_ports_http=%lld "
			    "tgt_ports_conn=%lld", B.tgt1[0] - B.tgt0[0],
			    B.tgt1[1] - B.tgt0[1], B.tgt1[2], B.tgt1[3]);
		printf("\n");
		fflush(stdout);
	}
	for (long i = 0; i < B.n; i++)
		health_unwatch(B.inst[i].w);
	health_free(B.h);
	event_free(B.start_ev);
	event_free(B.end_ev);
	event_free(B.warm_ev);
	event_base_free(B.base);
	free(B.inst);
	return B.rc;
}
