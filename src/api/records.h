/*
 * records.h -- GET /v1/records[?zone=Z]: the records dynamic updates wrote
 * (dns/records.h), read-only, on the main loop.
 */
#ifndef STADION_API_RECORDS_H
#define STADION_API_RECORDS_H

struct evhttp_request;
struct store;

/* 1 when the raw request path is "/v1/records" (or "/v1/records/"). */
int api_records_owns(const char *path);
/*
 * Answer req, whose path api_records_owns: 200 with the JSON array, 404
 * for a zone that is not ours, 400 for a zone that is no domain name, 405
 * (with Allow) for a method other than GET or HEAD, 503 when st is NULL.
 */
void api_records_handle(struct store *st, struct evhttp_request *req);

#endif
