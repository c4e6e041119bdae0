/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vDSO robust unlock, as userspace finds it: the names and symbol
 * version of futex_robust_list{64,32}_try_unlock() on each architecture,
 * looked up with the vDSO parser of tools/testing/selftests/vDSO.
 */
#ifndef _ROBUST_VDSO_H
#define _ROBUST_VDSO_H

#include <sys/auxv.h>

#include "../../vDSO/parse_vdso.h"

/* The vDSO's naming and symbol version, as for its other functions. */
#ifdef __aarch64__
#define VDSO_VERSION	"LINUX_2.6.39"
#define VDSO_FN(name)	"__kernel_" name
#else
#define VDSO_VERSION	"LINUX_2.6"
#define VDSO_FN(name)	"__vdso_" name
#endif
#define TRY_UNLOCK64	VDSO_FN("futex_robust_list64_try_unlock")
#define TRY_UNLOCK32	VDSO_FN("futex_robust_list32_try_unlock")
/* The one for lists of the caller's own word size. */
#define TRY_UNLOCK_NATIVE	(sizeof(long) == 8 ? TRY_UNLOCK64 : TRY_UNLOCK32)

/* The vDSO function @name, or NULL if this kernel's vDSO has none. */
static inline void *robust_vdso_fn(const char *name)
{
	static int parsed;

	if (!parsed) {
		vdso_init_from_sysinfo_ehdr(getauxval(AT_SYSINFO_EHDR));
		parsed = 1;
	}
	return vdso_sym(VDSO_VERSION, name);
}

#endif /* _ROBUST_VDSO_H */
