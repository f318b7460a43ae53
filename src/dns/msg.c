/*
 * msg.c -- walk the RRs of a message.
 */
#include "config.h"

#include <string.h>

#include "dns/msg.h"
#include "dns/name.h"
#include "util/error.h"
#include "util/wire.h"

int
dns_msg_iter_init(struct dns_msg_iter *it, const uint8_t *msg, size_t len)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen;

	memset(it, 0, sizeof(*it));
	if (len < DNS_HDR_LEN)
		return ST_EFORMAT;
	it->msg = msg;
	it->len = len;
	it->pos = DNS_HDR_LEN;
	for (int i = 0; i < 4; i++)
		it->left[i] = wire_rd16(msg + 4 + 2 * i);
	if (it->left[DNS_SEC_QD] > 1)
		return ST_EFORMAT;
	if (it->left[DNS_SEC_QD] == 1) {
		if (dns_name_unpack(msg, len, &it->pos, name, &nlen) != ST_OK ||
		    it->pos + 4 > len)
			return ST_EFORMAT;
		it->pos += 4;
		it->left[DNS_SEC_QD] = 0;
	}
	it->sec = DNS_SEC_AN;
	return ST_OK;
}

int
dns_msg_iter_next(struct dns_msg_iter *it, struct dns_msg_rr *rr)
{
	uint8_t name[DNS_NAME_MAX];
	size_t nlen, p;

	while (it->sec <= DNS_SEC_AR && it->left[it->sec] == 0)
		it->sec++;
	if (it->sec > DNS_SEC_AR)
		return 0;
	rr->start = it->pos;
	if (dns_name_unpack(it->msg, it->len, &it->pos, name, &nlen) != ST_OK)
		return ST_EFORMAT;
	p = it->pos;
	if (p + 10 > it->len)
		return ST_EFORMAT;
	rr->sec = (enum dns_section)it->sec;
	rr->type = wire_rd16(it->msg + p);
	rr->class = wire_rd16(it->msg + p + 2);
	rr->ttl_off = p + 4;
	rr->ttl = wire_rd32(it->msg + p + 4);
	rr->rdlen = wire_rd16(it->msg + p + 8);
	rr->rdata = p + 10;
	if (rr->rdata + rr->rdlen > it->len)
		return ST_EFORMAT;
	rr->end = rr->rdata + rr->rdlen;
	it->pos = rr->end;
	it->left[it->sec]--;
	return 1;
}
