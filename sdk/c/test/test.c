/* Native tests of iohub.h: the JSON scanner, the envelope parser and the
 * hub_on_event/hub_init glue, against a mock of the host imports.
 * Run by run.sh (with AddressSanitizer and UBSan where available). */
#define IOHUB_IMPLEMENTATION
#include "iohub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        checks++;                                                         \
        if (!(cond)) {                                                    \
            failures++;                                                   \
            fprintf(stderr, "%s:%d: FAIL %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fprintf(stderr, "\n");                                        \
        }                                                                 \
    } while (0)

/* A heap copy of exactly len bytes (no NUL), so ASan catches over-reads. */
static char *dup_exact(const char *s, size_t len) {
    char *p = (char *)malloc(len ? len : 1);
    memcpy(p, s, len);
    return p;
}

static iohub_str S(const char *s) { return iohub_s(s); }

static int str_is(iohub_str s, const char *want, size_t want_len) {
    return s.len == want_len && memcmp(s.ptr, want, want_len) == 0;
}

/* ---------------------------------------------------------------- mock host */

static const char *mock_input;
static size_t mock_input_len;
static char mock_error[2048];
static char mock_log[4096];
static int mock_log_level = -1;
static char mock_kv[64];
static int mock_kv_present;

int32_t hub_input_read(void *buf, int32_t cap) {
    size_t n = mock_input_len < (size_t)cap ? mock_input_len : (size_t)cap;
    memcpy(buf, mock_input, n);
    return (int32_t)mock_input_len;
}
void hub_set_error(const void *p, int32_t n) { snprintf(mock_error, sizeof mock_error, "%.*s", (int)n, (const char *)p); }
void hub_log(int32_t level, const void *p, int32_t n) {
    mock_log_level = level;
    snprintf(mock_log, sizeof mock_log, "%.*s", (int)n, (const char *)p);
}
int32_t hub_reply(const void *a, int32_t n) { (void)a, (void)n; return 0; }
int32_t hub_emit(const void *e, int32_t el, const void *d, int32_t dl) { (void)e, (void)el, (void)d, (void)dl; return 0; }
int32_t hub_raw(const void *r, int32_t rl, const void *e, int32_t el, const void *a, int32_t al, int32_t f) {
    (void)r, (void)rl, (void)e, (void)el, (void)a, (void)al, (void)f;
    return 0;
}
int32_t hub_send(const void *s, int32_t sl, const void *e, int32_t el, const void *a, int32_t al) {
    (void)s, (void)sl, (void)e, (void)el, (void)a, (void)al;
    return 0;
}
int32_t hub_join(const void *s, int32_t sl, const void *r, int32_t rl) { (void)s, (void)sl, (void)r, (void)rl; return 0; }
int32_t hub_leave(const void *s, int32_t sl, const void *r, int32_t rl) { (void)s, (void)sl, (void)r, (void)rl; return 0; }
int32_t hub_disconnect(const void *s, int32_t sl) { (void)s, (void)sl; return 0; }
int32_t hub_kv_get(const void *k, int32_t kl, void *buf, int32_t cap) {
    size_t n = strlen(mock_kv);
    (void)k, (void)kl;
    if (!mock_kv_present) return IOHUB_E_NOT_FOUND;
    memcpy(buf, mock_kv, n < (size_t)cap ? n : (size_t)cap);
    return (int32_t)n;
}
int32_t hub_kv_set(const void *k, int32_t kl, const void *v, int32_t vl, int64_t t) {
    (void)k, (void)kl, (void)t;
    snprintf(mock_kv, sizeof mock_kv, "%.*s", (int)vl, (const char *)v);
    mock_kv_present = 1;
    return 0;
}
int32_t hub_kv_delete(const void *k, int32_t kl) {
    (void)k, (void)kl;
    mock_kv_present = 0;
    return 0;
}
int32_t hub_kv_add(const void *k, int32_t kl, int64_t d, int64_t t, int64_t *out) {
    (void)k, (void)kl, (void)t;
    *out = (mock_kv_present ? atoll(mock_kv) : 0) + d;
    snprintf(mock_kv, sizeof mock_kv, "%lld", (long long)*out);
    mock_kv_present = 1;
    return 0;
}
int64_t hub_now_ms(void) { return 1764066000123LL; }
int32_t hub_random(void *b, int32_t n) { memset(b, 4, (size_t)n); return 0; }
/* One binary argument, "\x01\x02\x03"; attachments are counted from 1. */
static int mock_attached;
int32_t hub_binary_read(int32_t i, void *buf, int32_t cap) {
    if (i != 0) return IOHUB_E_NOT_FOUND;
    memcpy(buf, "\x01\x02\x03", cap < 3 ? (size_t)cap : 3);
    return 3;
}
int32_t hub_binary_attach(const void *p, int32_t n) {
    (void)p, (void)n;
    return 1 + mock_attached++;
}

/* ------------------------------------------------------------ user handler */

static iohub_event seen;  /* a copy of the last event (pointers into the SDK buffer) */
static int seen_count, handler_status;
static char seen_args_copy[256];

int iohub_on_event(const iohub_event *ev) {
    seen = *ev;
    seen_count++;
    snprintf(seen_args_copy, sizeof seen_args_copy, "%s", ev->args.ptr);
    return handler_status;
}

static char init_config[256];
static int init_calls, init_status;

int iohub_init(const char *config, size_t len) {
    init_calls++;
    snprintf(init_config, sizeof init_config, "%.*s", (int)len, config);
    CHECK(config[len] == 0, "config is NUL-terminated");
    return init_status;
}

/* ------------------------------------------------------------------ skip */

static void test_skip(void) {
    static const struct {
        const char *in;
        int end; /* bytes consumed, -1 = malformed */
    } cases[] = {
        {"\"abc\"", 5},
        {"\"a\\\"b\"x", 6},
        {"\"\\u00e9\\n\\/\"", 12},
        {"\"\\uD83D\\uDE00\"", 14},
        {"\"\\uZZZZ\"", -1},
        {"\"\\u12\"", -1},
        {"\"abc", -1},
        {"\"a\\", -1},
        {"\"a\\\"", -1},
        {"\"\\x\"", -1},
        {"\"tab\there\"", -1}, /* raw control character */
        {"0", 1},
        {"-0", 2},
        {"12.5e-3,", 7},
        {"1E+9]", 4},
        {"01", 1},
        {"-", -1},
        {"1.", -1},
        {"1.e5", -1},
        {"1e", -1},
        {"+1", -1},
        {".5", -1},
        {"true", 4},
        {"false ", 5},
        {"null}", 4},
        {"tru", -1},
        {"nul", -1},
        {"nulL", -1},
        {"[]", 2},
        {"{}", 2},
        {"[ ]", 3},
        {"{ \n}", 4},
        {"  [1]", 5},
        {"[1,[2,{\"a\":[3,\"]\"]}]]x", 21},
        {"{\"a\":\"}\",\"b\":[\"{\",{}]}", 22},
        {"{\"k\\\"}\":1}", 10},
        {"[1,2", -1},
        {"[1,2,", -1},
        {"[1,]", -1},
        {"[,1]", -1},
        {"[1 2]", -1},
        {"{\"a\":1,}", -1},
        {"{\"a\" 1}", -1},
        {"{\"a\":}", -1},
        {"{1:2}", -1},
        {"{\"a\"}", -1},
        {"[}", -1},
        {"{]", -1},
        {"[[1]}", -1},
        {"{\"a\":[1}", -1},
        {"", -1},
        {"   ", -1},
        {"x", -1},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].in);
        char *p = dup_exact(cases[i].in, len);
        const char *e = iohub__skip_value(p, p + len);
        int got = e ? (int)(e - p) : -1;
        CHECK(got == cases[i].end, "skip(%s) = %d, want %d", cases[i].in, got, cases[i].end);
        free(p);
    }

    /* nesting: up to IOHUB_MAX_DEPTH is fine, deeper is refused, hostile depth does not crash */
    {
        size_t depths[] = {1, 100, IOHUB_MAX_DEPTH, IOHUB_MAX_DEPTH + 1, 200000};
        size_t k;
        for (k = 0; k < sizeof depths / sizeof depths[0]; k++) {
            size_t d = depths[k], len = 2 * d;
            char *p = (char *)malloc(len);
            const char *e;
            memset(p, '[', d);
            memset(p + d, ']', d);
            e = iohub__skip_value(p, p + len);
            CHECK((e != 0) == (d <= IOHUB_MAX_DEPTH), "depth %zu: %s", d, e ? "accepted" : "refused");
            e = iohub__skip_value(p, p + d); /* only the opening brackets */
            CHECK(e == 0, "depth %zu truncated accepted", d);
            free(p);
        }
        /* alternating objects and arrays */
        {
            char buf[64 * 6 + 1] = "";
            size_t n = 0, j;
            for (j = 0; j < 32; j++) n += (size_t)sprintf(buf + n, "{\"a\":[");
            buf[n++] = '1';
            for (j = 0; j < 32; j++) buf[n++] = ']', buf[n++] = '}';
            CHECK(iohub__skip_value(buf, buf + n) == buf + n, "alternating nesting");
        }
    }
}

