/*
 * server.c -- DNS worker threads: UDP in batches, TCP per RFC 7766; names
 * outside the zones handed to the forwarder, UDP answers to the rate
 * limiter, UPDATE messages to the main loop (the only writer), AXFR and
 * IXFR answered on the worker from their own snapshot.
 */
#include "config.h"

#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "conf/conf.h"
#include "dns/acl.h"
#include "dns/answer.h"
#include "dns/cache.h"
#include "dns/forward.h"
#include "dns/rrl.h"
#include "dns/server.h"
#include "dns/tsig.h"
#include "dns/update.h"
#include "dns/update_queue.h"
#include "dns/xfr.h"
#include "util/acl.h"
#include "util/addr.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"

#define UDP_BATCH 32
#define UDP_QUERY_MAX 4096
#define UDP_RESP_MAX 4096
#define TCP_MSG_MAX 65535
/* Stop reading a TCP client whose answers pile up unread. */
#define TCP_OUT_HIGH (256 * 1024)

struct tcp_conn {
	struct bufferevent *bev;
	struct dns_worker *w;
	struct tcp_conn *prev, *next;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint64_t id;		/* finds it again for an UPDATE's answer */
};

struct dns_worker {
	struct dns_server *srv;
	struct tcp_conn *conns;	/* open TCP clients, freed at shutdown */
	pthread_t thread;
	int started;
	struct event_base *base;
	struct dns_answer_ctx *actx;
	struct dns_fwd *fwd;		/* NULL: nothing is forwarded */
	struct dns_update_queue *replies;	/* UPDATE answers for TCP */
	struct dns_xfr *xfr;
	uint64_t next_conn;
	struct event **udp_ev;
	int *udp_fd;
	struct evconnlistener **tcp;
	unsigned nclients;
	struct mmsghdr msgs[UDP_BATCH], out[UDP_BATCH];
	struct iovec iov[UDP_BATCH], oiov[UDP_BATCH];
	struct sockaddr_storage peers[UDP_BATCH];
	uint8_t qbuf[UDP_BATCH][UDP_QUERY_MAX];
	uint8_t rbuf[UDP_BATCH][UDP_RESP_MAX];
	uint8_t tcpbuf[TCP_MSG_MAX + 2];
	uint8_t tcpq[TCP_MSG_MAX];
};

struct dns_server {
	size_t nworkers;
	struct dns_worker *w;
	size_t naddrs;
	struct sockaddr_storage *addrs;
	socklen_t *addrlens;
	struct timeval idle;
	unsigned max_clients;
	struct acl recursion;		/* clients we resolve for */
	struct acl rrl_exempt;
	struct dns_rrl *rrl;		/* NULL: off */
	struct dns_cache *cache;	/* NULL: off */
	struct dns_fwd_upstream up[DNS_FWD_UPSTREAMS_MAX];
	struct dns_fwd_conf fwd;	/* nup 0: no forwarding */
	struct dns_update_queue *updates;	/* on the main base; NULL: off */
	const struct dns_update_conf *updc;
	struct dns_acl xfr_acl;		/* allow_transfer */
};

/* Where a transfer's messages go: a TCP connection, or a UDP client. */
struct xfr_dest {
	struct tcp_conn *tc;	/* NULL: UDP */
	int fd;
	const struct sockaddr_storage *peer;
	socklen_t peerlen;
};

static int tcp_send(struct tcp_conn *tc, const uint8_t *msg, size_t len);

static int
server_xfr_write(const uint8_t *msg, size_t len, void *arg)
{
	struct xfr_dest *d = arg;

	if (d->tc != NULL)
		return tcp_send(d->tc, msg, len);
	/* A full send buffer drops it, as UDP may. */
	if (sendto(d->fd, msg, len, MSG_DONTWAIT,
	    (const struct sockaddr *)d->peer, d->peerlen) == -1)
		log_debug("dns: sendto failed (%s)", strerror(errno));
	return ST_OK;
}

