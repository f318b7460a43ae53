/*
 * xfr.c -- answer AXFR and IXFR requests: parse them, check the zone and
 * the ACL, choose what to send, and log it (xfr_out.c writes the zone).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "dns/acl.h"
#include "dns/journal.h"
#include "dns/tsig.h"
#include "dns/xfr.h"
#include "dns/xfr_int.h"
#include "dns/zone.h"
#include "store/store.h"
#include "util/error.h"
#include "util/log.h"
#include "util/wire.h"

int
dns_xfr_new(struct store *st, struct dns_xfr **out)
{
	struct dns_xfr *x;
	int err;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ST_ENOMEM;
	if ((err = store_reader_new(st, &x->txn)) != ST_OK) {
		free(x);
		return err;
	}
	*out = x;
	return ST_OK;
}

void
dns_xfr_free(struct dns_xfr *x)
{
	if (x == NULL)
		return;
	store_reader_free(x->txn);
	free(x);
}

/* Step over the RR at *pos: its name, fixed part and rdata. */
static int
xfr_skip_rr(const uint8_t *m, size_t len, size_t *pos, uint8_t *name,
    size_t *nlen)
{
	if (dns_name_unpack(m, len, pos, name, nlen) != ST_OK ||
	    *pos + 10 > len || *pos + 10 + wire_rd16(m + *pos + 8) > len)
		return ST_EFORMAT;
	*pos += 10 + wire_rd16(m + *pos + 8);
	return ST_OK;
}

/* The header and question; ST_EINVAL for what gets no answer at all. */
static int
xfr_parse_question(const uint8_t *m, size_t len, struct xfr_request *r,
    size_t *pos)
{
	memset(r, 0, sizeof(*r));
	if (len < DNS_HDR_LEN)
		return ST_EINVAL;
	r->q.id = wire_rd16(m);
	r->q.flags = wire_rd16(m + 2);
	if (r->q.flags & DNS_FLAG_QR)
		return ST_EINVAL;
	r->q.opcode = (r->q.flags >> 11) & 0x0f;
	r->q.udp_size = DNS_UDP_MIN;
	*pos = DNS_HDR_LEN;
	if (wire_rd16(m + 4) != 1 || dns_name_unpack(m, len, pos, r->q.qname,
	    &r->q.qname_len) != ST_OK || *pos + 4 > len)
		return ST_EFORMAT;
	r->q.qtype = wire_rd16(m + *pos);
	r->q.qclass = wire_rd16(m + *pos + 2);
	*pos += 4;
	r->q.has_question = 1;
	return ST_OK;
}

int
dns_xfr_is_request(const uint8_t *q, size_t qlen)
{
	struct xfr_request r;
	size_t pos;

	return xfr_parse_question(q, qlen, &r, &pos) == ST_OK &&
	    r.q.opcode == DNS_OPCODE_QUERY &&
	    (r.q.qtype == DNS_TYPE_AXFR || r.q.qtype == DNS_TYPE_IXFR);
}

/* The client's SOA in the authority section of an IXFR (RFC 1995 3). */
static int
xfr_parse_soa(const uint8_t *m, size_t len, size_t *pos, uint32_t *serial)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen, p, end;

	if (dns_name_unpack(m, len, pos, name, &nlen) != ST_OK ||
	    *pos + 10 > len || wire_rd16(m + *pos) != DNS_TYPE_SOA)
		return ST_EFORMAT;
	end = *pos + 10 + wire_rd16(m + *pos + 8);
	p = *pos + 10;
	if (end > len || dns_name_unpack(m, end, &p, name, &nlen) != ST_OK ||
	    dns_name_unpack(m, end, &p, name, &nlen) != ST_OK || p + 20 != end)
		return ST_EFORMAT;
	*serial = wire_rd32(m + p);
	*pos = end;
	return ST_OK;
}

static int
xfr_parse(const uint8_t *m, size_t len, struct xfr_request *r)
{
	uint8_t name[DNS_NAME_MAX];
	uint16_t an, ns, ar;
	size_t pos, nlen;
	int err;

	if ((err = xfr_parse_question(m, len, r, &pos)) != ST_OK)
		return err;
	an = wire_rd16(m + 6);
	ns = wire_rd16(m + 8);
	ar = wire_rd16(m + 10);
	if (an != 0 || (r->q.qtype == DNS_TYPE_IXFR && ns != 1))
		return ST_EFORMAT;
	if (r->q.qtype == DNS_TYPE_IXFR &&
	    xfr_parse_soa(m, len, &pos, &r->serial) != ST_OK)
		return ST_EFORMAT;
	for (uint16_t i = 0; r->q.qtype != DNS_TYPE_IXFR && i < ns; i++)
		if (xfr_skip_rr(m, len, &pos, name, &nlen) != ST_OK)
			return ST_EFORMAT;
	for (uint16_t i = 0; i < ar; i++) {
		size_t at;

		if (dns_name_unpack(m, len, &pos, name, &nlen) != ST_OK)
			return ST_EFORMAT;
		at = pos;
		if (at + 10 > len || at + 10 + wire_rd16(m + at + 8) > len)
			return ST_EFORMAT;
		pos = at + 10 + wire_rd16(m + at + 8);
		if (wire_rd16(m + at) != DNS_TYPE_OPT)
			continue;
		if (r->q.edns || nlen != 1)
			return ST_EFORMAT;
		r->q.edns = 1;
		r->q.udp_size = wire_rd16(m + at + 2);
		if (r->q.udp_size < DNS_UDP_MIN)
			r->q.udp_size = DNS_UDP_MIN;
		r->q.edns_version = m[at + 5];
		r->q.edns_do = (m[at + 6] & 0x80) != 0;
	}
	return ST_OK;
}