/* ------------------------------------------------------------------ field/index */

static void test_field(void) {
    static const struct {
        const char *obj, *key;
        int rc;
        const char *want; /* raw value */
    } cases[] = {
        {"{\"a\":1,\"b\":\"x\"}", "b", 0, "\"x\""},
        {"{\"a\":1,\"b\":\"x\"}", "a", 0, "1"},
        {" { \"a\" : [1, 2] , \"b\" : {} } ", "a", 0, "[1, 2]"},
        {"{\"x\":\"\\\"b\\\":2\",\"b\":3}", "b", 0, "3"},          /* key text inside a string */
        {"{\"x\":\"b\",\"y\":{\"b\":1},\"b\":true}", "b", 0, "true"}, /* nested key is not ours */
        {"{\"o\":{\"b\":1}}", "b", IOHUB_E_NOT_FOUND, 0},
        {"{\"o\":[\"b\",\"b\"]}", "b", IOHUB_E_NOT_FOUND, 0},
        {"{\"\\u0062\":7}", "b", 0, "7"},                 /* escaped key */
        {"{\"b\\\"\":1,\"b\":2}", "b\"", 0, "1"},
        {"{\"b\":1,\"b\":2}", "b", 0, "2"},               /* last duplicate wins */
        {"{\"bb\":1,\"\":2}", "b", IOHUB_E_NOT_FOUND, 0},
        {"{\"bb\":1,\"\":2}", "", 0, "2"},
        {"{\"\\u00e9t\\u00e9\":\"summer\"}", "\xc3\xa9t\xc3\xa9", 0, "\"summer\""},
        {"{}", "b", IOHUB_E_NOT_FOUND, 0},
        {"[1]", "b", IOHUB_E_INVALID, 0},
        {"\"{\\\"b\\\":1}\"", "b", IOHUB_E_INVALID, 0},
        {"{\"b\":1", "b", IOHUB_E_INVALID, 0},
        {"{\"b\":1,", "b", IOHUB_E_INVALID, 0},
        {"{\"b\":", "b", IOHUB_E_INVALID, 0},
        {"{\"b\"", "b", IOHUB_E_INVALID, 0},
        {"{\"b", "b", IOHUB_E_INVALID, 0},
        {"{", "b", IOHUB_E_INVALID, 0},
        {"{\"b\":1}x", "b", IOHUB_E_INVALID, 0},
        {"{\"b\":1}}", "b", IOHUB_E_INVALID, 0},
        {"", "b", IOHUB_E_INVALID, 0},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].obj);
        char *p = dup_exact(cases[i].obj, len);
        iohub_str obj = {p, len}, v = {0, 0};
        int rc = iohub_json_field(obj, cases[i].key, &v);
        CHECK(rc == cases[i].rc, "field(%s, %s) = %d, want %d", cases[i].obj, cases[i].key, rc, cases[i].rc);
        if (rc == 0 && cases[i].want)
            CHECK(str_is(v, cases[i].want, strlen(cases[i].want)), "field(%s, %s) = %.*s, want %s", cases[i].obj,
                  cases[i].key, (int)v.len, v.ptr, cases[i].want);
        free(p);
    }
}

static void test_index(void) {
    const char *arr = " [1, \"two\" ,[3,\",\"], {\"4\":[4]} ,null] ";
    const char *want[] = {"1", "\"two\"", "[3,\",\"]", "{\"4\":[4]}", "null"};
    size_t len = strlen(arr), i;
    char *p = dup_exact(arr, len);
    iohub_str a = {p, len}, v;
    for (i = 0; i < 5; i++) {
        int rc = iohub_json_index(a, i, &v);
        CHECK(rc == 0 && str_is(v, want[i], strlen(want[i])), "index %zu = %d %.*s", i, rc, (int)v.len, v.ptr);
    }
    CHECK(iohub_json_index(a, 5, &v) == IOHUB_E_NOT_FOUND, "index 5");
    CHECK(iohub_json_index(S("[]"), 0, &v) == IOHUB_E_NOT_FOUND, "empty array");
    CHECK(iohub_json_index(S("{}"), 0, &v) == IOHUB_E_INVALID, "object");
    CHECK(iohub_json_index(S("[1,]"), 0, &v) == IOHUB_E_INVALID, "trailing comma");
    CHECK(iohub_json_index(S("[1,2"), 0, &v) == IOHUB_E_INVALID, "truncated");
    CHECK(iohub_json_index(S("[1][2]"), 0, &v) == IOHUB_E_INVALID, "trailing value");
    free(p);

    CHECK(iohub_json_type(S(" {")) == IOHUB_JSON_OBJECT, "type object");
    CHECK(iohub_json_type(S("[")) == IOHUB_JSON_ARRAY, "type array");
    CHECK(iohub_json_type(S("\"")) == IOHUB_JSON_STRING, "type string");
    CHECK(iohub_json_type(S("-1")) == IOHUB_JSON_NUMBER, "type number");
    CHECK(iohub_json_type(S("false")) == IOHUB_JSON_BOOL, "type bool");
    CHECK(iohub_json_type(S("null")) == IOHUB_JSON_NULL, "type null");
    CHECK(iohub_json_type(S("")) == IOHUB_JSON_INVALID, "type empty");
    CHECK(iohub_json_type(S("x")) == IOHUB_JSON_INVALID, "type x");
}

/* ------------------------------------------------------------------ strings */

