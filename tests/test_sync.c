#include "tests/test.h"
const struct test_case sync_tests[] = { { NULL, NULL } };
