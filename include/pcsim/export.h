/* SPDX-License-Identifier: MIT */
/* pcsim/export.h - symbol visibility for the public API. */
#ifndef PCSIM_EXPORT_H
#define PCSIM_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define PCSIM_API __attribute__((visibility("default")))
#define PCSIM_NORETURN __attribute__((noreturn))
#else
#define PCSIM_API
#define PCSIM_NORETURN
#endif

#endif /* PCSIM_EXPORT_H */