/*
 * Answer the AXFR or IXFR request q, outside a dns_answer_begin/_end
 * bracket: the transfer reads its own snapshot. The keys are those of
 * dynamic updates. Not ST_OK: close the connection.
 */
static int
server_xfr(struct dns_worker *w, const uint8_t *q, size_t qlen,
    struct xfr_dest *d)
{
	static const struct dns_tsig_keyring none;
	struct dns_server *srv = w->srv;
	struct dns_xfr_serve_req r = {
		.peer = (const struct sockaddr *)d->peer,
		.keys = srv->updc != NULL ? srv->updc->keys : &none,
		.acl = &srv->xfr_acl,
		.tcp = d->tc != NULL,
		.now = (uint64_t)clock_wall(),
	};

	return dns_xfr_serve(w->xfr, &r, q, qlen, server_xfr_write, d);
}

/*
 * Hand an UPDATE to the main loop, which answers it later: the worker
 * never waits for the write. ST_ENOMEM drops it (the client retries).
 */
static void
server_update_post(struct dns_worker *w, int fd, const uint8_t *q,
    size_t qlen, const struct sockaddr_storage *peer, socklen_t peerlen,
    struct tcp_conn *tc)
{
	struct dns_update_req *req;

	if ((req = dns_update_req_new(q, qlen)) == NULL) {
		log_debug("dns: no memory for an UPDATE");
		return;
	}
	req->worker = w;
	req->fd = fd;
	req->conn = tc ? tc->id : 0;
	memcpy(&req->peer, peer, peerlen);
	req->peerlen = peerlen;
	dns_update_queue_post(w->srv->updates, req);
}

/*
 * The answer to the query in q (qlen octets) from peer into resp: out of
 * the zones, or the forwarder's (0 if it comes later), or cut by the rate
 * limiter (0 to drop it). Returns the length to send.
 */
static ssize_t
server_answer(struct dns_worker *w, int fd, const uint8_t *q, size_t qlen,
    const struct sockaddr_storage *peer, socklen_t peerlen, void *owner,
    uint8_t *resp, size_t respcap)
{
	struct dns_server *srv = w->srv;
	struct dns_answer_info info;
	struct dns_fwd_client cl;
	ssize_t len;
	int tcp = owner != NULL;

	if (srv->updates != NULL && dns_update_is_update(q, qlen)) {
		server_update_post(w, fd, q, qlen, peer, peerlen, owner);
		return 0;
	}
	len = dns_answer_query(w->actx, q, qlen, resp, respcap, tcp, &info);
	if (len > 0 && info.outside && w->fwd != NULL &&
	    acl_match(&srv->recursion, (const struct sockaddr *)peer)) {
		cl.owner = owner;
		cl.fd = fd;
		memcpy(&cl.addr, peer, peerlen);
		cl.addrlen = peerlen;
		cl.tcp = tcp;
		return dns_fwd_query(w->fwd, &info.q, &cl, resp, respcap);
	}
	/* TCP needs a handshake, which a forged address cannot make. */
	if (len <= 0 || tcp || srv->rrl == NULL ||
	    acl_match(&srv->rrl_exempt, (const struct sockaddr *)peer))
		return len;
	switch (dns_rrl_check(srv->rrl, (const struct sockaddr *)peer,
	    clock_mono())) {
	case DNS_RRL_SEND:
		return len;
	case DNS_RRL_SLIP:
		return (ssize_t)dns_rrl_truncate(resp, (size_t)len);
	case DNS_RRL_DROP:
		break;
	}
	return 0;
}

