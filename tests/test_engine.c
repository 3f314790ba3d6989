#include "tests/test.h"
const struct test_case engine_tests[] = { { NULL, NULL } };
