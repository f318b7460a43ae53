/*
 * xfrtool.c -- stadion's zone transfer code serving on the loopback, for
 * the system tests against BIND's and Knot's tools:
 *
 *   xfrtool [-j MAX] [-a ACLITEM]... [-n ADDR:PORT]... [-k KEYFILE]
 *	    STATEDIR PORTFILE
 *	open (or make) a store in STATEDIR with a journal of MAX entries per
 *	zone (default 1000) and the built-in zones mesos. and marathon.mesos.
 *	as stadiond writes them, and serve UDP and TCP on 127.0.0.1 (the port
 *	goes to PORTFILE): queries as stadiond answers them, AXFR and IXFR
 *	through dns/xfr.h to the clients the ACL items allow (default
 *	127.0.0.0/8), signed with TSIG when the request is (keys from the
 *	BIND key file KEYFILE). Serial changes are NOTIFYed to each -n target.
 *	Commands on stdin, one a line, each answered on stdout with
 *	"ok SERIAL" (marathon.mesos.'s serial) or "error WHY":
 *	  put SERVICE ID ADDRESS PORT HEALTH WEIGHT
 *	  del SERVICE ID
 *	  zones DIR		(load the zone files of DIR)
 *	  serial		(just print it)
 *	End of input ends the tool.
 *
 * Exits 1 on an error (on stderr), 2 on a usage error.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include "dns/acl.h"
#include "dns/answer.h"
#include "dns/journal.h"
#include "dns/name.h"
#include "dns/node.h"
#include "dns/notify.h"
#include "dns/pkt.h"
#include "dns/tsig.h"
#include "dns/xfr.h"
#include "dns/zone.h"
#include "dns/zonefile.h"
#include "store/registry.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/wire.h"

#define XT_MAX 16

struct xt {
	struct event_base *base;
	struct store *st;
	struct dns_journal *j;
	struct registry *reg;
	struct dns_answer_ctx *actx;
	struct dns_xfr *xfr;
	struct dns_notify *notify;
	struct dns_acl acl;
	struct dns_tsig_keyring keys;
	int udp;
	struct event *udp_ev, *stdin_ev;
	struct evconnlistener *tcp;
	struct evbuffer *line;
};

/* What an answer goes through: the connection, and the TSIG exchange. */
struct xt_out {
	struct bufferevent *bev;	/* NULL: UDP */
	int fd;
	const struct sockaddr_storage *peer;
	socklen_t peerlen;
	struct dns_tsig_ctx *tsig;	/* NULL: unsigned */
};

static int
xt_builtin(struct store_txn *txn, void *arg)
{
	static const char *const zones[] = { "mesos", "marathon.mesos" };
	static const uint8_t ns1[4] = { 127, 0, 0, 1 };
	struct dns_soa_params soa;
	struct dns_node_edit e;
	uint8_t apex[DNS_NAME_MAX], key[DNS_KEY_MAX];
	size_t len, klen;

	(void)arg;
	memset(&soa, 0, sizeof(soa));
	dns_name_from_text("ns1.mesos", soa.mname, &soa.mname_len);
	dns_name_from_text("root.ns1.mesos", soa.rname, &soa.rname_len);
	soa.refresh = 60;
	soa.retry = 30;
	soa.expire = 86400;
	soa.minimum = 60;
	soa.ttl = 60;
	for (size_t i = 0; i < 2; i++) {
		dns_name_from_text(zones[i], apex, &len);
		dns_zone_add(txn, apex, len, DNS_ZONE_BUILTIN);
		dns_zone_write_soa(txn, apex, len, &soa, 1);
	}
	dns_name_from_text("ns1.mesos", apex, &len);
	dns_name_to_key(apex, len, key, &klen);
	dns_node_edit_init(&e, DNS_ORIGIN_APEX);
	dns_node_edit_rrset(&e, DNS_TYPE_A, 60);
	dns_node_edit_rr(&e, 1, ns1, 4);
	dns_node_edit_commit(&e, txn, key, klen);
	dns_node_edit_deinit(&e);
	return store_txn_error(txn);
}

