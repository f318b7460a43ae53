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
struct dns_update_conf;
struct event_base;

/*
 * Bind every socket (so address errors show at start-up) for conf->threads
 * workers (0: one per online core). *out owned by the caller.
 */
int dns_server_new(struct store *st, const struct conf *c,
    struct dns_server **out);
/*
 * Accept dynamic updates: the workers hand each UPDATE to base (the main
 * loop, the only writer), where it is applied with uc (which must outlive
 * srv) and answered. Without it UPDATE gets NOTIMP. uc's keys also
 * verify the zone transfer requests, which the workers answer to those
 * conf's allow_transfer lets in (without it only unsigned requests pass).
 * Before dns_server_start. ST_ENOMEM.
 */
int dns_server_set_update(struct dns_server *srv, struct event_base *base,
    const struct dns_update_conf *uc);
/* Start the worker threads. */
int dns_server_start(struct dns_server *srv);
/* Stop and join the threads, close the sockets, free. Accepts NULL. */
void dns_server_free(struct dns_server *srv);

#endif
