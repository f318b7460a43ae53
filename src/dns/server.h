/*
 * server.h -- the DNS serving threads.
 *
 * Each worker thread runs its own libevent base with one UDP and one TCP
 * socket per listen address, bound with SO_REUSEPORT so the kernel spreads
 * queries over the threads. Workers only read LMDB.
 */
#ifndef STADION_DNS_SERVER_H
#define STADION_DNS_SERVER_H

struct store;
struct conf;
struct dns_server;

/*
 * Bind every socket (so address errors show at start-up) for conf->threads
 * workers (0: one per online core). *out owned by the caller.
 */
int dns_server_new(struct store *st, const struct conf *c,
    struct dns_server **out);
/* Start the worker threads. */
int dns_server_start(struct dns_server *srv);
/* Stop and join the threads, close the sockets, free. Accepts NULL. */
void dns_server_free(struct dns_server *srv);

#endif