static void test_string(void) {
    static const struct {
        const char *in;
        int rc;
        const char *want;
        size_t want_len;
    } cases[] = {
        {"\"plain\"", 5, "plain", 5},
        {" \"ws\" ", 2, "ws", 2},
        {"\"\"", 0, "", 0},
        {"\"a\\nb\\t\\\"\\\\\\/\\b\\f\\r\"", 10, "a\nb\t\"\\/\b\f\r", 10},
        {"\"\\u00e9\"", 2, "\xc3\xa9", 2},
        {"\"\\u20AC\"", 3, "\xe2\x82\xac", 3},
        {"\"\\u0041\\u0062\"", 2, "Ab", 2},
        {"\"\\ud83d\\ude00\"", 4, "\xf0\x9f\x98\x80", 4},
        {"\"\\uDBFF\\uDFFF\"", 4, "\xf4\x8f\xbf\xbf", 4},
        {"\"\\ud83d\"", 3, "\xef\xbf\xbd", 3},                 /* lone high surrogate */
        {"\"\\ud83dx\"", 4, "\xef\xbf\xbdx", 4},
        {"\"\\ud83d\\u0041\"", 4, "\xef\xbf\xbd" "A", 4},       /* high + non-low */
        {"\"\\udc00x\"", 4, "\xef\xbf\xbdx", 4},               /* lone low surrogate */
        {"\"\\ud83d\\ud83d\\ude00\"", 7, "\xef\xbf\xbd\xf0\x9f\x98\x80", 7},
        {"\"\\u0000z\"", 2, "\0z", 2},
        {"\"\\u003cb\\u003e\"", 3, "<b>", 3},
        {"\"caf\xc3\xa9\"", 5, "caf\xc3\xa9", 5},              /* UTF-8 passes through */
        {"5", IOHUB_E_INVALID, 0, 0},
        {"\"abc", IOHUB_E_INVALID, 0, 0},
        {"\"a\" \"b\"", IOHUB_E_INVALID, 0, 0},
        {"\"\\q\"", IOHUB_E_INVALID, 0, 0},
        {"\"\\u12", IOHUB_E_INVALID, 0, 0},
        {"", IOHUB_E_INVALID, 0, 0},
    };
    size_t i;
    char buf[64];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].in);
        char *p = dup_exact(cases[i].in, len);
        iohub_str v = {p, len};
        int rc = iohub_json_string(v, buf, sizeof buf);
        CHECK(rc == cases[i].rc, "string(%s) = %d, want %d", cases[i].in, rc, cases[i].rc);
        if (rc >= 0 && cases[i].want) {
            CHECK(memcmp(buf, cases[i].want, cases[i].want_len) == 0 && buf[rc] == 0, "string(%s) content",
                  cases[i].in);
        }
        free(p);
    }
    /* truncation: snprintf-style */
    {
        char small[4];
        memset(small, 'X', sizeof small);
        CHECK(iohub_json_string(S("\"abcdef\""), small, sizeof small) == 6, "cut length");
        CHECK(strcmp(small, "abc") == 0, "cut content %s", small);
        CHECK(iohub_json_string(S("\"abcdef\""), 0, 0) == 6, "measure");
        CHECK(iohub_json_string(S("\"\\u00e9\\u00e9\""), small, sizeof small) == 4, "cut multibyte length");
    }
}

static void test_numbers(void) {
    static const struct {
        const char *in;
        int rc;
        int64_t want;
    } cases[] = {
        {"0", 0, 0},
        {"-0", 0, 0},
        {" 42 ", 0, 42},
        {"-12", 0, -12},
        {"9223372036854775807", 0, INT64_MAX},
        {"-9223372036854775808", 0, INT64_MIN},
        {"9223372036854775808", IOHUB_E_LIMIT, 0},
        {"-9223372036854775809", IOHUB_E_LIMIT, 0},
        {"99999999999999999999", IOHUB_E_LIMIT, 0},
        {"1.5", IOHUB_E_INVALID, 0},
        {"1e3", IOHUB_E_INVALID, 0},
        {"01", IOHUB_E_INVALID, 0},
        {"\"3\"", IOHUB_E_INVALID, 0},
        {"true", IOHUB_E_INVALID, 0},
        {"", IOHUB_E_INVALID, 0},
        {"-", IOHUB_E_INVALID, 0},
        {"12 3", IOHUB_E_INVALID, 0},
    };
    size_t i;
    int b = -1;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = 0;
        size_t len = strlen(cases[i].in);
        char *p = dup_exact(cases[i].in, len);
        iohub_str s = {p, len};
        int rc = iohub_json_int(s, &v);
        CHECK(rc == cases[i].rc, "int(%s) = %d, want %d", cases[i].in, rc, cases[i].rc);
        if (rc == 0) CHECK(v == cases[i].want, "int(%s) = %lld", cases[i].in, (long long)v);
        free(p);
    }
    CHECK(iohub_json_bool(S("true"), &b) == 0 && b == 1, "true");
    CHECK(iohub_json_bool(S(" false "), &b) == 0 && b == 0, "false");
    CHECK(iohub_json_bool(S("truex"), &b) == IOHUB_E_INVALID, "truex");
    CHECK(iohub_json_bool(S("1"), &b) == IOHUB_E_INVALID, "1");
    CHECK(iohub_json_bool(S(""), &b) == IOHUB_E_INVALID, "empty");
}

/* ------------------------------------------------------------------ writing */

static void test_escape(void) {
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        {"", 0, "\"\""},
        {"plain", 5, "\"plain\""},
        {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
        {"\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\""},
        {"\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\""},
        {"\0x", 2, "\"\\u0000x\""},
        {"caf\xc3\xa9 \xf0\x9f\x98\x80 </script>", 20, "\"caf\xc3\xa9 \xf0\x9f\x98\x80 </script>\""},
    };
    size_t i;
    char buf[128];
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = iohub_json_escape(buf, sizeof buf, cases[i].in, cases[i].len);
        CHECK(n == strlen(cases[i].want) && strcmp(buf, cases[i].want) == 0, "escape #%zu = %s, want %s", i, buf,
              cases[i].want);
        CHECK(iohub_json_escape(0, 0, cases[i].in, cases[i].len) == n, "measure #%zu", i);
        /* round trip */
        {
            char back[128];
            iohub_str s = {buf, n};
            int rc = iohub_json_string(s, back, sizeof back);
            CHECK(rc == (int)cases[i].len && memcmp(back, cases[i].in, cases[i].len) == 0, "round trip #%zu", i);
        }
    }
    {
        char small[5];
        CHECK(iohub_json_escape(small, sizeof small, "abcdef", 6) == 8, "cut length");
        CHECK(strcmp(small, "\"abc") == 0, "cut content %s", small);
    }
}

static void test_buf(void) {
    char mem[8];
    iohub_buf b;
    int i;
    iohub_buf_init(&b, mem, sizeof mem);
    iohub_buf_puts(&b, "[");
    iohub_buf_int(&b, 0);
    iohub_buf_puts(&b, ",");
    iohub_buf_int(&b, -5);
    iohub_buf_puts(&b, ",");
    iohub_buf_int(&b, INT64_MIN);
    iohub_buf_puts(&b, ",");
    iohub_buf_int(&b, INT64_MAX);
    iohub_buf_puts(&b, ",");
    iohub_buf_json_string(&b, "a\"b", 3);
    for (i = 0; i < 1000; i++) iohub_buf_add(&b, ",1", 2);
    iohub_buf_puts(&b, "]");
    CHECK(iohub_buf_ok(&b), "buf ok");
    CHECK(b.heap, "buf grew onto the heap");
    CHECK(b.len == strlen(b.ptr), "buf len %zu vs %zu", b.len, strlen(b.ptr));
    {
        static const char want[] = "[0,-5,-9223372036854775808,9223372036854775807,\"a\\\"b\",1,1";
        CHECK(strncmp(b.ptr, want, sizeof want - 1) == 0 && b.len == sizeof want - 1 + 2 * 998 + 1,
              "buf content %.60s", b.ptr);
    }
    iohub_buf_free(&b);
    CHECK(b.ptr == 0 && b.len == 0, "freed");

    /* from nothing */
    iohub_buf_init(&b, 0, 0);
    iohub_buf_puts(&b, "x");
    CHECK(iohub_buf_ok(&b) && b.len == 1 && strcmp(b.ptr, "x") == 0, "buf from nothing");
    iohub_buf_free(&b);
}

/* ------------------------------------------------------------------ envelope */

#define ENV_FULL                                                                                    \
    "{\"v\":1,\"kind\":\"event\",\"event\":\"chat:send\",\"args\":[{\"room\":\"lobby\",\"text\":\"hi " \
    "\\\"there\\\" \\u00e9 \\ud83d\\ude00\",\"kind\":\"fake\"},[1,{\"ack\":false}],\"}\"],\"ack\":true,"  \
    "\"socket\":{\"id\":\"Xy3\\u003cz\",\"role\":\"Authenticated\",\"userId\":\"7\",\"rooms\":[\"Xy3\","  \
    "\"Authenticated\",\"user:7\"],\"user\":{\"id\":7,\"iat\":1700000000,\"exp\":1700003600}},"           \
    "\"reason\":\"\",\"ts\":1764066000123}"

