/* SPDX-License-Identifier: GPL-2.0 */
/*
 * now_ticks(): the CPU's counter, for the benchmarks. Not the guest's
 * clocksource: under TCG the guest kernel may fail to calibrate its TSC and
 * fall back to jiffies, a 1 ms clock. The counter keeps ticking with host
 * time, or under QEMU -icount with the instructions run (x86: one tick per
 * instruction; arm64: the generic timer, one tick per 16), and only ratios
 * matter here. Tooling, not part of the series.
 */
#ifndef BENCH_TICKS_H
#define BENCH_TICKS_H

static inline long long now_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((long long)hi << 32) | lo;
#elif defined(__aarch64__)
	long long v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
	return v;
#else
#error "no counter for this architecture"
#endif
}

#endif
