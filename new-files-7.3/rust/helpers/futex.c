// SPDX-License-Identifier: GPL-2.0

#include <linux/futex.h>

#ifdef CONFIG_FUTEX
#include "../../kernel/futex/futex.h"

__rust_helper int rust_helper_futex_cmpxchg_value_locked(u32 *curval, u32 __user *uaddr,
							 u32 uval, u32 newval)
{
	return futex_cmpxchg_value_locked(curval, uaddr, uval, newval);
}

__rust_helper bool rust_helper_futex_unlock_user_release(u32 __user *uaddr)
{
	return futex_unlock_user_release(uaddr);
}
#endif