/* Send the nout answers gathered in w->out. */
static void
udp_flush(struct dns_worker *w, int fd, int nout)
{
	for (int sent = 0; sent < nout;) {
		int r = sendmmsg(fd, w->out + sent, (unsigned)(nout - sent),
		    MSG_DONTWAIT);

		if (r <= 0) {
			/* A full send buffer drops the rest, as UDP may. */
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				log_debug("dns: sendmmsg failed (%s)", strerror(errno));
			break;
		}
		sent += r;
	}
}

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct dns_worker *w = arg;
	int n, nout = 0;

	for (int i = 0; i < UDP_BATCH; i++) {
		w->iov[i].iov_base = w->qbuf[i];
		w->iov[i].iov_len = UDP_QUERY_MAX;
		memset(&w->msgs[i].msg_hdr, 0, sizeof(w->msgs[i].msg_hdr));
		w->msgs[i].msg_hdr.msg_iov = &w->iov[i];
		w->msgs[i].msg_hdr.msg_iovlen = 1;
		w->msgs[i].msg_hdr.msg_name = &w->peers[i];
		w->msgs[i].msg_hdr.msg_namelen = sizeof(w->peers[i]);
	}
	n = recvmmsg(fd, w->msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			log_warn("dns: recvmmsg failed");
		return;
	}
	if (dns_answer_begin(w->actx) != ST_OK)
		return;
	for (int i = 0; i < n; i++) {
		ssize_t len;

		if (dns_xfr_is_request(w->qbuf[i], w->msgs[i].msg_len)) {
			struct xfr_dest d = { NULL, fd, &w->peers[i],
			    w->msgs[i].msg_hdr.msg_namelen };

			/*
			 * Outside the answer snapshot, and after the answers
			 * before it: a client sees them in its order.
			 */
			dns_answer_end(w->actx);
			udp_flush(w, fd, nout);
			nout = 0;
			server_xfr(w, w->qbuf[i], w->msgs[i].msg_len, &d);
			if (dns_answer_begin(w->actx) != ST_OK)
				return;
			continue;
		}
		len = server_answer(w, fd, w->qbuf[i], w->msgs[i].msg_len,
		    &w->peers[i], w->msgs[i].msg_hdr.msg_namelen, NULL,
		    w->rbuf[nout], UDP_RESP_MAX);
		if (len <= 0)
			continue;
		w->oiov[nout].iov_base = w->rbuf[nout];
		w->oiov[nout].iov_len = (size_t)len;
		memset(&w->out[nout].msg_hdr, 0, sizeof(w->out[nout].msg_hdr));
		w->out[nout].msg_hdr.msg_iov = &w->oiov[nout];
		w->out[nout].msg_hdr.msg_iovlen = 1;
		w->out[nout].msg_hdr.msg_name = &w->peers[i];
		w->out[nout].msg_hdr.msg_namelen = w->msgs[i].msg_hdr.msg_namelen;
		nout++;
	}
	dns_answer_end(w->actx);
	udp_flush(w, fd, nout);
}

static void
tcp_close(struct tcp_conn *tc)
{
	struct dns_worker *w = tc->w;

	if (tc->prev)
		tc->prev->next = tc->next;
	else
		w->conns = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	if (w->fwd)
		dns_fwd_cancel(w->fwd, tc);
	bufferevent_free(tc->bev);
	free(tc);
	w->nclients--;
}

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *tc = arg;
	struct dns_worker *w = tc->w;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer *out = bufferevent_get_output(bev);
	uint8_t lenb[2];
	int begun = 0;

	while (evbuffer_get_length(out) < TCP_OUT_HIGH) {
		size_t mlen;
		ssize_t rlen;

		if (evbuffer_copyout(in, lenb, 2) != 2)
			break;
		mlen = (size_t)lenb[0] << 8 | lenb[1];
		if (evbuffer_get_length(in) < 2 + mlen)
			break;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, w->tcpq, mlen);
		if (dns_xfr_is_request(w->tcpq, mlen)) {
			struct xfr_dest d = { tc, -1, &tc->peer, tc->peerlen };

			if (begun)
				dns_answer_end(w->actx);
			begun = 0;
			if (server_xfr(w, w->tcpq, mlen, &d) != ST_OK) {
				tcp_close(tc);
				return;
			}
			continue;
		}
		if (!begun) {
			if (dns_answer_begin(w->actx) != ST_OK)
				break;
			begun = 1;
		}
		rlen = server_answer(w, -1, w->tcpq, mlen, &tc->peer,
		    tc->peerlen, tc, w->tcpbuf + 2, TCP_MSG_MAX);
		if (rlen <= 0)
			continue;
		w->tcpbuf[0] = (uint8_t)(rlen >> 8);
		w->tcpbuf[1] = (uint8_t)rlen;
		evbuffer_add(out, w->tcpbuf, (size_t)rlen + 2);
	}
	if (begun)
		dns_answer_end(w->actx);
	if (evbuffer_get_length(out) >= TCP_OUT_HIGH)
		bufferevent_disable(bev, EV_READ);
}