static int
xt_send(struct xt_out *o, uint8_t *msg, size_t len, size_t cap)
{
	uint8_t l[2];
	int err;

	if (o->tsig && (err = dns_tsig_sign(o->tsig, msg, &len, cap,
	    (uint64_t)time(NULL))) != ST_OK)
		return err;
	if (o->bev == NULL)
		return sendto(o->fd, msg, len, 0,
		    (const struct sockaddr *)o->peer, o->peerlen) == -1 ?
		    ST_EIO : ST_OK;
	wire_wr16(l, (uint16_t)len);
	if (evbuffer_add(bufferevent_get_output(o->bev), l, 2) != 0 ||
	    evbuffer_add(bufferevent_get_output(o->bev), msg, len) != 0)
		return ST_ENOMEM;
	return ST_OK;
}

static int
xt_xfr_send(uint8_t *msg, size_t len, size_t cap, void *arg)
{
	return xt_send(arg, msg, len, cap);
}

/*
 * One request: verify its TSIG, then a transfer or a plain answer. An
 * error: the connection is to be closed.
 */
static int
xt_request(struct xt *x, const uint8_t *q, size_t qlen, struct xt_out *o)
{
	static uint8_t resp[65535];
	struct dns_tsig_ctx tsig;
	struct dns_xfr_req r;
	struct dns_query pq;
	struct dns_pkt p;
	ssize_t len;
	int rc, err = ST_OK;

	memset(&tsig, 0, sizeof(tsig));
	rc = dns_tsig_verify_request(&tsig, &x->keys, q, qlen,
	    (uint64_t)time(NULL));
	if (rc == ST_OK)
		o->tsig = &tsig;
	if (rc == ST_OK && tsig.error != DNS_TSIG_NOERROR) {
		/* NOTAUTH, with the TSIG error, signed where it may be. */
		if (dns_pkt_parse_query(q, qlen, &pq) != ST_EINVAL) {
			dns_pkt_init(&p, resp, sizeof(resp), sizeof(resp), &pq,
			    0, DNS_RCODE_NOTAUTH);
			dns_pkt_put_question(&p, &pq);
			xt_send(o, resp, dns_pkt_finish(&p), sizeof(resp));
		}
		goto out;
	}
	if (rc != ST_OK && rc != ST_ENOTFOUND)
		goto out;
	if (dns_xfr_is_request(q, qlen)) {
		memset(&r, 0, sizeof(r));
		r.peer = (const struct sockaddr *)o->peer;
		r.key = rc == ST_OK ? tsig.key->name : NULL;
		r.acl = &x->acl;
		r.tcp = o->bev != NULL;
		r.reserve = rc == ST_OK ? dns_tsig_space(&tsig) : 0;
		err = dns_xfr_answer(x->xfr, &r, q, qlen, xt_xfr_send, o);
		goto out;
	}
	if (dns_answer_begin(x->actx) != ST_OK)
		goto out;
	len = dns_answer(x->actx, q, qlen, resp, sizeof(resp) -
	    (o->tsig ? dns_tsig_space(&tsig) : 0), o->bev != NULL);
	dns_answer_end(x->actx);
	if (len > 0)
		err = xt_send(o, resp, (size_t)len, sizeof(resp));
out:
	dns_tsig_ctx_deinit(&tsig);
	return err;
}

static void
xt_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	uint8_t q[4096];
	struct xt_out o;
	ssize_t n;

	(void)what;
	while ((n = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT,
	    (struct sockaddr *)&peer, &plen)) > 0) {
		memset(&o, 0, sizeof(o));
		o.fd = fd;
		o.peer = &peer;
		o.peerlen = plen;
		xt_request(arg, q, (size_t)n, &o);
		plen = sizeof(peer);
	}
}

struct xt_conn {
	struct xt *x;
	struct sockaddr_storage peer;
};

static void
xt_tcp_read(struct bufferevent *bev, void *arg)
{
	struct xt_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t l[2], q[65535];
	struct xt_out o;
	size_t mlen;

	while (evbuffer_copyout(in, l, 2) == 2) {
		mlen = wire_rd16(l);
		if (evbuffer_get_length(in) < 2 + mlen)
			return;
		evbuffer_drain(in, 2);
		evbuffer_remove(in, q, mlen);
		memset(&o, 0, sizeof(o));
		o.bev = bev;
		o.peer = &c->peer;
		o.peerlen = sizeof(c->peer);
		if (xt_request(c->x, q, mlen, &o) != ST_OK) {
			bufferevent_free(bev);
			free(c);
			return;
		}
	}
}