static void
xfr_peer_text(const struct sockaddr *sa, char *out, size_t size)
{
	const void *a = NULL;

	if (sa && sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa && sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out, (socklen_t)size) ==
	    NULL)
		snprintf(out, size, "?");
}

/* IXFR from the journal, or the whole zone when it does not reach. */
static int
xfr_ixfr(struct xfr_out *o, const struct xfr_zone *z, const char *what)
{
	struct dns_journal_diff d;
	int err;

	err = dns_journal_diff(o->x->txn, z->key, z->klen, o->req->serial,
	    z->serial, &d);
	if (err == ST_ENOTFOUND || err == ST_EFORMAT) {
		if (err == ST_EFORMAT)
			log_warnx("xfr: the journal of %s is corrupt", what);
		log_info("xfr: IXFR of %s from serial %u: the journal does not "
		    "reach back so far, sending the zone", what,
		    o->req->serial);
		return xfr_out_zone(o, z);
	}
	if (err != ST_OK)
		return err;
	log_info("xfr: IXFR of %s from serial %u: %zu changes condensed to "
	    "%zu deleted and %zu added RRs", what, o->req->serial, d.entries,
	    d.ndel, d.nadd);
	err = xfr_out_diff(o, z, &d);
	dns_journal_diff_deinit(&d);
	return err;
}

/* Which zone, whether the client may have it, and what it gets. */
static int
xfr_serve(struct xfr_out *o, const struct dns_xfr_req *r)
{
	const struct xfr_request *req = o->req;
	char peer[64], what[DNS_NAME_MAX * 4 + 80];
	struct xfr_zone z;
	uint8_t flags;
	size_t zklen;
	int err;

	xfr_peer_text(r->peer, peer, sizeof(peer));
	if (dns_name_to_text(req->q.qname, req->q.qname_len, what,
	    sizeof(what) / 2) != ST_OK)
		snprintf(what, sizeof(what), "?");
	snprintf(what + strlen(what), sizeof(what) - strlen(what), " to %s",
	    peer);
	if (req->q.qtype == DNS_TYPE_AXFR && !r->tcp)
		return xfr_out_error(o, DNS_RCODE_NOTIMP);
	if (req->q.qclass != DNS_CLASS_IN)
		return xfr_out_error(o, DNS_RCODE_NOTAUTH);
	memset(&z, 0, sizeof(z));
	z.apex = req->q.qname;
	if (dns_name_to_key(req->q.qname, req->q.qname_len, z.key,
	    &z.klen) != ST_OK)
		return xfr_out_error(o, DNS_RCODE_FORMERR);
	err = dns_zone_find(o->x->txn, z.key, z.klen, &zklen, &flags);
	if (err == ST_ENOTFOUND || (err == ST_OK && zklen != z.klen)) {
		log_info("xfr: %s of %s refused: no zone of ours (NOTAUTH)",
		    req->q.qtype == DNS_TYPE_AXFR ? "AXFR" : "IXFR", what);
		return xfr_out_error(o, DNS_RCODE_NOTAUTH);
	}
	if (err == ST_OK && (r->acl == NULL ||
	    !dns_acl_allows(r->acl, r->peer, r->key))) {
		log_notice("xfr: %s of %s refused by allow_transfer",
		    req->q.qtype == DNS_TYPE_AXFR ? "AXFR" : "IXFR", what);
		return xfr_out_error(o, DNS_RCODE_REFUSED);
	}
	if (err != ST_OK || (err = xfr_zone_soa(o->x->txn, &z)) != ST_OK) {
		log_warnx("xfr: %s: cannot read the zone (%s)", what,
		    st_strerror(err));
		return xfr_out_error(o, DNS_RCODE_SERVFAIL);
	}
	if (req->q.qtype == DNS_TYPE_AXFR) {
		log_info("xfr: AXFR of %s, serial %u", what, z.serial);
		return xfr_out_zone(o, &z);
	}
	/* RFC 1995 2: over UDP, or for a client up to date, the SOA alone. */
	if (!r->tcp || !dns_serial_gt(z.serial, req->serial)) {
		log_info("xfr: IXFR of %s from serial %u: the SOA (serial "
		    "%u)%s", what, req->serial, z.serial, r->tcp ? "" : " over UDP");
		return xfr_out_soa(o, &z);
	}
	return xfr_ixfr(o, &z, what);
}

int
dns_xfr_answer(struct dns_xfr *x, const struct dns_xfr_req *r,
    const uint8_t *q, size_t qlen, dns_xfr_send_fn send, void *arg)
{
	struct xfr_request req;
	struct xfr_out o;
	int err;

	err = xfr_parse(q, qlen, &req);
	if (err == ST_EINVAL || (err == ST_OK &&
	    (req.q.opcode != DNS_OPCODE_QUERY || (req.q.qtype !=
	    DNS_TYPE_AXFR && req.q.qtype != DNS_TYPE_IXFR))))
		return ST_EINVAL;
	xfr_out_init(&o, x, &req, r, send, arg);
	if (err != ST_OK)
		return xfr_out_error(&o, DNS_RCODE_FORMERR);
	if ((err = store_reader_begin(x->txn)) != ST_OK)
		return xfr_out_error(&o, DNS_RCODE_SERVFAIL);
	err = xfr_serve(&o, r);
	store_reader_end(x->txn);
	return err;
}
