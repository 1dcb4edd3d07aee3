/* The little JSON the worker needs: parse the flat `setup` object, quote strings, collect detail. */
#ifndef M3BENCH_JSON_H
#define M3BENCH_JSON_H

#include <stddef.h>

#include "mech.h"

struct detail {
    char body[2048]; /* comma-separated "key":value members, without braces */
    size_t len;
};

#define MAX_SIZE (64u << 20) /* largest message/block accepted by setup */
#define MAX_BURST 4096       /* stream: most blocks per acknowledgement */
#define DEFAULT_BURST 64
#define MAX_OFFSET 4095      /* src_offset/dst_offset: anywhere within the first page */

extern const char *const copy_mode_names[2]; /* "sync", "stream" */

/* The protocol's defaults for a case of `mechanism` and `test` (same-cpu, 1 pair, ...). */
void case_defaults(struct bench_case *c, const char *mechanism, enum bench_test test);

/* Fill *c from a setup object; on error returns -1 with mech_fail() naming the field. */
int parse_setup(const char *json, struct bench_case *c);

/* Add a member whose value is already JSON text (e.g. an array). */
void detail_json(struct detail *d, const char *key, const char *json_value);

/* Write s as a JSON string literal (with quotes) into out; truncates safely. */
void json_quote(char *out, size_t cap, const char *s);

#endif