static void
xt_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(bev);
		free(arg);
	}
}

static void
xt_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct xt *x = arg;
	struct xt_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *bev;

	(void)l;
	bev = bufferevent_socket_new(x->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c == NULL || bev == NULL) {
		free(c);
		close(fd);
		return;
	}
	c->x = x;
	memcpy(&c->peer, sa, (size_t)salen);
	bufferevent_setcb(bev, xt_tcp_read, NULL, xt_tcp_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static uint32_t
xt_serial(struct xt *x)
{
	uint8_t apex[DNS_NAME_MAX];
	struct store_txn *txn;
	uint32_t s = 0;
	size_t len;

	dns_name_from_text("marathon.mesos", apex, &len);
	if (store_reader_new(x->st, &txn) == ST_OK &&
	    store_reader_begin(txn) == ST_OK)
		dns_zone_serial(txn, apex, len, &s);
	store_reader_free(txn);
	return s;
}

/* One command line; the answer on stdout. */
static void
xt_command(struct xt *x, char *line)
{
	char *v[8], *save = NULL, err[512] = "";
	struct registry_error e;
	json_t *body;
	int n = 0, rc = ST_OK;

	for (char *t = strtok_r(line, " \t", &save); t && n < 8;
	    t = strtok_r(NULL, " \t", &save))
		v[n++] = t;
	if (n == 7 && strcmp(v[0], "put") == 0) {
		body = json_pack("{s:s, s:s, s:[{s:i, s:s, s:s}], s:s, s:i}",
		    "id", v[2], "address", v[3], "ports", "port", atoi(v[4]),
		    "protocol", "tcp", "name", "http", "health", v[5],
		    "weight", atoi(v[6]));
		rc = body ? registry_instance_put(x->reg, v[1], v[2], body,
		    REGISTRY_REPLACE, NULL, &e) : ST_ENOMEM;
		if (rc == ST_EINVAL)
			snprintf(err, sizeof(err), "%s", e.message);
		json_decref(body);
	} else if (n == 3 && strcmp(v[0], "del") == 0) {
		rc = registry_instance_delete(x->reg, v[1], v[2]);
	} else if (n == 2 && strcmp(v[0], "zones") == 0) {
		rc = dns_zonefile_load_dir(x->st, v[1], NULL, err, sizeof(err));
	} else if (!(n == 1 && strcmp(v[0], "serial") == 0)) {
		rc = ST_EINVAL;
		snprintf(err, sizeof(err), "unknown command");
	}
	if (rc == ST_OK)
		printf("ok %u\n", xt_serial(x));
	else
		printf("error %s %s\n", st_strerror(rc), err);
	fflush(stdout);
}

static void
xt_stdin(evutil_socket_t fd, short what, void *arg)
{
	struct xt *x = arg;
	size_t len;
	char *line;
	int n;

	(void)what;
	if ((n = evbuffer_read(x->line, fd, 4096)) <= 0) {
		event_base_loopbreak(x->base);
		return;
	}
	while ((line = evbuffer_readln(x->line, &len, EVBUFFER_EOL_LF))) {
		xt_command(x, line);
		free(line);
	}
}

static int
xt_listen(struct xt *x, const char *portfile)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int tfd, on = 1;
	FILE *f;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((tfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(tfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(tfd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	/* UDP on the port TCP got. */
	if ((x->udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1 ||
	    bind(x->udp, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	x->tcp = evconnlistener_new(x->base, xt_accept, x,
	    LEV_OPT_CLOSE_ON_FREE, 16, tfd);
	x->udp_ev = event_new(x->base, x->udp, EV_READ | EV_PERSIST,
	    xt_udp_read, x);
	if (x->tcp == NULL || x->udp_ev == NULL || event_add(x->udp_ev, NULL))
		return -1;
	if ((f = fopen(portfile, "w")) == NULL)
		return -1;
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	return fclose(f) == 0 ? 0 : -1;
}

static int
xt_usage(void)
{
	fprintf(stderr, "usage: xfrtool [-j MAX] [-a ACLITEM]... "
	    "[-n ADDR:PORT]... [-k KEYFILE] STATEDIR PORTFILE\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct dns_journal_params jp = { DNS_JOURNAL_MAX_ENTRIES,
	    DNS_JOURNAL_MAX_BYTES };
	struct registry_params rp = { "mesos", "marathon", 60 };
	struct dns_answer_conf ac = { NULL, NULL, 1232 };
	struct dns_notify_params np;
	char *acl[XT_MAX], *targets[XT_MAX], err[512];
	const char *keyfile = NULL;
	size_t nacl = 0, ntargets = 0, bad;
	struct xt x;
	int ch;

	memset(&x, 0, sizeof(x));
	while ((ch = getopt(argc, argv, "a:j:k:n:")) != -1) {
		switch (ch) {
		case 'a':
			if (nacl == XT_MAX)
				return xt_usage();
			acl[nacl++] = optarg;
			break;
		case 'j':
			jp.max_entries = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'n':
			if (ntargets == XT_MAX)
				return xt_usage();
			targets[ntargets++] = optarg;
			break;
		default:
			return xt_usage();
		}
	}
	if (argc - optind != 2)
		return xt_usage();
	if (nacl == 0)
		acl[nacl++] = "127.0.0.0/8";
	log_init("xfrtool", 0, LOG_LVL_DEBUG);
	dns_tsig_keyring_init(&x.keys);
	if (keyfile && dns_tsig_keyfile_load(&x.keys, keyfile, err,
	    sizeof(err)) != ST_OK) {
		fprintf(stderr, "xfrtool: %s\n", err);
		return 1;
	}
	memset(&np, 0, sizeof(np));
	np.targets = targets;
	np.ntargets = ntargets;
	np.coalesce_ms = DNS_NOTIFY_COALESCE_MS;
	np.retry_ms = DNS_NOTIFY_RETRY_MS;
	np.retries = DNS_NOTIFY_RETRIES;
	if (dns_acl_init(&x.acl, acl, nacl, &bad) != ST_OK) {
		fprintf(stderr, "xfrtool: bad ACL item %s\n", acl[bad]);
		return 1;
	}
	if ((x.base = event_base_new()) == NULL ||
	    store_open(argv[optind], &x.st) != ST_OK ||
	    dns_journal_new(x.st, &jp, &x.j) != ST_OK ||
	    store_write(x.st, xt_builtin, NULL) != ST_OK ||
	    registry_new(x.st, &rp, &x.reg) != ST_OK ||
	    dns_answer_ctx_new(x.st, &ac, &x.actx) != ST_OK ||
	    dns_xfr_new(x.st, &x.xfr) != ST_OK ||
	    dns_notify_new(x.base, x.st, &np, &bad, &x.notify) != ST_OK ||
	    (x.line = evbuffer_new()) == NULL ||
	    xt_listen(&x, argv[optind + 1]) != 0) {
		fprintf(stderr, "xfrtool: cannot start (%s)\n",
		    strerror(errno));
		return 1;
	}
	dns_journal_on_change(x.j, dns_notify_zone, x.notify);
	x.stdin_ev = event_new(x.base, 0, EV_READ | EV_PERSIST, xt_stdin, &x);
	if (x.stdin_ev == NULL || event_add(x.stdin_ev, NULL) != 0)
		return 1;
	event_base_dispatch(x.base);
	event_free(x.stdin_ev);
	event_free(x.udp_ev);
	evconnlistener_free(x.tcp);
	close(x.udp);
	evbuffer_free(x.line);
	dns_notify_free(x.notify);
	dns_xfr_free(x.xfr);
	dns_answer_ctx_free(x.actx);
	registry_free(x.reg);
	dns_journal_free(x.j);
	store_close(x.st);
	dns_acl_deinit(&x.acl);
	dns_tsig_keyring_deinit(&x.keys);
	event_base_free(x.base);
	return 0;
}
