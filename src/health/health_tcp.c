/*
 * health_tcp.c -- TCP probes: a non-blocking connect on the loop, then
 * optionally the check's "send" written and its "expect" waited for.
 *
 * One event on the socket, re-armed for what the next step waits on:
 * writable while connecting or sending, readable while expecting.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "health/health_int.h"
#include "util/error.h"

struct health_tcp {
	struct health_check *c;
	int fd;
	struct event *ev;
	int connected;
	const char *send;	/* in the check's definition */
	size_t send_len, sent;
	const char *expect;
	size_t expect_len;
	char *buf;		/* the answer, its tail once long */
	size_t len;
};

static void
health_tcp_free(struct health_tcp *x)
{
	if (x->ev != NULL)
		event_free(x->ev);
	if (x->fd != -1)
		close(x->fd);
	free(x->buf);
	free(x);
}

static void
health_tcp_end(struct health_tcp *x, enum health_result r, const char *cause)
{
	struct health_check *c = x->c;

	c->probe = NULL;
	health_tcp_free(x);
	health_check_end(c, r, cause);
}

static void health_tcp_step(evutil_socket_t fd, short what, void *arg);

static int
health_tcp_wait(struct health_tcp *x, short what)
{
	event_del(x->ev);
	if (event_assign(x->ev, x->c->w->h->base, x->fd, what,
	    health_tcp_step, x) == -1 || event_add(x->ev, NULL) == -1)
		return ST_EIO;
	return ST_OK;
}

/* Read what came; 1 when expect is in it, 0 to wait, -1 on the end. */
static int
health_tcp_read(struct health_tcp *x, char *cause, size_t size)
{
	char tmp[4096];
	ssize_t n;
	size_t keep;

	for (;;) {
		if ((n = recv(x->fd, tmp, sizeof(tmp), 0)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			snprintf(cause, size, "%s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			snprintf(cause, size, "connection closed before \"%.64s\" "
			    "came", x->expect);
			return -1;
		}
		/* Keep only what a match across the next read may need. */
		if (x->len + (size_t)n > HEALTH_BODY_MAX) {
			keep = x->expect_len - 1;
			memmove(x->buf, x->buf + x->len - keep, keep);
			x->len = keep;
		}
		memcpy(x->buf + x->len, tmp, (size_t)n);
		x->len += (size_t)n;
		if (memmem(x->buf, x->len, x->expect, x->expect_len) != NULL)
			return 1;
	}
}

static void
health_tcp_step(evutil_socket_t fd, short what, void *arg)
{
	struct health_tcp *x = arg;
	char cause[HEALTH_CAUSE_MAX];
	socklen_t len = sizeof(int);
	int err = 0, rv;
	ssize_t n;

	cause[0] = '\0';
	if (!x->connected) {
		if (getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			health_tcp_end(x, HEALTH_R_FAIL, strerror(err));
			return;
		}
		x->connected = 1;
	}
	while (x->sent < x->send_len) {
		n = send(x->fd, x->send + x->sent, x->send_len - x->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (health_tcp_wait(x, EV_WRITE) != ST_OK)
				health_tcp_end(x, HEALTH_R_FAIL,
				    "cannot watch the socket");
			return;
		}
		if (n == -1) {
			snprintf(cause, sizeof(cause), "send: %s",
			    strerror(errno));
			health_tcp_end(x, HEALTH_R_FAIL, cause);
			return;
		}
		x->sent += (size_t)n;
	}
	if (x->expect == NULL) {
		health_tcp_end(x, HEALTH_R_PASS, NULL);
		return;
	}
	rv = health_tcp_read(x, cause, sizeof(cause));
	if (rv == 0 && health_tcp_wait(x, EV_READ) != ST_OK) {
		snprintf(cause, sizeof(cause), "cannot watch the socket");
		rv = -1;
	}
	if (rv != 0)
		health_tcp_end(x, rv > 0 ? HEALTH_R_PASS : HEALTH_R_FAIL, cause);
}

/* health_watch took only IPv4 and IPv6 literals: one of them parses. */
static socklen_t
health_tcp_addr(const char *host, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return sizeof(*sin);
	}
	inet_pton(AF_INET6, host, &sin6->sin6_addr);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	return sizeof(*sin6);
}

static int
health_tcp_start(struct health_check *c, char *cause, size_t size)
{
	struct sockaddr_storage ss;
	struct health_tcp *x;
	socklen_t sslen = health_tcp_addr(c->w->host, c->port, &ss);

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		snprintf(cause, size, "%s", st_strerror(ST_ENOMEM));
		return ST_ENOMEM;
	}
	x->c = c;
	x->send = json_string_value(json_object_get(c->def, "send"));
	x->send_len = x->send != NULL ? strlen(x->send) : 0;
	x->expect = json_string_value(json_object_get(c->def, "expect"));
	if (x->expect != NULL && x->expect[0] == '\0')
		x->expect = NULL;
	x->expect_len = x->expect != NULL ? strlen(x->expect) : 0;
	/* Its tail must fit in the buffer beside a read. */
	if (x->expect_len > HEALTH_BODY_MAX / 2) {
		snprintf(cause, size, "expect is longer than %d octets",
		    HEALTH_BODY_MAX / 2);
		free(x);
		return ST_EINVAL;
	}
	x->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (x->fd == -1 ||
	    (x->ev = event_new(c->w->h->base, x->fd, EV_WRITE, health_tcp_step,
	    x)) == NULL ||
	    (x->expect != NULL &&
	    (x->buf = malloc(HEALTH_BODY_MAX)) == NULL)) {
		snprintf(cause, size, "cannot make a socket (%s)",
		    strerror(errno));
		health_tcp_free(x);
		return ST_EIO;
	}
	if (connect(x->fd, (struct sockaddr *)&ss, sslen) == 0)
		x->connected = 1;
	else if (errno != EINPROGRESS) {
		snprintf(cause, size, "%s", strerror(errno));
		health_tcp_free(x);
		return ST_EIO;
	}
	if (event_add(x->ev, NULL) == -1) {
		snprintf(cause, size, "cannot watch the socket");
		health_tcp_free(x);
		return ST_EIO;
	}
	c->probe = x;
	return ST_OK;
}

static void
health_tcp_stop(struct health_check *c)
{
	health_tcp_free(c->probe);
	c->probe = NULL;
}

const struct health_probe_ops health_tcp_ops = {
	.start = health_tcp_start,
	.stop = health_tcp_stop,
};