static void
tcp_write(struct bufferevent *bev, void *arg)
{
	/* Output drained below the low watermark (empty): read again. */
	if (!(bufferevent_get_enabled(bev) & EV_READ)) {
		bufferevent_enable(bev, EV_READ);
		tcp_read(bev, arg);
	}
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		tcp_close(arg);
}

static void
tcp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct dns_worker *w = arg;
	struct tcp_conn *tc;

	if (w->nclients >= w->srv->max_clients ||
	    (tc = calloc(1, sizeof(*tc))) == NULL) {
		close(fd);
		return;
	}
	tc->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (tc->bev == NULL) {
		free(tc);
		close(fd);
		return;
	}
	tc->w = w;
	tc->id = ++w->next_conn;
	memcpy(&tc->peer, sa, (size_t)salen);
	tc->peerlen = (socklen_t)salen;
	tc->next = w->conns;
	if (w->conns)
		w->conns->prev = tc;
	w->conns = tc;
	w->nclients++;
	bufferevent_setcb(tc->bev, tcp_read, tcp_write, tcp_event, tc);
	bufferevent_set_timeouts(tc->bev, &w->srv->idle, &w->srv->idle);
	bufferevent_enable(tc->bev, EV_READ | EV_WRITE);
}

/* Send msg on connection tc with its length in front. ST_ENOMEM. */
static int
tcp_send(struct tcp_conn *tc, const uint8_t *msg, size_t len)
{
	uint8_t lenb[2];

	lenb[0] = (uint8_t)(len >> 8);
	lenb[1] = (uint8_t)len;
	if (evbuffer_add(bufferevent_get_output(tc->bev), lenb, 2) != 0 ||
	    evbuffer_add(bufferevent_get_output(tc->bev), msg, len) != 0) {
		log_debug("dns: no memory for an answer over TCP");
		return ST_ENOMEM;
	}
	return ST_OK;
}

/* A forwarded answer is ready: to the UDP client, or onto its connection. */
static void
server_fwd_reply(void *arg, const struct dns_fwd_client *cl,
    const uint8_t *msg, size_t len)
{
	if (!cl->tcp) {
		/* A full send buffer drops it, as UDP may. */
		if (sendto(cl->fd, msg, len, MSG_DONTWAIT,
		    (const struct sockaddr *)&cl->addr, cl->addrlen) == -1)
			log_debug("dns: sendto failed (%s)", strerror(errno));
		return;
	}
	tcp_send(cl->owner, msg, len);
}

/* An UPDATE's answer, back on the worker: to its connection if still open. */
static void
server_update_reply(struct dns_update_req *req, void *arg)
{
	struct dns_worker *w = arg;

	for (struct tcp_conn *tc = w->conns; tc != NULL; tc = tc->next) {
		if (tc->id == req->conn) {
			tcp_send(tc, req->ans, req->anslen);
			break;
		}
	}
	free(req);
}

