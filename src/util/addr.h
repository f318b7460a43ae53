/*
 * addr.h -- "ADDR:PORT" and "[V6ADDR]:PORT" socket addresses.
 */
#ifndef STADION_UTIL_ADDR_H
#define STADION_UTIL_ADDR_H

#include <sys/socket.h>
#include <stddef.h>

/*
 * Parse text into ss (port 1-65535 required). ST_EINVAL when it is not an
 * IPv4 "A.B.C.D:PORT" or IPv6 "[X::Y]:PORT".
 */
int addr_parse(const char *text, struct sockaddr_storage *ss, socklen_t *len);

/* The address part only ("127.0.0.1", "::1"), into out. */
int addr_host(const struct sockaddr_storage *ss, char *out, size_t outsize);

/* 1 if ss is the wildcard address (0.0.0.0 or ::). */
int addr_is_wildcard(const struct sockaddr_storage *ss);

#endif
