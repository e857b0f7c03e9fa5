/* SPDX-License-Identifier: MIT */
/*
 * pcsim/pcsim.h - umbrella header: the whole public API under the pcsim_ prefix.
 * The kernel-flavoured names live in <pcsim/kernel/...> and are never included from here.
 */
#ifndef PCSIM_PCSIM_H
#define PCSIM_PCSIM_H

#include <pcsim/cover.h>
#include <pcsim/explore.h>
#include <pcsim/file_bytes.h>
#include <pcsim/list.h>
#include <pcsim/mem.h>
#include <pcsim/pagecache.h>
#include <pcsim/scenario.h>
#include <pcsim/sched.h>
#include <pcsim/settings.h>
#include <pcsim/trace.h>
#include <pcsim/uring.h>
#include <pcsim/version.h>
#include <pcsim/waitq.h>

#endif
