/*
 * xfr_serve.c -- a transfer request as a server takes it: TSIG checked,
 * then dns_xfr_answer, each message signed on its way out.
 */
#include "config.h"

#include <string.h>

#include "dns/pkt.h"
#include "dns/tsig.h"
#include "dns/xfr.h"
#include "util/addr.h"
#include "util/error.h"
#include "util/log.h"

struct xfr_serve {
	struct dns_tsig_ctx *tsig;	/* NULL: the request was unsigned */
	uint64_t now;
	dns_xfr_write_fn write;
	void *arg;
};

static int
xfr_serve_send(uint8_t *msg, size_t len, size_t cap, void *arg)
{
	struct xfr_serve *s = arg;
	int err;

	if (s->tsig != NULL &&
	    (err = dns_tsig_sign(s->tsig, msg, &len, cap, s->now)) != ST_OK)
		return err;
	return s->write(msg, len, s->arg);
}

/* A one-message answer of rcode, signed where RFC 8945 says it may be. */
static int
xfr_serve_error(struct xfr_serve *s, const uint8_t *q, size_t qlen,
    uint8_t rcode)
{
	/* The question and a TSIG RR: names of 255, a MAC of 64, a time. */
	uint8_t buf[1024];
	struct dns_query pq;
	struct dns_pkt p;

	if (dns_pkt_parse_query(q, qlen, &pq) == ST_EINVAL)
		return ST_OK;
	dns_pkt_init(&p, buf, sizeof(buf), sizeof(buf), &pq, 0, rcode);
	if (pq.has_question)
		dns_pkt_put_question(&p, &pq);
	return xfr_serve_send(buf, dns_pkt_finish(&p), sizeof(buf), s);
}

int
dns_xfr_serve(struct dns_xfr *x, const struct dns_xfr_serve_req *r,
    const uint8_t *q, size_t qlen, dns_xfr_write_fn write, void *arg)
{
	struct xfr_serve s = { NULL, r->now, write, arg };
	struct dns_tsig_ctx ctx;
	struct dns_xfr_req req;
	char host[64] = "?";
	int rc, err;

	memset(&ctx, 0, sizeof(ctx));
	rc = dns_tsig_verify_request(&ctx, r->keys, q, qlen, r->now);
	if (rc == ST_OK)
		s.tsig = &ctx;
	addr_host((const struct sockaddr_storage *)r->peer, host, sizeof(host));
	if (rc == ST_EFORMAT) {
		log_info("xfr: request from %s: malformed TSIG (FORMERR)", host);
		err = xfr_serve_error(&s, q, qlen, DNS_RCODE_FORMERR);
	} else if (rc == ST_OK && ctx.error != DNS_TSIG_NOERROR) {
		log_notice("xfr: request from %s refused: TSIG error %u "
		    "(NOTAUTH)", host, ctx.error);
		err = xfr_serve_error(&s, q, qlen, DNS_RCODE_NOTAUTH);
	} else if (rc != ST_OK && rc != ST_ENOTFOUND) {
		err = rc;
	} else {
		memset(&req, 0, sizeof(req));
		req.peer = r->peer;
		req.key = s.tsig != NULL ? ctx.key->name : NULL;
		req.acl = r->acl;
		req.tcp = r->tcp;
		req.reserve = s.tsig != NULL ? dns_tsig_space(&ctx) : 0;
		err = dns_xfr_answer(x, &req, q, qlen, xfr_serve_send, &s);
		/* A response, or not a transfer: nothing to answer. */
		if (err == ST_EINVAL)
			err = ST_OK;
	}
	dns_tsig_ctx_deinit(&ctx);
	return err;
}
