#include "tests/test.h"
const struct test_case task_tests[] = { { NULL, NULL } };
