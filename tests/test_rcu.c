#include "tests/test.h"
const struct test_case rcu_tests[] = { { NULL, NULL } };
