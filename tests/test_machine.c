#include "tests/test.h"
const struct test_case machine_tests[] = { { NULL, NULL } };
