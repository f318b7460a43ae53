/*
 * pkt.c -- parse queries, build responses with compression and limits.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "dns/pkt.h"
#include "util/error.h"
#include "util/wire.h"



/* Walk one RR of the additional section; pick up the OPT RR. */
static int
pkt_parse_additional(const uint8_t *pkt, size_t len, size_t *pos,
    struct dns_query *q)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen, p;
	uint16_t type, rdlen;

	if (dns_name_unpack(pkt, len, pos, name, &nlen) != ST_OK)
		return ST_EFORMAT;
	p = *pos;
	if (p + 10 > len)
		return ST_EFORMAT;
	type = wire_rd16(pkt + p);
	rdlen = wire_rd16(pkt + p + 8);
	if (p + 10 + rdlen > len)
		return ST_EFORMAT;
	if (type == DNS_TYPE_OPT) {
		/* RFC 6891 6.1.1: one OPT, owned by the root. */
		if (q->edns || nlen != 1)
			return ST_EFORMAT;
		q->edns = 1;
		q->udp_size = wire_rd16(pkt + p + 2);
		if (q->udp_size < DNS_UDP_MIN)
			q->udp_size = DNS_UDP_MIN;
		q->edns_version = pkt[p + 5];
		q->edns_do = (pkt[p + 6] & 0x80) != 0;
		/* Options must tile the rdata exactly. */
		for (size_t o = p + 10; o < p + 10 + rdlen;) {
			if (o + 4 > p + 10 + rdlen ||
			    o + 4 + wire_rd16(pkt + o + 2) > p + 10 + rdlen)
				return ST_EFORMAT;
			o += 4 + wire_rd16(pkt + o + 2);
		}
	}
	*pos = p + 10 + rdlen;
	return ST_OK;
}

int
dns_pkt_parse_query(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	size_t pos = DNS_HDR_LEN;
	uint16_t qd, an, ns, ar;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR_LEN)
		return ST_EINVAL;
	q->id = wire_rd16(pkt);
	q->flags = wire_rd16(pkt + 2);
	if (q->flags & DNS_FLAG_QR)
		return ST_EINVAL;
	q->opcode = (q->flags >> 11) & 0x0f;
	q->udp_size = DNS_UDP_MIN;
	qd = wire_rd16(pkt + 4);
	an = wire_rd16(pkt + 6);
	ns = wire_rd16(pkt + 8);
	ar = wire_rd16(pkt + 10);
	if (qd != 1)
		return ST_EFORMAT;
	if (dns_name_unpack(pkt, len, &pos, q->qname, &q->qname_len) != ST_OK)
		return ST_EFORMAT;
	if (pos + 4 > len)
		return ST_EFORMAT;
	q->qtype = wire_rd16(pkt + pos);
	q->qclass = wire_rd16(pkt + pos + 2);
	pos += 4;
	q->has_question = 1;
	if (q->opcode != DNS_OPCODE_QUERY)
		return ST_OK;
	/* A query carries no answer or authority records (RFC 1035 4.1.1). */
	if (an != 0 || ns != 0)
		return ST_EFORMAT;
	for (uint16_t i = 0; i < ar; i++)
		if (pkt_parse_additional(pkt, len, &pos, q) != ST_OK)
			return ST_EFORMAT;
	return ST_OK;
}

void
dns_pkt_init(struct dns_pkt *p, uint8_t *buf, size_t cap, size_t limit,
    const struct dns_query *q, uint16_t flags, uint8_t rcode)
{
	uint16_t f;

	p->buf = buf;
	p->cap = cap;
	p->limit = limit < cap ? limit : cap;
	p->len = DNS_HDR_LEN;
	memset(p->counts, 0, sizeof(p->counts));
	p->ncomp = 0;
	f = DNS_FLAG_QR | (uint16_t)(q->opcode << 11) |
	    (q->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) | flags | (rcode & 0x0f);
	wire_wr16(buf, q->id);
	wire_wr16(buf + 2, f);
	memset(buf + 4, 0, 8);
}

void
dns_pkt_set_flags(struct dns_pkt *p, uint16_t flags)
{
	wire_wr16(p->buf + 2, wire_rd16(p->buf + 2) | flags);
}

void
dns_pkt_set_rcode(struct dns_pkt *p, uint8_t rcode)
{
	wire_wr16(p->buf + 2, (uint16_t)((wire_rd16(p->buf + 2) & ~0x0f) | (rcode & 0x0f)));
}

/*
 * Is the name written at off in our own packet equal to the wire name n?
 * Our packet only holds pointers we wrote, all pointing backwards.
 */
static int
pkt_name_at_equal(const struct dns_pkt *p, size_t off, const uint8_t *n)
{
	for (int hops = 0; hops < 128; hops++) {
		uint8_t l = p->buf[off];

		if ((l & 0xc0) == 0xc0) {
			off = (size_t)(l & 0x3f) << 8 | p->buf[off + 1];
			continue;
		}
		if (l != *n)
			return 0;
		if (l == 0)
			return 1;
		for (uint8_t i = 1; i <= l; i++)
			if (tolower(p->buf[off + i]) != tolower(n[i]))
				return 0;
		off += 1 + (size_t)l;
		n += 1 + *n;
	}
	return 0;
}

