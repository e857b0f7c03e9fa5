# SPDX-License-Identifier: MIT
# The test list: one pcsim_cmocka_test() per cmocka program (see tests/CMakeLists.txt).
pcsim_cmocka_test(NAME micro_model SOURCES unit/test_micro_model.c)