#define ENV_FULL_ARGS                                                                               \
    "[{\"room\":\"lobby\",\"text\":\"hi \\\"there\\\" \\u00e9 \\ud83d\\ude00\",\"kind\":\"fake\"},[1," \
    "{\"ack\":false}],\"}\"]"

static void test_envelope(void) {
    iohub_event ev;
    size_t len = strlen(ENV_FULL), i;
    char *p = dup_exact(ENV_FULL, len);
    char text[64];
    int64_t n;
    iohub_str v;

    CHECK(iohub_parse_event(p, len, &ev) == 0, "parse full");
    CHECK(ev.v == 1, "v %d", ev.v);
    CHECK(ev.kind_id == IOHUB_KIND_EVENT && iohub_str_eq(ev.kind, "event"), "kind");
    CHECK(iohub_str_eq(ev.event, "chat:send") && ev.event.ptr[ev.event.len] == 0, "event %s", ev.event.ptr);
    CHECK(ev.ack == 1, "ack");
    CHECK(strcmp(ev.socket_id.ptr, "Xy3<z") == 0 && ev.socket_id.len == 5, "socket id %s", ev.socket_id.ptr);
    CHECK(strcmp(ev.role.ptr, "Authenticated") == 0, "role %s", ev.role.ptr);
    CHECK(strcmp(ev.user_id.ptr, "7") == 0, "user id %s", ev.user_id.ptr);
    CHECK(strcmp(ev.rooms.ptr, "[\"Xy3\",\"Authenticated\",\"user:7\"]") == 0, "rooms %s", ev.rooms.ptr);
    CHECK(strcmp(ev.user.ptr, "{\"id\":7,\"iat\":1700000000,\"exp\":1700003600}") == 0, "user %s", ev.user.ptr);
    CHECK(ev.reason.len == 0 && ev.reason.ptr[0] == 0, "reason");
    CHECK(ev.ts == 1764066000123LL, "ts");
    CHECK(strcmp(ev.args.ptr, ENV_FULL_ARGS) == 0 && ev.args.len == strlen(ENV_FULL_ARGS), "args %s", ev.args.ptr);

    /* argument helpers */
    CHECK(iohub_arg_string(&ev, 0, "room", text, sizeof text) == 5 && strcmp(text, "lobby") == 0, "arg room");
    CHECK(iohub_arg_string(&ev, 0, "text", text, sizeof text) == 18 &&
              strcmp(text, "hi \"there\" \xc3\xa9 \xf0\x9f\x98\x80") == 0,
          "arg text %s", text);
    CHECK(iohub_arg_string(&ev, 0, "missing", text, sizeof text) == IOHUB_E_NOT_FOUND, "arg missing");
    CHECK(iohub_arg_string(&ev, 1, "room", text, sizeof text) == IOHUB_E_NOT_FOUND, "arg 1 is an array");
    CHECK(iohub_arg_string(&ev, 2, 0, text, sizeof text) == 1 && strcmp(text, "}") == 0, "arg 2 string");
    CHECK(iohub_arg_string(&ev, 3, 0, text, sizeof text) == IOHUB_E_NOT_FOUND, "arg 3");
    CHECK(iohub_arg_int(&ev, 0, "room", &n) == IOHUB_E_INVALID, "arg room not int");
    CHECK(iohub_arg_value(&ev, 1, 0, &v) == 0 && str_is(v, "[1,{\"ack\":false}]", 17), "arg 1 raw");
    CHECK(iohub_json_index(v, 0, &v) == 0 && iohub_json_int(v, &n) == 0 && n == 1, "arg 1[0]");
    CHECK(iohub_arg(&ev, 2, &v) == 0 && iohub_json_type(v) == IOHUB_JSON_STRING, "arg 2 type");
    free(p);

    /* keys in another order, unknown keys with nasty values, escaped key names, whitespace */
    {
        const char *env =
            " {\n \"ts\" : 5 , \"x\":{\"kind\":\"no\",\"socket\":{\"id\":\"no\"}}, \"y\":[\"\\\"event\\\":\\\"no\\\"\"],"
            "\"socket\" : { \"rooms\":[], \"user\":null, \"extra\":{\"id\":\"no\"}, \"i\\u0064\":\"a\\\\b\" },"
            "\"ack\":false, \"\\u006bind\":\"connection\", \"event\":\"connection\", \"reason\":null } \n";
        len = strlen(env);
        p = dup_exact(env, len);
        CHECK(iohub_parse_event(p, len, &ev) == 0, "parse reordered");
        CHECK(ev.kind_id == IOHUB_KIND_CONNECTION, "kind %s", ev.kind.ptr);
        CHECK(strcmp(ev.socket_id.ptr, "a\\b") == 0, "socket id %s", ev.socket_id.ptr);
        CHECK(ev.ts == 5 && ev.ack == 0 && ev.v == 0, "ts/ack/v");
        CHECK(strcmp(ev.user.ptr, "null") == 0 && strcmp(ev.rooms.ptr, "[]") == 0, "user/rooms");
        CHECK(strcmp(ev.args.ptr, "[]") == 0 && ev.args.len == 2, "default args");
        CHECK(ev.reason.len == 0 && ev.role.len == 0 && ev.user_id.len == 0, "defaults");
        free(p);
    }

    /* disconnect, with a reason */
    {
        const char *env = "{\"v\":1,\"kind\":\"disconnect\",\"event\":\"disconnect\",\"args\":[],\"ack\":false,"
                          "\"socket\":{\"id\":\"s1\",\"role\":\"Public\",\"userId\":\"\",\"rooms\":[\"s1\",\"Public\"],"
                          "\"user\":null},\"reason\":\"transport close\",\"ts\":1}";
        len = strlen(env);
        p = dup_exact(env, len);
        CHECK(iohub_parse_event(p, len, &ev) == 0, "parse disconnect");
        CHECK(ev.kind_id == IOHUB_KIND_DISCONNECT && strcmp(ev.reason.ptr, "transport close") == 0, "reason");
        CHECK(strcmp(ev.role.ptr, "Public") == 0 && ev.user_id.len == 0, "anonymous");
        free(p);
    }

    /* every prefix of a valid envelope is refused (and read within bounds) */
    len = strlen(ENV_FULL);
    for (i = 0; i < len; i++) {
        p = dup_exact(ENV_FULL, i);
        CHECK(iohub_parse_event(p, i, &ev) == IOHUB_E_INVALID, "prefix %zu accepted", i);
        free(p);
    }

    /* malformed envelopes */
    {
        const char *bad[] = {
            "",
            "[]",
            "null",
            "{\"kind\":\"event\"",
            "{\"kind\":\"event\",}",
            "{\"kind\" \"event\"}",
            "{\"kind\":\"ev\\ent\"}",
            "{\"args\":[1,}",
            "{\"socket\":{\"id\":\"x\"}",
            "{\"kind\":\"event\"}x",
            "{\"kind\":\"event\"}{}",
        };
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            len = strlen(bad[i]);
            p = dup_exact(bad[i], len);
            CHECK(iohub_parse_event(p, len, &ev) == IOHUB_E_INVALID, "accepted %s", bad[i]);
            free(p);
        }
    }

    /* other kinds, wrong types */
    {
        const char *env = "{\"kind\":\"future\",\"event\":7,\"ack\":\"yes\",\"ts\":1.5,\"socket\":null,\"args\":{}}";
        len = strlen(env);
        p = dup_exact(env, len);
        CHECK(iohub_parse_event(p, len, &ev) == 0, "parse odd types");
        CHECK(ev.kind_id == IOHUB_KIND_OTHER && strcmp(ev.kind.ptr, "future") == 0, "future kind");
        CHECK(ev.event.len == 0 && ev.ack == 0 && ev.ts == 0, "odd types read as defaults");
        CHECK(strcmp(ev.args.ptr, "{}") == 0, "args raw whatever it is");
        free(p);
    }
}

