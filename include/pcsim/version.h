/* SPDX-License-Identifier: MIT */
/* pcsim/version.h - version of the headers. */
#ifndef PCSIM_VERSION_H
#define PCSIM_VERSION_H

#define PCSIM_VERSION_MAJOR 0
#define PCSIM_VERSION_MINOR 1
#define PCSIM_VERSION_PATCH 0
#define PCSIM_VERSION_STRING "0.1.0"

#endif
