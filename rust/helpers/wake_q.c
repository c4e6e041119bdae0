// SPDX-License-Identifier: GPL-2.0

#include <linux/sched/wake_q.h>

void rust_helper_wake_q_init(struct wake_q_head *head)
{
	wake_q_init(head);
}