/*
 * On the main loop: apply the UPDATE and answer. A UDP answer goes out
 * here with sendto on the worker's socket: a datagram send is atomic and
 * needs no state of the worker, and the socket stays open until
 * dns_server_free, which runs only after the main loop has stopped. A TCP
 * answer goes back to the worker that owns the connection.
 */
static void
server_update_run(struct dns_update_req *req, void *arg)
{
	struct dns_server *srv = arg;
	struct dns_worker *w = req->worker;

	req->anslen = dns_update_answer(srv->updc, req->msg, req->len,
	    (uint64_t)clock_wall(), req->ans, sizeof(req->ans));
	if (req->anslen == 0) {
		free(req);
	} else if (req->fd >= 0) {
		if (sendto(req->fd, req->ans, req->anslen, MSG_DONTWAIT,
		    (const struct sockaddr *)&req->peer, req->peerlen) == -1)
			log_debug("dns: sendto failed (%s)", strerror(errno));
		free(req);
	} else {
		dns_update_queue_post(w->replies, req);
	}
}

int
dns_server_set_update(struct dns_server *srv, struct event_base *base,
    const struct dns_update_conf *uc)
{
	srv->updc = uc;
	return dns_update_queue_new(base, server_update_run, srv,
	    &srv->updates);
}

static int
server_socket(const struct sockaddr_storage *ss, socklen_t len, int type)
{
	int fd, on = 1;
	char host[64];

	fd = socket(ss->ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err("dns: socket failed");
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		log_warn("dns: SO_REUSEPORT unavailable");
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)ss, len) == -1) {
		addr_host(ss, host, sizeof(host));
		log_err("dns: cannot bind %s port %u (%s)", host,
		    ntohs(((const struct sockaddr_in *)ss)->sin_port),
		    type == SOCK_DGRAM ? "udp" : "tcp");
		close(fd);
		return -1;
	}
	return fd;
}

static int
worker_init(struct dns_server *srv, struct dns_worker *w, struct store *st,
    const struct dns_answer_conf *ac)
{
	int err;

	w->srv = srv;
	if ((w->base = event_base_new()) == NULL)
		return ST_ENOMEM;
	if ((err = dns_answer_ctx_new(st, ac, &w->actx)) != ST_OK ||
	    (err = dns_xfr_new(st, &w->xfr)) != ST_OK ||
	    (err = dns_update_queue_new(w->base, server_update_reply, w,
	    &w->replies)) != ST_OK)
		return err;
	if (srv->fwd.nup > 0 && (err = dns_fwd_new(w->base, &srv->fwd,
	    srv->cache, server_fwd_reply, w, &w->fwd)) != ST_OK)
		return err;
	w->udp_ev = calloc(srv->naddrs, sizeof(*w->udp_ev));
	w->udp_fd = calloc(srv->naddrs, sizeof(*w->udp_fd));
	w->tcp = calloc(srv->naddrs, sizeof(*w->tcp));
	if (!w->udp_ev || !w->udp_fd || !w->tcp)
		return ST_ENOMEM;
	for (size_t i = 0; i < srv->naddrs; i++)
		w->udp_fd[i] = -1;
	for (size_t i = 0; i < srv->naddrs; i++) {
		int tfd;

		w->udp_fd[i] = server_socket(&srv->addrs[i], srv->addrlens[i],
		    SOCK_DGRAM);
		if (w->udp_fd[i] == -1)
			return ST_EIO;
		w->udp_ev[i] = event_new(w->base, w->udp_fd[i],
		    EV_READ | EV_PERSIST, udp_read, w);
		if (w->udp_ev[i] == NULL || event_add(w->udp_ev[i], NULL) != 0)
			return ST_ENOMEM;
		if ((tfd = server_socket(&srv->addrs[i], srv->addrlens[i],
		    SOCK_STREAM)) == -1)
			return ST_EIO;
		w->tcp[i] = evconnlistener_new(w->base, tcp_accept, w,
		    LEV_OPT_CLOSE_ON_FREE, 128, tfd);
		if (w->tcp[i] == NULL) {
			log_err("dns: listen failed");
			close(tfd);
			return ST_EIO;
		}
	}
	return ST_OK;
}