/* Mutated envelopes: whatever the bytes, the scanner stays in bounds (ASan
 * checks that) and either refuses or fills every field. */
static void test_mutations(void) {
    static const char alphabet[] = "{}[]\",:\\u0aZ \n-1.eE";
    const char *base = ENV_FULL;
    size_t blen = strlen(base), i;
    uint32_t seed = 12345;
    int accepted = 0;
    for (i = 0; i < 50000; i++) {
        char tmp[1024];
        size_t len = blen, j, edits;
        char *p;
        iohub_event ev;
        memcpy(tmp, base, blen);
        seed = seed * 1103515245u + 12345u;
        edits = 1 + (seed >> 16) % 4;
        for (j = 0; j < edits; j++) {
            size_t at, op;
            seed = seed * 1103515245u + 12345u;
            at = (seed >> 8) % len;
            op = (seed >> 4) % 3;
            seed = seed * 1103515245u + 12345u;
            if (op == 0) { /* replace */
                tmp[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
            } else if (op == 1 && len + 1 < sizeof tmp) { /* insert */
                memmove(tmp + at + 1, tmp + at, len - at);
                tmp[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
                len++;
            } else if (len > 1) { /* delete */
                memmove(tmp + at, tmp + at + 1, len - at - 1);
                len--;
            }
        }
        p = dup_exact(tmp, len);
        if (iohub_parse_event(p, len, &ev) == 0) {
            accepted++;
            CHECK(ev.kind.ptr[ev.kind.len] == 0 && ev.event.ptr[ev.event.len] == 0 &&
                      ev.args.ptr[ev.args.len] == 0 && ev.user.ptr[ev.user.len] == 0 &&
                      ev.socket_id.ptr[ev.socket_id.len] == 0,
                  "mutation %zu: fields not terminated", i);
        }
        free(p);
    }
    CHECK(accepted > 100, "only %d mutations accepted", accepted);
}

/* ------------------------------------------------------------------ exports */

static void set_input(const char *s, size_t len) {
    mock_input = s;
    mock_input_len = len;
}

static void test_exports(void) {
    int32_t st;
    char *big;
    size_t i, n;

    CHECK(hub_abi_version() == IOHUB_ABI_VERSION, "abi version");

    /* hub_init passes the config through */
    set_input("{\"greeting\":\"hi\"}", 17);
    init_status = 0;
    st = hub_init(17);
    CHECK(st == 0 && init_calls == 1 && strcmp(init_config, "{\"greeting\":\"hi\"}") == 0, "init %d %s", st,
          init_config);
    init_status = 3;
    CHECK(hub_init(17) == 3, "init status passes through");

    /* an event */
    set_input(ENV_FULL, strlen(ENV_FULL));
    handler_status = 2;
    seen_count = 0;
    st = hub_on_event((int32_t)strlen(ENV_FULL));
    CHECK(st == 2 && seen_count == 1, "status %d count %d", st, seen_count);
    CHECK(strcmp(seen.socket_id.ptr, "Xy3<z") == 0, "seen id");
    CHECK(strcmp(seen_args_copy, ENV_FULL_ARGS) == 0, "seen args");

    /* malformed input fails with a message, the handler is not called */
    set_input("{\"kind\":", 8);
    mock_error[0] = 0;
    st = hub_on_event(8);
    CHECK(st == 1 && seen_count == 1 && strncmp(mock_error, "iohub: malformed event envelope", 31) == 0, "malformed: %d %s",
          st, mock_error);
    CHECK(hub_on_event(-1) == 1, "negative length");

    /* a big input (bigger than the static buffer) grows the buffer, twice */
    for (n = IOHUB_INPUT_CAP * 3; n <= IOHUB_INPUT_CAP * 50; n *= 10) {
        static const char head[] = "{\"kind\":\"event\",\"event\":\"big\",\"args\":[\"";
        static const char tail[] = "\"],\"ack\":true,\"socket\":{\"id\":\"b1\"}}";
        size_t len = sizeof head - 1 + n + sizeof tail - 1;
        big = (char *)malloc(len);
        memcpy(big, head, sizeof head - 1);
        for (i = 0; i < n; i++) big[sizeof head - 1 + i] = (char)('a' + i % 26);
        memcpy(big + sizeof head - 1 + n, tail, sizeof tail - 1);
        set_input(big, len);
        handler_status = 0;
        st = hub_on_event((int32_t)len);
        CHECK(st == 0 && seen_count == 2 + (n != IOHUB_INPUT_CAP * 3), "big %zu: %d", n, st);
        CHECK(seen.args.len == n + 4 && strcmp(seen.socket_id.ptr, "b1") == 0 && seen.ack, "big %zu fields", n);
        free(big);
    }

    /* small again, after growing */
    set_input(ENV_FULL, strlen(ENV_FULL));
    CHECK(hub_on_event((int32_t)strlen(ENV_FULL)) == 0 && strcmp(seen.event.ptr, "chat:send") == 0, "small again");
}

static void test_binary(void) {
    unsigned char got[8] = {0};
    char mem[64];
    iohub_buf b;
    CHECK(hub_abi_version() == 0x0101, "abi version %#x", (unsigned)hub_abi_version());
    CHECK(iohub_binary_read(0, got, 0) == 3 && got[0] == 0, "binary length");
    CHECK(iohub_binary_read(0, got, 2) == 3 && got[0] == 1 && got[1] == 2 && got[2] == 0, "binary cut");
    CHECK(iohub_binary_read(1, got, sizeof got) == IOHUB_E_NOT_FOUND, "binary missing");
    CHECK(iohub_binary_attach("ab", 2) == 1 && iohub_binary_attach("", 0) == 2, "attach");
    iohub_buf_init(&b, mem, sizeof mem);
    iohub_buf_puts(&b, "[");
    iohub_buf_placeholder(&b, 12);
    iohub_buf_puts(&b, "]");
    CHECK(iohub_buf_ok(&b) && b.len == 32 && memcmp(b.ptr, "[{\"_placeholder\":true,\"num\":12}]", 32) == 0,
          "placeholder %.*s", (int)b.len, b.ptr);
}

static void test_wrappers(void) {
    char b[4];
    int64_t n = -1;
    iohub_log_info("hello");
    CHECK(mock_log_level == IOHUB_LOG_INFO && strcmp(mock_log, "hello") == 0, "log");
    iohub_set_error(0);
    CHECK(mock_error[0] == 0, "set_error(NULL)");

    iohub_kv_delete("k");
    CHECK(iohub_kv_get("k", b, sizeof b) == IOHUB_E_NOT_FOUND && b[0] == 0, "kv absent");
    CHECK(iohub_kv_get_int("k", &n) == IOHUB_E_NOT_FOUND, "kv int absent");
    CHECK(iohub_kv_add("k", 41, 0, &n) == 0 && n == 41, "kv_add");
    CHECK(iohub_kv_add("k", 1, 0, 0) == 0, "kv_add NULL out");
    CHECK(iohub_kv_get("k", b, sizeof b) == 2 && strcmp(b, "42") == 0, "kv get");
    CHECK(iohub_kv_get_int("k", &n) == 0 && n == 42, "kv get int");
    iohub_kv_set("k", "abcdef", 6, 0);
    CHECK(iohub_kv_get("k", b, sizeof b) == 6 && strcmp(b, "abc") == 0, "kv get cut: %s", b);
    CHECK(iohub_kv_get_int("k", &n) == IOHUB_E_INVALID, "kv get int of text");
    CHECK(iohub_now_ms() == 1764066000123LL, "now");
}

/* ------------------------------------------------- fast scanner vs reference */

/* The byte-at-a-time string scanner the SWAR one replaced: the reference. */
static const char *ref_skip_string(const char *p, const char *e) {
    if (p >= e || *p != '"') return 0;
    p++;
    while (p < e) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return 0;
        if (c != '\\') {
            p++;
            continue;
        }
        if (e - p < 2) return 0;
        switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            break;
        case 'u':
            if (iohub__u4(p + 2, e) < 0) return 0;
            p += 6;
            break;
        default:
            return 0;
        }
    }
    return 0;
}

