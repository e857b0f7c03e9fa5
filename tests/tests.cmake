# SPDX-License-Identifier: MIT
# The test list: one pcsim_cmocka_test() per cmocka program (see tests/CMakeLists.txt).
pcsim_cmocka_test(NAME micro_model SOURCES unit/test_micro_model.c)
# Conformance suite (both backends) and threads-backend stress tests.
include(${CMAKE_CURRENT_SOURCE_DIR}/conformance.cmake OPTIONAL)
pcsim_cmocka_test(NAME memory_models SOURCES unit/test_memory_models.c)
pcsim_cmocka_test(NAME checks SOURCES unit/test_checks.c)