static void
worker_deinit(struct dns_server *srv, struct dns_worker *w)
{
	/* Before the sockets its pending queries would answer on. */
	dns_fwd_free(w->fwd);
	w->fwd = NULL;
	for (size_t i = 0; i < srv->naddrs; i++) {
		if (w->udp_ev && w->udp_ev[i])
			event_free(w->udp_ev[i]);
		if (w->udp_fd && w->udp_fd[i] != -1)
			close(w->udp_fd[i]);
		if (w->tcp && w->tcp[i])
			evconnlistener_free(w->tcp[i]);
	}
	free(w->udp_ev);
	free(w->udp_fd);
	free(w->tcp);
	while (w->conns)
		tcp_close(w->conns);
	dns_update_queue_free(w->replies);
	dns_xfr_free(w->xfr);
	dns_answer_ctx_free(w->actx);
	if (w->base)
		event_base_free(w->base);
}

/* The upstreams: from the configuration, else from resolv.conf. */
static int
server_upstreams(struct dns_server *srv, const struct conf *c)
{
	struct dns_fwd_upstream up[DNS_FWD_UPSTREAMS_MAX];
	size_t n = 0;
	char text[64];
	int err;

	if (c->n_forwarder > DNS_FWD_UPSTREAMS_MAX) {
		log_errx("dns: more than %d forwarders", DNS_FWD_UPSTREAMS_MAX);
		return ST_EINVAL;
	}
	for (size_t i = 0; i < c->n_forwarder; i++) {
		if (dns_fwd_upstream_parse(c->forwarder[i], &up[n++]) != ST_OK) {
			log_errx("dns: bad forwarder '%s'", c->forwarder[i]);
			return ST_EINVAL;
		}
	}
	if (c->n_forwarder == 0 && (err = dns_fwd_resolv_conf(c->resolv_conf,
	    up, DNS_FWD_UPSTREAMS_MAX, &n)) != ST_OK) {
		log_warn("dns: cannot read %s", c->resolv_conf);
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		dns_fwd_upstream_text(&up[i], text, sizeof(text));
		if (dns_fwd_upstream_is_own(&up[i], srv->addrs, srv->naddrs)) {
			log_notice("dns: upstream %s is stadiond itself, not "
			    "used (a forwarding loop)", text);
			continue;
		}
		log_info("dns: upstream resolver %s", text);
		srv->up[srv->fwd.nup++] = up[i];
	}
	if (srv->fwd.nup == 0)
		log_notice("dns: no upstream resolver (%s): names outside the "
		    "zones are refused", c->n_forwarder ? "forwarder" :
		    c->resolv_conf);
	return ST_OK;
}

/* Recursion for some clients, the cache, rate limiting. */
static int
server_policy(struct dns_server *srv, const struct conf *c)
{
	size_t bad = 0;
	int err;

	if ((err = acl_init(&srv->recursion, c->recursion_allow,
	    c->n_recursion_allow, &bad)) != ST_OK) {
		log_errx("dns: bad recursion_allow '%s'",
		    c->recursion_allow[bad]);
		return err;
	}
	if ((err = acl_init(&srv->rrl_exempt, c->rrl_exempt, c->n_rrl_exempt,
	    &bad)) != ST_OK) {
		log_errx("dns: bad rrl_exempt '%s'", c->rrl_exempt[bad]);
		return err;
	}
	if ((err = dns_acl_init(&srv->xfr_acl, c->allow_transfer,
	    c->n_allow_transfer, &bad)) != ST_OK) {
		if (err == ST_EINVAL)
			log_errx("dns: bad allow_transfer '%s'",
			    c->allow_transfer[bad]);
		return err;
	}
	if (c->rrl_responses_per_second > 0 && (err = dns_rrl_new(
	    c->rrl_responses_per_second, c->rrl_slip, &srv->rrl)) != ST_OK)
		return err;
	if (srv->recursion.n == 0) {
		log_info("dns: recursion_allow is empty: names outside the "
		    "zones are refused");
		return ST_OK;
	}
	if ((err = server_upstreams(srv, c)) != ST_OK || srv->fwd.nup == 0)
		return err;
	if (c->cache_size > 0 &&
	    (err = dns_cache_new(c->cache_size, &srv->cache)) != ST_OK)
		return err;
	srv->fwd.up = srv->up;
	srv->fwd.timeout_ms = c->forward_timeout;
	srv->fwd.edns_udp_size = (uint16_t)c->edns_udp_size;
	return ST_OK;
}

