// A naive recursive Fibonacci in C, as a user might write it by accident:
// fib(60) takes years. Built with the C SDK (sdk/c/build.sh).
#define IOHUB_IMPLEMENTATION
#include "iohub.h"

static unsigned long long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

volatile unsigned depth = 60;

int iohub_on_event(const iohub_event *ev) {
    (void)ev;
    static const char one[] = "[1]";
    if (fib(depth) == 0) return IOHUB_ERROR;
    iohub_reply(one, sizeof one - 1);
    return IOHUB_OK;
}
