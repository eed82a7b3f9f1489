/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime sanitizer: internal declarations shared by core, report and debugfs.
 */
#ifndef LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H
#define LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H

#include <linux/atomic.h>
#include <linux/lifetime_debug.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
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
	LTD_BUG_FREED_WHILE_OPEN,	/* memory an open file reaches is freed */
	LTD_BUG_UNPINNED_CDEV,		/* memory holding a cdev nothing ties to it */
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
	LTD_DEGRADED_RECORDS,		/* access record pool exhausted */
	LTD_DEGRADED_WINDOWS,		/* too many teardowns at once */
	LTD_DEGRADED_OWNER_FRAMES,	/* too many owner-annotated callbacks at once */
	LTD_DEGRADED_CONTEXTS,		/* context frames full: accesses lack its guard */
	LTD_DEGRADED_NOWAIT,		/* non-waiting stop records full */
	LTD_DEGRADED_COUNT,
};

void ltd_degraded(enum ltd_degraded_reason reason);
unsigned long ltd_degraded_count(enum ltd_degraded_reason reason);
extern const char *const ltd_degraded_names[LTD_DEGRADED_COUNT];

extern bool ltd_multi_shot;

/* === Reports === */

#define LTD_LINE_LEN		256
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
 * @site_sym:	@site as "%pS" when reported (filled by ltd_report()): the
 *		history keeps the name even after the module is gone
 */
struct ltd_report {
	enum ltd_bug_type type;
	unsigned long site;
	unsigned long dedup;
	char what[LTD_LINE_LEN];
	char object[LTD_LINE_LEN];
	struct ltd_report_stack stacks[LTD_REPORT_STACKS];
	unsigned long seq;
	char site_sym[128];
};

void ltd_save_stack(struct ltd_report_stack *s, const char *title,
		    unsigned int skip, gfp_t gfp);
void ltd_save_stack_at(struct ltd_report_stack *s, const char *title,
		       unsigned long ip, gfp_t gfp);
void ltd_print_stack(struct seq_file *seq, const struct ltd_report_stack *s);
bool ltd_report(struct ltd_report *r);
void ltd_print_report(struct seq_file *seq, const struct ltd_report *r);
void ltd_print_history(struct seq_file *seq);
void ltd_report_reset_dedup(void);
unsigned long ltd_stack_first(depot_stack_handle_t handle);
bool ltd_kernel_sym_in(unsigned long ip, const char *const *names,
		       unsigned int nr, bool prefix);

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
int ltd_rc_set_nosleep(const void *release, bool on);
const void *ltd_rc_running(char *name, size_t len);
int ltd_rc_init(void);

/* === Domains === */

#define LTD_NAME_LEN		64
#define LTD_MAX_GUARDS		6
#define LTD_ACCESS_POOL		256

enum ltd_domain_kind {
	LTD_DOMAIN_DEVRES,		/* devm_* memory of a struct device */
	LTD_DOMAIN_URES,		/* memory owned by a ures instance */
};

extern const char *const ltd_domain_kind_names[];

enum ltd_domain_state {
	LTD_DOMAIN_LIVE,
	LTD_DOMAIN_TEARING_DOWN,	/* a teardown window is open */
};

/**
 * struct ltd_guard - one lockdep map held at a foreign access
 * @instance:	the held map
 * @key:	its class key
 * @name:	its name, for reports
 * @by_key:	the held map is a stack copy (timer, work): match the key
 * @closed:	the open teardown synchronized with it
 */
struct ltd_guard {
	const void *instance;
	const void *key;
	const char *name;
	bool by_key;
	bool closed;
};

/**
 * struct ltd_access - a distinct foreign access to a domain
 * @next:	next in the domain's list, or in the free pool
 * @site:	access site, or the caller of the copy helper (copy_to_user(),
 *		simple_read_from_buffer()...) it is in: the report title's frame
 * @func:	start of the function holding @site: one report per function
 * @hash:	of the guard set
 * @nr_guards:	entries in @guards
 * @write:	write access
 * @reported:	already reported (no guard)
 * @ctx:	"process", "softirq" or "hardirq"
 * @size:	access size
 * @addr:	access address
 * @obj_start:	the tagged object
 * @obj_size:	its size
 * @guards:	the guard set, innermost first
 * @stack:	the access
 * @alloc:	the object's allocation
 */
struct ltd_access {
	struct ltd_access *next;
	unsigned long site;
	unsigned long func;
	u32 hash;
	u8 nr_guards;
	bool write;
	bool reported;
	char ctx[8];
	size_t size;
	unsigned long addr;
	unsigned long obj_start;
	size_t obj_size;
	struct ltd_guard guards[LTD_MAX_GUARDS];
	struct ltd_report_stack stack;
	struct ltd_report_stack alloc;
};

/**
 * struct ltd_domain - a lifetime domain (today: the devres of one device)
 * @node:	in the domain hash, by @owner
 * @owner:	the struct device or struct ures
 * @kind:	domain kind
 * @section:	ures: the lockdep map of its read-side sections
 * @state:	live or tearing down
 * @name:	owner name
 * @driver:	driver bound when tagged or torn down
 * @nr_tags:	tagged objects
 * @bytes:	tagged bytes
 * @accesses:	distinct foreign accesses since the last teardown
 * @nr_syncs:	guards of @accesses the open teardown closed
 * @teardown:	the stack that opened the last teardown
 *
 * All fields are protected by ltd_dom_lock.
 */