int
dns_server_new(struct store *st, const struct conf *c, struct dns_server **out)
{
	struct dns_answer_conf ac = {
		.chaos_version = c->chaos_version,
		.chaos_id = c->chaos_id,
		.edns_udp_size = (uint16_t)c->edns_udp_size,
	};
	struct dns_server *srv;
	long cores;
	int err;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return ST_ENOMEM;
	srv->naddrs = c->n_dns_listen;
	srv->addrs = calloc(srv->naddrs, sizeof(*srv->addrs));
	srv->addrlens = calloc(srv->naddrs, sizeof(*srv->addrlens));
	if (!srv->addrs || !srv->addrlens) {
		err = ST_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < srv->naddrs; i++) {
		if (addr_parse(c->dns_listen[i], &srv->addrs[i],
		    &srv->addrlens[i]) != ST_OK) {
			log_errx("dns: bad listen address '%s'", c->dns_listen[i]);
			err = ST_EINVAL;
			goto fail;
		}
	}
	if ((err = server_policy(srv, c)) != ST_OK)
		goto fail;
	srv->idle.tv_sec = c->tcp_idle_timeout;
	srv->max_clients = c->tcp_max_clients;
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	srv->nworkers = c->threads ? c->threads : (cores > 0 ? (size_t)cores : 1);
	if ((srv->w = calloc(srv->nworkers, sizeof(*srv->w))) == NULL) {
		err = ST_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < srv->nworkers; i++)
		if ((err = worker_init(srv, &srv->w[i], st, &ac)) != ST_OK)
			goto fail;
	*out = srv;
	return ST_OK;
fail:
	dns_server_free(srv);
	return err;
}

static void *
worker_main(void *arg)
{
	struct dns_worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

int
dns_server_start(struct dns_server *srv)
{
	for (size_t i = 0; i < srv->nworkers; i++) {
		if (pthread_create(&srv->w[i].thread, NULL, worker_main,
		    &srv->w[i]) != 0) {
			log_errx("dns: cannot start worker thread %zu", i);
			return ST_ENOMEM;
		}
		srv->w[i].started = 1;
	}
	log_info("dns: %zu worker threads serving %zu addresses",
	    srv->nworkers, srv->naddrs);
	return ST_OK;
}

void
dns_server_free(struct dns_server *srv)
{
	if (srv == NULL)
		return;
	for (size_t i = 0; srv->w && i < srv->nworkers; i++)
		if (srv->w[i].started)
			event_base_loopbreak(srv->w[i].base);
	for (size_t i = 0; srv->w && i < srv->nworkers; i++) {
		if (srv->w[i].started)
			pthread_join(srv->w[i].thread, NULL);
		worker_deinit(srv, &srv->w[i]);
	}
	free(srv->w);
	dns_update_queue_free(srv->updates);
	free(srv->addrs);
	free(srv->addrlens);
	acl_deinit(&srv->recursion);
	acl_deinit(&srv->rrl_exempt);
	dns_acl_deinit(&srv->xfr_acl);
	dns_rrl_free(srv->rrl);
	dns_cache_free(srv->cache);
	free(srv);
}
