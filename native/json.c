#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void json_quote(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    if (cap < 3)
        return;
    out[o++] = '"';
    for (; *s && o + 8 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
}

void detail_json(struct detail *d, const char *key, const char *json_value)
{
    char qkey[128];
    json_quote(qkey, sizeof qkey, key);
    int n = snprintf(d->body + d->len, sizeof d->body - d->len, "%s%s:%s", d->len ? "," : "",
                     qkey, json_value);
    if (n > 0 && d->len + (size_t)n < sizeof d->body)
        d->len += (size_t)n;
    else
        d->body[d->len] = '\0'; /* drop a member that does not fit rather than emit broken JSON */
}

void detail_int(struct detail *d, const char *key, long long value)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", value);
    detail_json(d, key, num);
}

void detail_str(struct detail *d, const char *key, const char *value)
{
    char q[512];
    json_quote(q, sizeof q, value);
    detail_json(d, key, q);
}

/* ---- parsing ---- */

static const char *skip_ws(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Strings in a setup object are names: no escapes needed, so they are rejected. */
static const char *parse_string(const char *p, char *out, size_t cap)
{
    size_t o = 0;
    if (*p != '"')
        return NULL;
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' || o + 1 >= cap)
            return NULL;
        out[o++] = *p;
    }
    if (*p != '"')
        return NULL;
    out[o] = '\0';
    return p + 1;
}

static const char *parse_long(const char *p, long *v)
{
    char *end;
    errno = 0;
    double d = strtod(p, &end);
    if (end == p || errno || d != (double)(long)d)
        return NULL;
    *v = (long)d;
    return end;
}

static int lookup(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static const char *const placement_names[] = {"same-cpu", "cross-cpu", "unpinned"};
const char *const copy_mode_names[] = {"sync", "stream"};

/* NULL after saying what field `key` wants (in min..max when max > 0). */
static const char *invalid(const char *key, const char *want, long min, long max)
{
    if (max > 0)
        mech_fail("setup: invalid value for field '%s': want %s in %ld..%ld", key, want, min, max);
    else
        mech_fail("setup: invalid value for field '%s': want %s", key, want);
    return NULL;
}

/* Fields given explicitly, for the checks that need the whole object. */
struct given {
    int size, burst;
};

static const char *parse_member(const char *p, const char *key, struct bench_case *c, struct given *given)
{
    char s[64];
    long v;
    if (strcmp(key, "mechanism") == 0) {
        p = parse_string(p, c->mechanism, sizeof c->mechanism);
    } else if (strcmp(key, "test") == 0) {
        int t;
        if (!(p = parse_string(p, s, sizeof s)) || (t = lookup(s, test_names, TEST_COUNT)) < 0)
            return NULL;
        c->test = (enum bench_test)t;
    } else if (strcmp(key, "placement") == 0) {
        int t;
        if (!(p = parse_string(p, s, sizeof s)) || (t = lookup(s, placement_names, 3)) < 0)
            return NULL;
        c->placement = (enum placement)t;
    } else if (strcmp(key, "size") == 0) {
        if (!(p = parse_long(p, &v)) || v < 1 || v > (long)MAX_SIZE)
            return NULL;
        c->size = (size_t)v;
        given->size = 1;
    } else if (strcmp(key, "copy_mode") == 0) {
        int t;
        if (!(p = parse_string(p, s, sizeof s)) || (t = lookup(s, copy_mode_names, 2)) < 0)
            return invalid(key, "\"sync\" or \"stream\"", 0, 0);
        c->copy_mode = (enum copy_mode)t;
    } else if (strcmp(key, "burst") == 0) {
        if (!(p = parse_long(p, &v)) || v < 2 || v > MAX_BURST)
            return invalid(key, "an integer", 2, MAX_BURST);
        c->burst = (int)v;
        given->burst = 1;
    } else if (strcmp(key, "src_offset") == 0 || strcmp(key, "dst_offset") == 0) {
        if (!(p = parse_long(p, &v)) || v < 0 || v > MAX_OFFSET)
            return invalid(key, "a byte offset after a page boundary", 0, MAX_OFFSET);
        *(key[0] == 's' ? &c->src_offset : &c->dst_offset) = (size_t)v;
    } else if (strcmp(key, "pairs") == 0) {
        if (!(p = parse_long(p, &v)) || v < 1 || v > 64)
            return NULL;
        c->pairs = (int)v;
    } else if (strcmp(key, "spin") == 0) {
        if (!(p = parse_long(p, &v)) || v < 0)
            return NULL;
        c->spin = v;
    } else if (strcmp(key, "verify") == 0) {
        if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
            c->verify = *p == 't';
            p += c->verify ? 4 : 5;
        } else {
            return NULL;
        }
    } else if (strcmp(key, "cpus") == 0) {
        if (*p != '[')
            return NULL;
        for (int i = 0; i < 2; i++) {
            p = skip_ws(p + 1);
            if (!(p = parse_long(p, &v)) || v < 0 || v > 4095)
                return NULL;
            c->cpus[i] = (int)v;
            p = skip_ws(p);
            if (*p != (i == 0 ? ',' : ']'))
                return NULL;
        }
        p++;
    } else {
        mech_fail("setup: unknown field '%s'", key);
        return NULL;
    }
    return p;
}