static uint32_t rng = 20240611u;
static uint32_t rnd(uint32_t n) {
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return n ? rng % n : 0;
}

/* Random bytes that look like string content (escapes, quotes, control
 * characters, UTF-8) at every alignment. */
static void test_string_scanner(void) {
    static const char pieces[][8] = {"a", "b", "\"", "\\", "\\\"", "\\\\", "\\u00e9", "\\u12", "\\x", "\\n",
                                     "\x01", "\x1f", " ", "\xc3\xa9", "\xf0\x9f\x98\x80", "\x7f", "\xff",
                                     "xxxxxxx", "]", "}"};
    char buf[200];
    int i;
    for (i = 0; i < 200000; i++) {
        size_t n = 0, off = rnd(9), k, np = rnd(24);
        char *p;
        const char *a, *b, *stop;
        buf[n++] = '"';
        for (k = 0; k < np; k++) {
            const char *s = pieces[rnd(sizeof pieces / sizeof pieces[0])];
            size_t l = strlen(s);
            if (n + l >= sizeof buf - 16) break;
            memcpy(buf + n, s, l);
            n += l;
        }
        if (rnd(3)) buf[n++] = '"';
        if (rnd(2)) buf[n++] = 'z';
        /* exact-size heap copy at an offset: reads past the end fault (ASan) */
        p = (char *)malloc(off + n);
        memcpy(p + off, buf, n);
        a = iohub__skip_string(p + off, p + off + n);
        b = ref_skip_string(p + off, p + off + n);
        CHECK(a == b, "string %d: swar %td, reference %td: %.*s", i, a ? a - (p + off) : -1,
              b ? b - (p + off) : -1, (int)n, buf);
        /* the stop finder: the first '"', '\\' or control character */
        stop = iohub__str_stop(p + off + 1, p + off + n);
        for (k = 1; k < n; k++) {
            unsigned char c = (unsigned char)p[off + k];
            if (c == '"' || c == '\\' || c < 0x20) break;
        }
        CHECK(stop == p + off + k, "stop %d: %td, want %zu", i, stop - (p + off), k);
        free(p);
    }
}

/* ---------------------------------------------------- generated JSON values */

typedef struct gen {
    char *p;
    size_t len, cap;
} gen;

static void g_add(gen *g, const char *s, size_t n) {
    if (g->len + n + 1 > g->cap) {
        g->cap = (g->len + n + 1) * 2;
        g->p = (char *)realloc(g->p, g->cap);
    }
    memcpy(g->p + g->len, s, n);
    g->len += n;
    g->p[g->len] = 0;
}
static void g_puts(gen *g, const char *s) { g_add(g, s, strlen(s)); }

/* A string as the hub writes it: escapes, raw UTF-8, \u00XX controls. The
 * decoded form goes to dec (when not NULL). */
