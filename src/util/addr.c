/*
 * addr.c -- socket address parsing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/error.h"

int
addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port, *end;
	char *stop;
	unsigned long pnum;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		if ((end = strchr(text, ']')) == NULL || end[1] != ':')
			return ST_EINVAL;
		hlen = (size_t)(end - text - 1);
		if (hlen == 0 || hlen >= sizeof(host))
			return ST_EINVAL;
		memcpy(host, text + 1, hlen);
		port = end + 2;
	} else {
		if ((end = strrchr(text, ':')) == NULL)
			return ST_EINVAL;
		hlen = (size_t)(end - text);
		if (hlen == 0 || hlen >= sizeof(host))
			return ST_EINVAL;
		memcpy(host, text, hlen);
		port = end + 1;
	}
	host[hlen] = '\0';
	if (*port < '0' || *port > '9')
		return ST_EINVAL;
	pnum = strtoul(port, &stop, 10);
	if (*stop != '\0' || pnum == 0 || pnum > 65535)
		return ST_EINVAL;
	if (text[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return ST_EINVAL;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)pnum);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return ST_EINVAL;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)pnum);
		*len = sizeof(*s4);
	}
	return ST_OK;
}

int
addr_host(const struct sockaddr_storage *ss, char *out, size_t outsize)
{
	const void *a;

	if (ss->ss_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)ss)->sin_addr;
	return inet_ntop(ss->ss_family, a, out, (socklen_t)outsize) ? ST_OK :
	    ST_ESPACE;
}

int
addr_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == INADDR_ANY;
}