static size_t default_size(enum bench_test test)
{
    return test >= TEST_COPY1 ? COPY_DEFAULT_SIZE : MSG_DEFAULT_SIZE;
}

void case_defaults(struct bench_case *c, const char *mechanism, enum bench_test test)
{
    memset(c, 0, sizeof *c);
    snprintf(c->mechanism, sizeof c->mechanism, "%s", mechanism);
    c->test = test;
    c->size = default_size(test);
    c->placement = PLACE_SAME_CPU;
    c->pairs = 1;
    c->spin = 1000;
    c->cpus[0] = 0;
    c->cpus[1] = 1;
    c->copy_mode = COPY_SYNC;
    c->burst = DEFAULT_BURST;
}

/* The COPY-only fields, once the test is known. */
static int check_copy_fields(const struct bench_case *c, const struct given *given)
{
    int copy = c->test == TEST_COPY1 || c->test == TEST_COPY2;
    if (!copy && c->copy_mode != COPY_SYNC)
        return mech_fail("setup: invalid value for field 'copy_mode': \"stream\" applies to COPY1/COPY2 only");
    if (given->burst && c->copy_mode != COPY_STREAM)
        return mech_fail("setup: field 'burst' applies to copy_mode \"stream\" only");
    if (!copy && c->src_offset)
        return mech_fail("setup: invalid value for field 'src_offset': offsets apply to COPY1/COPY2 only");
    if (!copy && c->dst_offset)
        return mech_fail("setup: invalid value for field 'dst_offset': offsets apply to COPY1/COPY2 only");
    return 0;
}

int parse_setup(const char *json, struct bench_case *c)
{
    struct given given = {0};
    case_defaults(c, "", TEST_COUNT);

    const char *p = skip_ws(json);
    if (*p != '{')
        return mech_fail("setup: expected a JSON object");
    p = skip_ws(p + 1);
    while (*p != '}') {
        char key[64];
        if (!(p = parse_string(p, key, sizeof key)))
            return mech_fail("setup: malformed field name");
        p = skip_ws(p);
        if (*p != ':')
            return mech_fail("setup: expected ':' after '%s'", key);
        mech_fail("setup: invalid value for field '%s'", key);
        if (!(p = parse_member(skip_ws(p + 1), key, c, &given)))
            return -1;
        p = skip_ws(p);
        if (*p == ',')
            p = skip_ws(p + 1);
        else if (*p != '}')
            return mech_fail("setup: expected ',' or '}' after field '%s'", key);
    }
    if (*skip_ws(p + 1))
        return mech_fail("setup: trailing characters after the object");
    if (!c->mechanism[0])
        return mech_fail("setup: missing field 'mechanism'");
    if (c->test == TEST_COUNT)
        return mech_fail("setup: missing field 'test'");
    if (!given.size)
        c->size = default_size(c->test); /* the test is known only now */
    return check_copy_fields(c, &given);
}