static void g_string(gen *g, gen *dec, size_t maxlen) {
    static const struct {
        const char *enc, *dec;
    } pieces[] = {{"a", "a"},
                  {"Z", "Z"},
                  {":", ":"},
                  {" ", " "},
                  {"\\\"", "\""},
                  {"\\\\", "\\"},
                  {"\\n", "\n"},
                  {"\\t", "\t"},
                  {"\\u0001", "\x01"},
                  {"\\u001f", "\x1f"},
                  {"\\u2028", "\xe2\x80\xa8"},
                  {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
                  {"\xc3\xa9", "\xc3\xa9"},
                  {"\xe2\x82\xac", "\xe2\x82\xac"},
                  {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
                  {"{[]}", "{[]}"},
                  {",\\\"ack\\\":true", ",\"ack\":true"},
                  {"/<>&", "/<>&"},
                  {"abcdefghijklmnop", "abcdefghijklmnop"}};
    size_t n = rnd((uint32_t)maxlen + 1), i;
    g_puts(g, "\"");
    for (i = 0; i < n; i++) {
        size_t k = rnd(sizeof pieces / sizeof pieces[0]);
        if (rnd(3)) k = rnd(4); /* mostly plain */
        g_puts(g, pieces[k].enc);
        if (dec) g_puts(dec, pieces[k].dec);
    }
    g_puts(g, "\"");
}

static void g_value(gen *g, int depth) {
    uint32_t t = rnd(depth > 6 ? 5 : 8);
    size_t n, i;
    char num[32];
    switch (t) {
    case 0: g_puts(g, rnd(2) ? "true" : "false"); break;
    case 1: g_puts(g, "null"); break;
    case 2:
        g_puts(g, rnd(2) ? "-" : ""); /* one rnd() per statement: the same sequence with every compiler */
        snprintf(num, sizeof num, "%u", rnd(100000));
        g_puts(g, num);
        g_puts(g, rnd(2) ? ".25e+21" : "");
        break;
    case 3:
    case 4: g_string(g, 0, 12); break;
    case 5:
        g_puts(g, "[");
        for (n = rnd(5), i = 0; i < n; i++) {
            if (i) g_puts(g, ",");
            g_value(g, depth + 1);
        }
        g_puts(g, "]");
        break;
    default:
        g_puts(g, "{");
        for (n = rnd(5), i = 0; i < n; i++) {
            if (i) g_puts(g, ",");
            g_string(g, 0, 4);
            g_puts(g, ":");
            g_value(g, depth + 1);
        }
        g_puts(g, "}");
    }
}

/* skip_fast agrees with the checking skip_value on every well-formed value,
 * and stays in bounds on mutated ones. */
static void test_fast_skip(void) {
    static const char *refused[] = {"[}", "{]", "[[1]}", "{\"a\":[1}", "[\"]", "[\"\\q\"]", "[\"\x01\"]",
                                    "[1,[2]", "{\"a\":\"}\"", ""};
    static const char *lenient[] = {"[1,]", "[1 2]", "{\"a\"}", "[tru]"}; /* not checked between brackets */
    int i;
    for (i = 0; i < (int)(sizeof refused / sizeof refused[0]); i++) {
        size_t n = strlen(refused[i]);
        char *p = dup_exact(refused[i], n);
        CHECK(iohub__skip_fast(p, p + n) == 0, "fast skip accepted %s", refused[i]);
        free(p);
    }
    for (i = 0; i < (int)(sizeof lenient / sizeof lenient[0]); i++) {
        size_t n = strlen(lenient[i]);
        char *p = dup_exact(lenient[i], n);
        CHECK(iohub__skip_fast(p, p + n) == p + n, "fast skip refused %s", lenient[i]);
        free(p);
    }
    for (i = 0; i < 20000; i++) {
        gen g = {0, 0, 0};
        char *p;
        const char *a, *b;
        size_t n, at;
        g_value(&g, 0);
        n = g.len;
        if (rnd(2)) g_puts(&g, rnd(2) ? ",\"ack\":true" : "}");
        p = dup_exact(g.p, g.len);
        a = iohub__skip_fast(p, p + g.len);
        b = iohub__skip_value(p, p + g.len);
        CHECK(a == b && b == p + n, "value %d: fast %td, checking %td, want %zu: %s", i, a ? a - p : -1,
              b ? b - p : -1, n, g.p);
        /* every truncation is refused */
        at = rnd((uint32_t)n);
        CHECK(iohub__skip_fast(p, p + at) == 0 || iohub__skip_value(p, p + at) != 0, "value %d cut at %zu accepted: %s",
              i, at, g.p);
        /* a mutation: in bounds; when the checking scanner accepts, so does the fast one, equally */
        at = rnd((uint32_t)g.len);
        p[at] = "\"\\[]{},:ax"[rnd(10)];
        a = iohub__skip_fast(p, p + g.len);
        b = iohub__skip_value(p, p + g.len);
        CHECK(!b || a == b, "mutated value %d: fast %td, checking %td", i, a ? a - p : -1, b - p);
        free(p);
        free(g.p);
    }
}

/* ------------------------------------------------------ generated envelopes */

typedef struct want_env {
    gen event, id, role, uid, reason, args, rooms, user;
    int ack;
    long long ts;
} want_env;

static void want_free(want_env *w) {
    free(w->event.p), free(w->id.p), free(w->role.p), free(w->uid.p), free(w->reason.p);
    free(w->args.p), free(w->rooms.p), free(w->user.p);
}

/* An envelope in the hub's exact encoding, with what it holds in *w. */
static void g_envelope(gen *g, want_env *w, size_t argbytes) {
    gen tmp = {0, 0, 0};
    size_t i, n;
    static const char *kinds[] = {"event", "connection", "disconnect"};
    const char *kind = kinds[rnd(3)];
    char num[48];
    memset(w, 0, sizeof *w);
    g_puts(g, "{\"v\":1,\"kind\":\"");
    g_puts(g, kind);
    g_puts(g, "\",\"event\":");
    g_string(g, &w->event, 10);
    g_puts(g, ",\"args\":");
    g_puts(&w->args, "[");
    for (n = rnd(4), i = 0; i < n; i++) {
        if (i) g_puts(&w->args, ",");
        g_value(&w->args, 0);
    }
    while (w->args.len < argbytes) {
        if (w->args.len > 1) g_puts(&w->args, ",");
        g_string(&w->args, 0, 200);
    }
    g_puts(&w->args, "]");
    g_add(g, w->args.p, w->args.len);
    w->ack = (int)rnd(2);
    g_puts(g, w->ack ? ",\"ack\":true" : ",\"ack\":false");
    g_puts(g, ",\"socket\":{\"id\":");
    g_string(g, &w->id, 6);
    g_puts(g, ",\"role\":");
    g_string(g, &w->role, 6);
    g_puts(g, ",\"userId\":");
    g_string(g, &w->uid, 3);
    g_puts(g, ",\"rooms\":");
    g_puts(&w->rooms, "[");
    for (n = rnd(6), i = 0; i < n; i++) {
        if (i) g_puts(&w->rooms, ",");
        g_string(&w->rooms, 0, 8);
    }
    g_puts(&w->rooms, "]");
    g_add(g, w->rooms.p, w->rooms.len);
    g_puts(g, ",\"user\":");
    if (rnd(2)) {
        g_puts(&w->user, "null");
    } else {
        g_puts(&w->user, "{\"exp\":1700003600,\"id\":7,\"name\":");
        g_string(&w->user, 0, 6);
        g_puts(&w->user, ",\"x\":");
        g_value(&w->user, 3);
        g_puts(&w->user, "}");
    }
    g_add(g, w->user.p, w->user.len);
    g_puts(g, "},\"reason\":");
    g_string(g, &w->reason, 5);
    w->ts = (long long)rnd(2000000000) * 1000;
    w->ts += rnd(1000);
    snprintf(num, sizeof num, ",\"ts\":%lld}", w->ts);
    g_puts(g, num);
    free(tmp.p);
    /* empty decoded strings still need a buffer */
    g_puts(&w->event, ""), g_puts(&w->id, ""), g_puts(&w->role, ""), g_puts(&w->uid, ""), g_puts(&w->reason, "");
}

#define SAME_STR(a, b) ((a).len == (b).len && memcmp((a).ptr, (b).ptr, (a).len) == 0 && (a).ptr[(a).len] == 0)

static int same_event(const iohub_event *a, const iohub_event *b) {
    return a->v == b->v && a->kind_id == b->kind_id && a->ack == b->ack && a->ts == b->ts && SAME_STR(a->kind, b->kind) &&
           SAME_STR(a->event, b->event) && SAME_STR(a->args, b->args) && SAME_STR(a->socket_id, b->socket_id) &&
           SAME_STR(a->role, b->role) && SAME_STR(a->user_id, b->user_id) && SAME_STR(a->rooms, b->rooms) &&
           SAME_STR(a->user, b->user) && SAME_STR(a->reason, b->reason);
}

static int want_matches(const iohub_event *ev, const want_env *w) {
    return str_is(ev->event, w->event.p, w->event.len) && str_is(ev->args, w->args.p, w->args.len) &&
           str_is(ev->socket_id, w->id.p, w->id.len) && str_is(ev->role, w->role.p, w->role.len) &&
           str_is(ev->user_id, w->uid.p, w->uid.len) && str_is(ev->rooms, w->rooms.p, w->rooms.len) &&
           str_is(ev->user, w->user.p, w->user.len) && str_is(ev->reason, w->reason.p, w->reason.len) &&
           ev->ack == w->ack && ev->ts == w->ts && ev->v == 1;
}

/* Differential: the fast reader (full and lazy) against the general one, on
 * generated envelopes in the exact encoding and on variants of them that
 * leave it (whitespace, an extra key), with a fixed seed. */
static void test_envelope_differential(void) {
    int i;
    for (i = 0; i < 20000; i++) {
        gen g = {0, 0, 0};
        want_env w;
        iohub_event fast, slow, lazy;
        char *a, *b, *c;
        int variant = (int)rnd(8), ra, rb, rc, head;
        g_envelope(&g, &w, i % 97 == 0 ? 70000 : 0);
        if (variant == 1) { /* a key a newer hub adds inside socket */
            char *at = strstr(g.p, "},\"reason\":");
            gen h = {0, 0, 0};
            g_add(&h, g.p, (size_t)(at - g.p));
            g_puts(&h, ",\"extra\":{\"id\":\"no\"}");
            g_puts(&h, at);
            free(g.p);
            g = h;
        } else if (variant == 2) { /* ... or after ts */
            g.len--;
            g_puts(&g, ",\"more\":[\"ts\",1]}");
        } else if (variant == 3) { /* whitespace first: the general reader only */
            gen h = {0, 0, 0};
            g_puts(&h, " ");
            g_add(&h, g.p, g.len);
            free(g.p);
            g = h;
        } else if (variant == 4) { /* whitespace last: the general reader for the rest */
            g_puts(&g, "\n");
        }
        a = dup_exact(g.p, g.len), b = dup_exact(g.p, g.len), c = dup_exact(g.p, g.len);
        ra = iohub_parse_event(a, g.len, &fast);
        rb = iohub__parse_slow(b, g.len, &slow);
        rc = iohub_parse_event_lazy(c, g.len, &lazy);
        CHECK(ra == 0 && rb == 0 && rc == 0, "envelope %d: %d %d %d: %s", i, ra, rb, rc, g.p);
        if (ra == 0 && rb == 0 && rc == 0) {
            head = lazy.iohub_state_ == 1;
            CHECK(head == (variant != 3), "envelope %d (variant %d): fast path %d", i, variant, head);
            if (head) /* not read yet */
                CHECK(lazy.socket_id.len == 0 && lazy.ts == 0 && strcmp(lazy.rooms.ptr, "[]") == 0,
                      "envelope %d: lazy read too much", i);
            CHECK(iohub_ts(&lazy) == w.ts && iohub_event_load(&lazy) == 0, "envelope %d lazy ts", i);
            CHECK(same_event(&fast, &slow), "envelope %d: fast and general readers differ: %s", i, g.p);
            CHECK(same_event(&lazy, &slow), "envelope %d: lazy and general readers differ: %s", i, g.p);
            CHECK(want_matches(&fast, &w), "envelope %d: not what was written: %s", i, g.p);
        }
        free(a), free(b), free(c);
        want_free(&w);
        free(g.p);
    }
}

/* Table: escapes, unicode, missing optional keys, extra keys, a large args. */
static void test_envelope_table(void) {
    static const struct {
        const char *env;
        int rc, fast; /* parse result; 1 when the fast reader takes the head */
        const char *event, *args, *id, *rooms, *reason;
        long long ts;
    } cases[] = {
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"a\\\"b\\\\c\",\"args\":[\"\\\\\\\"\",\"]}\"],\"ack\":true,"
         "\"socket\":{\"id\":\"s\\\\1\",\"role\":\"r\",\"userId\":\"\",\"rooms\":[\"x\\\"]\",\"s\\\\1\"],\"user\":null},"
         "\"reason\":\"\",\"ts\":12}",
         0, 1, "a\"b\\c", "[\"\\\\\\\"\",\"]}\"]", "s\\1", "[\"x\\\"]\",\"s\\\\1\"]", "", 12},
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"\xc3\xa9v\\u00e9nt \xf0\x9f\x98\x80\\ud83d\\ude00\",\"args\":[],"
         "\"ack\":false,\"socket\":{\"id\":\"i\",\"role\":\"\xe2\x82\xac\",\"userId\":\"7\",\"rooms\":[],\"user\":"
         "{\"a\":{\"b\":[1,{}]}}},\"reason\":\"x\\ny\",\"ts\":0}",
         0, 1, "\xc3\xa9v\xc3\xa9nt \xf0\x9f\x98\x80\xf0\x9f\x98\x80", "[]", "i", "[]", "x\ny", 0},
        /* the socket part missing altogether, and ts */
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"args\":[1],\"ack\":true}", 0, 1, "e", "[1]", "", "[]", "", 0},
        /* reason/ts missing */
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"args\":[1],\"ack\":true,\"socket\":{\"id\":\"i\",\"role\":\"r\","
         "\"userId\":\"\",\"rooms\":[\"i\"],\"user\":null}}",
         0, 1, "e", "[1]", "i", "[\"i\"]", "", 0},
        /* v2 envelope, extra keys everywhere after ack */
        {"{\"v\":2,\"kind\":\"event\",\"event\":\"e\",\"args\":[],\"ack\":true,\"socket\":{\"id\":\"i\",\"role\":\"r\","
         "\"userId\":\"\",\"rooms\":[],\"user\":null,\"ns\":\"/\"},\"reason\":\"\",\"ts\":5,\"trace\":\"t\"}",
         0, 1, "e", "[]", "i", "[]", "", 5},
        /* a key before args (not the exact encoding): the general reader */
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"new\":1,\"args\":[2],\"ack\":true}", 0, 0, "e", "[2]", "", "[]", "",
         0},
        /* escaped key name */
        {"{\"v\":1,\"kind\":\"event\",\"\\u0065vent\":\"e\",\"args\":[2],\"ack\":true}", 0, 0, "e", "[2]", "", "[]", "", 0},
        /* malformed: in the head, in the socket part, after the end */
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\\q\",\"args\":[],\"ack\":true}", IOHUB_E_INVALID, 0, 0, 0, 0, 0, 0, 0},
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"args\":[}],\"ack\":true}", IOHUB_E_INVALID, 0, 0, 0, 0, 0, 0, 0},
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"args\":[],\"ack\":true,\"socket\":{\"id\":\"i\",\"role\":\"r\","
         "\"userId\":\"\",\"rooms\":[\"i],\"user\":null},\"reason\":\"\",\"ts\":5}",
         IOHUB_E_INVALID, 1, 0, 0, 0, 0, 0, 0},
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"args\":[],\"ack\":true,\"socket\":{\"id\":\"i\",\"role\":\"r\","
         "\"userId\":\"\",\"rooms\":[],\"user\":null},\"reason\":\"\",\"ts\":5}}",
         IOHUB_E_INVALID, 1, 0, 0, 0, 0, 0, 0},
        {"{\"v\":1,\"kind\":\"event\",\"event\":\"e\",\"args\":[],\"ack\":true,}", IOHUB_E_INVALID, 1, 0, 0, 0, 0, 0, 0},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].env);
        char *p = dup_exact(cases[i].env, len), *q = dup_exact(cases[i].env, len);
        iohub_event ev, lz;
        int rc = iohub_parse_event(p, len, &ev), lrc;
        CHECK(rc == cases[i].rc, "case %zu: rc %d", i, rc);
        lrc = iohub_parse_event_lazy(q, len, &lz);
        CHECK((lz.iohub_state_ == 1) == cases[i].fast, "case %zu: fast path %d", i, lz.iohub_state_);
        if (cases[i].rc < 0) {
            /* refused up front by the general reader, or by the lazy load */
            CHECK(lrc < 0 || (iohub_event_load(&lz) == IOHUB_E_INVALID && lz.socket_id.len == 0 &&
                              strcmp(iohub_rooms(&lz).ptr, "[]") == 0),
                  "case %zu: lazy accepted", i);
        } else if (rc == 0) {
            CHECK(strcmp(ev.event.ptr, cases[i].event) == 0, "case %zu: event %s", i, ev.event.ptr);
            CHECK(strcmp(ev.args.ptr, cases[i].args) == 0, "case %zu: args %s", i, ev.args.ptr);
            CHECK(strcmp(ev.socket_id.ptr, cases[i].id) == 0, "case %zu: id %s", i, ev.socket_id.ptr);
            CHECK(strcmp(ev.rooms.ptr, cases[i].rooms) == 0, "case %zu: rooms %s", i, ev.rooms.ptr);
            CHECK(strcmp(ev.reason.ptr, cases[i].reason) == 0, "case %zu: reason %s", i, ev.reason.ptr);
            CHECK(ev.ts == cases[i].ts, "case %zu: ts %lld", i, (long long)ev.ts);
            CHECK(lrc == 0 && strcmp(iohub_socket_id(&lz).ptr, cases[i].id) == 0 && same_event(&ev, &lz),
                  "case %zu: lazy differs", i);
        }
        free(p), free(q);
    }

    /* args of 1 MB (maxHttpBufferSize's default), escapes all along */
    {
        gen g = {0, 0, 0}, args = {0, 0, 0};
        size_t k;
        iohub_event ev;
        char *p;
        g_puts(&args, "[\"");
        for (k = 0; k < 100000; k++) g_puts(&args, k % 7 ? "abcdefghi" : "\\\"]},\\\\\\n");
        g_puts(&args, "\",{\"k\":[[[");
        for (k = 0; k < 1000; k++) g_puts(&args, "{\"a\":[1,\"x\"]},");
        g_puts(&args, "0]]]}]");
        g_puts(&g, "{\"v\":1,\"kind\":\"event\",\"event\":\"big\",\"args\":");
        g_add(&g, args.p, args.len);
        g_puts(&g, ",\"ack\":true,\"socket\":{\"id\":\"i\",\"role\":\"r\",\"userId\":\"\",\"rooms\":[],\"user\":null},"
                   "\"reason\":\"\",\"ts\":1}");
        p = dup_exact(g.p, g.len);
        CHECK(iohub_parse_event_lazy(p, g.len, &ev) == 0 && ev.iohub_state_ == 1 && str_is(ev.args, args.p, args.len),
              "huge args (%zu bytes)", args.len);
        CHECK(iohub_ts(&ev) == 1 && strcmp(ev.socket_id.ptr, "i") == 0, "huge args: rest");
        free(p);
        free(g.p), free(args.p);
    }
}

int main(void) {
    test_skip();
    test_field();
    test_index();
    test_string();
    test_numbers();
    test_escape();
    test_buf();
    test_envelope();
    test_mutations();
    test_string_scanner();
    test_fast_skip();
    test_envelope_table();
    test_envelope_differential();
    test_exports();
    test_wrappers();
    test_binary();
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("ok: %d checks\n", checks);
    return 0;
}