struct ltd_domain {
	struct hlist_node node;
	const void *owner;
	enum ltd_domain_kind kind;
	const struct lockdep_map *section;
	enum ltd_domain_state state;
	char name[LTD_NAME_LEN];
	char driver[LTD_NAME_LEN];
	unsigned long nr_tags;
	size_t bytes;
	struct ltd_access *accesses;
	unsigned int nr_syncs;
	struct ltd_report_stack teardown;
};

/**
 * struct ltd_tag - one tagged object, in the tree of tags by address
 * @node:	rbtree node
 * @start:	first byte
 * @size:	bytes
 * @dom:	owning domain
 * @next_free:	for freeing outside the lock
 * @alloc:	allocation stack
 */
struct ltd_tag {
	struct rb_node node;
	unsigned long start;
	size_t size;
	struct ltd_domain *dom;
	struct ltd_tag *next_free;
	struct ltd_report_stack alloc;
};

/**
 * struct ltd_window - a teardown running on a task
 * @task:	the task
 * @dom:	the domain it tears down
 */
struct ltd_window {
	struct task_struct *task;
	struct ltd_domain *dom;
};

/**
 * struct ltd_ended - a tagged object whose domain let it go, for KASAN's story
 * @start:	first byte
 * @size:	bytes
 * @name:	owner
 * @driver:	driver
 * @how:	what ended it
 * @kind:	domain kind
 * @valid:	entry used
 * @alloc:	allocation stack
 * @teardown:	teardown stack, if it ended in a teardown
 */
struct ltd_ended {
	unsigned long start;
	size_t size;
	char name[LTD_NAME_LEN];
	char driver[LTD_NAME_LEN];
	const char *how;
	enum ltd_domain_kind kind;
	bool valid;
	struct ltd_report_stack alloc;
	struct ltd_report_stack teardown;
};

enum ltd_dom_stat {
	LTD_DOM_STAT_DOMAINS,		/* domains created */
	LTD_DOM_STAT_TAGS,		/* objects tagged */
	LTD_DOM_STAT_UNTAGS,		/* objects untagged (freed) */
	LTD_DOM_STAT_UNTAGGABLE,	/* unaligned, KFENCE, no shadow */
	LTD_DOM_STAT_STALE,		/* stale tags replaced */
	LTD_DOM_STAT_NOMEM,		/* metadata allocation failures */
	LTD_DOM_STAT_OWNER,		/* owner-bound accesses */
	LTD_DOM_STAT_FOREIGN,		/* foreign accesses */
	LTD_DOM_STAT_UNTRACKED,		/* marked but no tag (racing free) */
	LTD_DOM_STAT_RECORDS,		/* distinct foreign accesses recorded */
	LTD_DOM_STAT_RECORDS_LOST,	/* not recorded: pool exhausted */
	LTD_DOM_STAT_GUARDS_TRUNCATED,	/* guard sets cut at LTD_MAX_GUARDS */
	LTD_DOM_STAT_TEARDOWNS,		/* teardown windows opened */
	LTD_DOM_STAT_WINDOWS_FULL,	/* teardowns not watched: no window */
	LTD_DOM_STAT_MODULE_CHECKS,	/* modules checked at unload */
	LTD_DOM_STAT_COUNT,
};

extern atomic_long_t ltd_dom_stats[LTD_DOM_STAT_COUNT];
#if IS_ENABLED(CONFIG_KUNIT)
extern atomic_t ltd_dom_fail_allocs;
#endif

void ltd_show_domains(struct seq_file *seq);
void ltd_show_tags(struct seq_file *seq);
void ltd_print_story(enum ltd_domain_kind kind, const char *name,
		     const char *driver, const char *how, unsigned long offset,
		     size_t size, unsigned long start,
		     const struct ltd_report_stack *teardown);
const void *ltd_dom_lookup(const void *addr, unsigned long *start, size_t *size);
void ltd_ctx_collect(struct ltd_access *a, unsigned int irq_ctx);
bool ltd_guard_add(struct ltd_access *a, const void *instance, const void *key,
		   const char *name, bool by_key);

/* The current lockdep interrupt context: guards of other contexts do not count. */
static inline unsigned int ltd_irq_context(void)
{
	return (lockdep_hardirq_context() ? 2 : 0) +
	       (lockdep_softirq_context(current) ? 1 : 0);
}

bool ltd_owner_push(const void *arg);
void ltd_owner_pop(void);
int ltd_annotate_line(const char *line);
#ifdef CONFIG_MODULES
int ltd_module_init(void);
#else
static inline int ltd_module_init(void) { return 0; }
#endif

/* === Memory files reach === */

enum ltd_fr_stat {
	LTD_FR_STAT_CDEVS,		/* embedded cdevs recorded */
	LTD_FR_STAT_FILES,		/* open files recorded */
	LTD_FR_STAT_NOMEM,		/* not recorded: no memory */
	LTD_FR_STAT_UNREPORTED,		/* frees not reported: no memory */
	LTD_FR_STAT_COUNT,
};

unsigned long ltd_fr_stat_read(enum ltd_fr_stat s);
void ltd_fr_module_gone(struct module *mod);

/* === Core === */

int ltd_set_enabled(bool on);

#if IS_ENABLED(CONFIG_KUNIT)
void lifetime_debug_kunit_test_suite_start(void);
void lifetime_debug_kunit_test_suite_end(void);
#endif

#endif /* LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H */
