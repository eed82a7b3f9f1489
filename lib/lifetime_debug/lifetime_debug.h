/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime sanitizer: internal declarations shared by core, report and debugfs.
 */
#ifndef LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H
#define LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H

#include <linux/atomic.h>
#include <linux/lifetime_debug.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/types.h>

struct seq_file;

/* The fixed set of report types; names are printed as "BUG: LIFETIME: <name>". */
enum ltd_bug_type {
	LTD_BUG_UNPROTECTED_ACCESS,	/* foreign access no teardown closes */
	LTD_BUG_USE_AFTER_TEARDOWN,	/* access after the owning domain ended */
	LTD_BUG_SLEEPING_FINAL_PUT,	/* atomic put of a class whose release sleeps */
	LTD_BUG_NOSLEEP_RELEASE_SLEPT,	/* a must-not-sleep release slept */
	LTD_BUG_UNPINNED_MODULE_REF,	/* live reference into an unloaded module */
	LTD_BUG_TYPE_COUNT,
};

extern const char *const ltd_bug_type_names[LTD_BUG_TYPE_COUNT];

/* Counters shown in lifetime_debug/stats; names in debugfs.c. */
enum ltd_counter {
	LTD_COUNTER_REPORTS,		/* reports printed */
	LTD_COUNTER_REPORTS_DEDUP,	/* same type and site seen before */
	LTD_COUNTER_REPORTS_SUPPRESSED,	/* report-once or rate limit */
	LTD_COUNTER_STACK_DEPOT_FAIL,	/* stack not saved: depot full / no memory */
	LTD_COUNTER_COUNT,
};

extern atomic_long_t ltd_counters[LTD_COUNTER_COUNT];
extern atomic_long_t ltd_type_counters[LTD_BUG_TYPE_COUNT];

static inline void ltd_count(enum ltd_counter c)
{
	atomic_long_inc(&ltd_counters[c]);
}

/* Reasons the sanitizer runs degraded; each is announced once. */
enum ltd_degraded_reason {
	LTD_DEGRADED_NOMEM,		/* metadata allocation failed */
	LTD_DEGRADED_LOCKDEP_OFF,	/* debug_locks == 0: guards unseen */
	LTD_DEGRADED_CLASS_BUDGET,	/* refcount classes over budget: fallback */
	LTD_DEGRADED_COUNT,
};

void ltd_degraded(enum ltd_degraded_reason reason);
unsigned long ltd_degraded_count(enum ltd_degraded_reason reason);
extern const char *const ltd_degraded_names[LTD_DEGRADED_COUNT];

extern bool ltd_multi_shot;

/* === Reports === */

#define LTD_LINE_LEN		160
#define LTD_REPORT_STACKS	3
#define LTD_HISTORY_SIZE	16

/**
 * struct ltd_report_stack - one stack of a report, with who and when
 * @title:	"Accessed", "Allocated", "Released"...: printed "<title> by task";
 *		copied, as the ring outlives modules that report
 * @handle:	stackdepot handle, 0 if none
 * @pid:	task that recorded the stack
 * @cpu:	CPU it ran on
 * @ts_nsec:	local_clock() timestamp
 * @comm:	task name
 */
struct ltd_report_stack {
	char title[32];
	depot_stack_handle_t handle;
	pid_t pid;
	int cpu;
	u64 ts_nsec;
	char comm[TASK_COMM_LEN];
};

/**
 * struct ltd_report - one report, as printed and as kept in the history ring
 * @type:	bug type
 * @site:	first code address outside the sanitizer; 0: from @stacks[0]
 * @what:	line 2: what happened (access, put, context)
 * @dedup:	mixed with type and site for deduplication (e.g. the class)
 * @object:	line 3: the object, its domain and owner
 * @stacks:	access/put stack first, then allocation/teardown/sleep stacks
 * @seq:	report number since boot (filled by ltd_report())
 */
struct ltd_report {
	enum ltd_bug_type type;
	unsigned long site;
	unsigned long dedup;
	char what[LTD_LINE_LEN];
	char object[LTD_LINE_LEN];
	struct ltd_report_stack stacks[LTD_REPORT_STACKS];
	unsigned long seq;
};

void ltd_save_stack(struct ltd_report_stack *s, const char *title,
		    unsigned int skip, gfp_t gfp);
bool ltd_report(struct ltd_report *r);
void ltd_print_report(struct seq_file *seq, const struct ltd_report *r);
void ltd_print_history(struct seq_file *seq);
void ltd_report_reset_dedup(void);
unsigned long ltd_stack_first(depot_stack_handle_t handle);

/* === Refcount classes === */

enum ltd_rc_stat {
	LTD_RC_STAT_CLASSES,		/* classes allocated */
	LTD_RC_STAT_UNREGISTERED,	/* classes freed at module unload */
	LTD_RC_STAT_FALLBACK,		/* puts given the fallback class */
	LTD_RC_STAT_PUTS,		/* puts seen */
	LTD_RC_STAT_ATOMIC_PUTS,	/* puts seen in atomic context */
	LTD_RC_STAT_LEARNT_SLEEP,	/* classes that learnt their release sleeps */
	LTD_RC_STAT_COUNT,
};

unsigned long ltd_rc_stat_read(enum ltd_rc_stat s);
void ltd_rc_show_classes(struct seq_file *seq);
int ltd_rc_init(void);

/* === Core === */

int ltd_set_enabled(bool on);

#if IS_ENABLED(CONFIG_KUNIT)
void lifetime_debug_kunit_test_suite_start(void);
void lifetime_debug_kunit_test_suite_end(void);
#endif

#endif /* LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H */
