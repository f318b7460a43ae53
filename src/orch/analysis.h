/*
 * analysis.h -- the error rate of a canary's new instances.
 *
 * A canary deployment keeps its new instances only while they answer
 * well enough: each exposes Prometheus text metrics on a URL, and a
 * round fetches every URL at once (util/curlev.h, on the loop) and sums
 * two counters, the requests served and the failed ones, over all of
 * them. Two rounds a while apart give the counters' growth, which
 * analysis_judge turns into a verdict. The parsing and the verdict are
 * pure, for tests.
 */
#ifndef STADION_ORCH_ANALYSIS_H
#define STADION_ORCH_ANALYSIS_H

#include <stddef.h>

/* An answer longer than this is refused (ST_EFORMAT), not collected. */
#define ANALYSIS_BODY_MAX	(16 * 1024 * 1024)
/* The longest a round may wait for its answers, in seconds. */
#define ANALYSIS_TIMEOUT_MAX	3600.0

struct curlev;
struct analysis;

/*
 * A round ended. err ST_OK with the sums over every URL (why ""); or its
 * first failure, requests and errors 0, why a sentence naming the URL:
 * ST_EIO a URL did not answer 200 in time, ST_ENOTFOUND a metric absent
 * from an answer, ST_EFORMAT an answer that does not parse or is too
 * long, ST_ENOMEM.
 */
typedef void (*analysis_fn)(int err, double requests, double errors,
    const char *why, void *arg);

/*
 * Fetch every URL of urls[0..n) at once, each within timeout_s seconds,
 * and sum the metrics named requests and errors (strings copied). done is
 * called once, on the loop, never from inside analysis_start: when every
 * URL has answered, or at the first failure (the other fetches are then
 * stopped). The round is freed before done is called. ST_EINVAL when n is
 * 0, a name is not a metric name or timeout_s is not in
 * (0, ANALYSIS_TIMEOUT_MAX]; ST_ENOMEM, ST_EIO (curl refused a transfer).
 */
int analysis_start(struct curlev *cv, const char *const *urls, size_t n,
    const char *requests, const char *errors, double timeout_s,
    analysis_fn done, void *arg, struct analysis **out);
/* Stop a round that has not ended; done is not called. Accepts NULL. */
void analysis_cancel(struct analysis *an);

/*
 * The sum of every sample of metric name in Prometheus text (any labels,
 * an optional timestamp after the value; comments and other metrics are
 * skipped, and "req" never matches "req_total"). ST_ENOTFOUND when there
 * is no sample; ST_EFORMAT when one of name's lines does not parse or
 * its value is not finite ("NaN", "+Inf"); ST_EINVAL when name is not a
 * metric name. *out is 0 on error.
 */
int analysis_sum(const char *text, size_t len, const char *name,
    double *out);

/*
 * The verdict on the counters of two rounds, before (req0, err0) and
 * after (req1, err1). A counter that went back was reset (an instance
 * restarted): its after value is its growth. *rate is the errors' growth
 * over the requests' (0 when the requests did not grow). 1 (fail) when
 * the requests grew by at least min_requests and *rate > max_rate, else 0.
 */
int analysis_judge(double req0, double err0, double req1, double err1,
    double min_requests, double max_rate, double *rate);

#endif