/* Write a name, compressed; returns ST_ESPACE past cap (caller rewinds). */
static int
pkt_put_name(struct dns_pkt *p, const uint8_t *name)
{
	const uint8_t *s = name;

	while (*s) {
		for (int i = 0; i < p->ncomp; i++) {
			if (!pkt_name_at_equal(p, p->comp[i], s))
				continue;
			if (p->len + 2 > p->cap)
				return ST_ESPACE;
			wire_wr16(p->buf + p->len, (uint16_t)(0xc000 | p->comp[i]));
			p->len += 2;
			return ST_OK;
		}
		if (p->len + 1 + (size_t)*s > p->cap)
			return ST_ESPACE;
		if (p->ncomp < DNS_PKT_COMP_MAX && p->len < 0x3fff)
			p->comp[p->ncomp++] = (uint16_t)p->len;
		memcpy(p->buf + p->len, s, 1 + (size_t)*s);
		p->len += 1 + (size_t)*s;
		s += 1 + *s;
	}
	if (p->len + 1 > p->cap)
		return ST_ESPACE;
	p->buf[p->len++] = 0;
	return ST_OK;
}

int
dns_pkt_put_question(struct dns_pkt *p, const struct dns_query *q)
{
	struct dns_pkt_mark m;

	dns_pkt_mark(p, &m);
	if (pkt_put_name(p, q->qname) != ST_OK || p->len + 4 > p->limit) {
		dns_pkt_rewind(p, &m);
		return ST_ESPACE;
	}
	wire_wr16(p->buf + p->len, q->qtype);
	wire_wr16(p->buf + p->len + 2, q->qclass);
	p->len += 4;
	p->counts[DNS_SEC_QD] = 1;
	return ST_OK;
}

/* Copy rdata, compressing the names of the types RFC 3597 allows. */
static int
pkt_put_rdata(struct dns_pkt *p, uint16_t type, const uint8_t *rd,
    uint16_t rdlen)
{
	size_t off = 0, n1, n2;
	int err;

	switch (type) {
	case DNS_TYPE_MX:
		off = 2;
		/* FALLTHROUGH */
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_PTR:
		if (rdlen < off + 1 ||
		    dns_name_wire_len(rd + off, rdlen - off, &n1) != ST_OK ||
		    off + n1 != rdlen)
			return ST_EFORMAT;
		if (p->len + off > p->cap)
			return ST_ESPACE;
		memcpy(p->buf + p->len, rd, off);
		p->len += off;
		return pkt_put_name(p, rd + off);
	case DNS_TYPE_SOA:
		if (dns_name_wire_len(rd, rdlen, &n1) != ST_OK ||
		    dns_name_wire_len(rd + n1, rdlen - n1, &n2) != ST_OK ||
		    n1 + n2 + 20 != rdlen)
			return ST_EFORMAT;
		if ((err = pkt_put_name(p, rd)) != ST_OK ||
		    (err = pkt_put_name(p, rd + n1)) != ST_OK)
			return err;
		if (p->len + 20 > p->cap)
			return ST_ESPACE;
		memcpy(p->buf + p->len, rd + n1 + n2, 20);
		p->len += 20;
		return ST_OK;
	default:
		if (p->len + rdlen > p->cap)
			return ST_ESPACE;
		memcpy(p->buf + p->len, rd, rdlen);
		p->len += rdlen;
		return ST_OK;
	}
}

int
dns_pkt_put_rr(struct dns_pkt *p, enum dns_section sec, const uint8_t *name,
    uint16_t type, uint16_t class, uint32_t ttl, const uint8_t *rdata,
    uint16_t rdlen)
{
	struct dns_pkt_mark m;
	size_t rdstart;
	int err;

	dns_pkt_mark(p, &m);
	if ((err = pkt_put_name(p, name)) != ST_OK)
		goto undo;
	if (p->len + 10 > p->cap) {
		err = ST_ESPACE;
		goto undo;
	}
	wire_wr16(p->buf + p->len, type);
	wire_wr16(p->buf + p->len + 2, class);
	wire_wr16(p->buf + p->len + 4, (uint16_t)(ttl >> 16));
	wire_wr16(p->buf + p->len + 6, (uint16_t)ttl);
	p->len += 10;
	rdstart = p->len;
	if ((err = pkt_put_rdata(p, type, rdata, rdlen)) != ST_OK)
		goto undo;
	if (p->len > p->limit) {
		err = ST_ESPACE;
		goto undo;
	}
	wire_wr16(p->buf + rdstart - 2, (uint16_t)(p->len - rdstart));
	p->counts[sec]++;
	return ST_OK;
undo:
	dns_pkt_rewind(p, &m);
	return err;
}

void
dns_pkt_mark(const struct dns_pkt *p, struct dns_pkt_mark *m)
{
	m->len = p->len;
	memcpy(m->counts, p->counts, sizeof(m->counts));
	m->ncomp = p->ncomp;
}

void
dns_pkt_rewind(struct dns_pkt *p, const struct dns_pkt_mark *m)
{
	p->len = m->len;
	memcpy(p->counts, m->counts, sizeof(p->counts));
	p->ncomp = m->ncomp;
}

size_t
dns_pkt_finish_opt(struct dns_pkt *p, uint16_t udp_size, uint8_t ext_rcode,
    int do_bit)
{
	uint8_t *o;

	if (p->len + DNS_OPT_LEN > p->cap)
		return dns_pkt_finish(p);
	o = p->buf + p->len;
	o[0] = 0;
	wire_wr16(o + 1, DNS_TYPE_OPT);
	wire_wr16(o + 3, udp_size);
	o[5] = ext_rcode;
	o[6] = 0;	/* version 0 */
	o[7] = do_bit ? 0x80 : 0;
	o[8] = 0;
	wire_wr16(o + 9, 0);
	p->len += DNS_OPT_LEN;
	p->counts[DNS_SEC_AR]++;
	return dns_pkt_finish(p);
}

size_t
dns_pkt_finish(struct dns_pkt *p)
{
	for (int i = 0; i < 4; i++)
		wire_wr16(p->buf + 4 + 2 * i, p->counts[i]);
	return p->len;
}
