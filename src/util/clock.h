/*
 * clock.h -- the time: wall clock and monotonic seconds, and the one
 * timestamp format of stadion's JSON and logs, Marathon's ISO 8601 in UTC
 * with milliseconds ("2026-11-30T08:40:15.231Z").
 */
#ifndef STADION_UTIL_CLOCK_H
#define STADION_UTIL_CLOCK_H

#include <stddef.h>

#define CLOCK_ISO_MAX 32	/* a timestamp and its NUL */

#include <stdint.h>

/* Wall clock seconds since the epoch; and in milliseconds, exactly. */
double clock_wall(void);
int64_t clock_wall_ms(void);
/* Monotonic seconds, for durations and timers. */
double clock_mono(void);
/*
 * A time as a timestamp into out (CLOCK_ISO_MAX octets): milliseconds
 * since the epoch, or clock_wall's seconds (rounded to the millisecond);
 * "" for 0 or less.
 */
void clock_iso_ms(int64_t ms, char *out, size_t size);
void clock_iso(double wall, char *out, size_t size);
/* Now, as a timestamp. */
void clock_iso_now(char *out, size_t size);

#endif
