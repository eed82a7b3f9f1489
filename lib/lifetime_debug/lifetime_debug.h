/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Lifetime sanitizer: internal declarations shared by core, report and debugfs.
 */
#ifndef LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H
#define LIB_LIFETIME_DEBUG_LIFETIME_DEBUG_H

#include <linux/atomic.h>
#include <linux/kasan.h>
#include <linux/lifetime_debug.h>
#include <linux/lifetime_debug_domain.h>
#include <linux/lockdep.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/stackdepot.h>
#include <linux/string.h>
#include <linux/types.h>

struct seq_file;

/* The fixed set of report types; names are printed as "BUG: LIFETIME: <name>". */
enum ltd_bug_type {
	LTD_BUG_UNPROTECTED_ACCESS,	/* foreign access no teardown closes */
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
	LTD_DEGRADED_HELPERS,		/* helper range table full */
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
#define LTD_FOLDED_LEN		1024
/* The title of a report whose site has no symbol (a module gone, a test). */
#define LTD_UNKNOWN_SITE	"(unknown site)"

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
 * @folded:	lines after @object: other access sites folded into this
 *		report (one per line, each ending in a newline), or NULL;
 *		ltd_report() keeps a copy in the history
 * @seq:	report number since boot (filled by ltd_report())
 * @site_sym:	the title's site as "%pS" (filled by ltd_report()), or
 *		LTD_UNKNOWN_SITE: the history keeps the name even after the
 *		module is gone
 */
struct ltd_report {
	enum ltd_bug_type type;
	unsigned long site;
	unsigned long dedup;
	char what[LTD_LINE_LEN];
	char object[LTD_LINE_LEN];
	struct ltd_report_stack stacks[LTD_REPORT_STACKS];
	const char *folded;
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
bool ltd_helper_frame(unsigned long ip, bool copy_lock);
bool ltd_sample_tag(void);

/* === Refcount classes: refcount_class.c (the class store), refcount.c (puts) === */

#define LTD_RC_SEEN		6	/* atomic put sites looked at per class */
#define LTD_RC_ATOMIC_PUTS	LTD_RC_SEEN	/* each kept for a retroactive report */
#define LTD_RC_MAX_NEST		3	/* subclasses 0..3: a class costs <= 4 lockdep classes */
static_assert(LTD_RC_MAX_NEST < MAX_LOCKDEP_SUBCLASSES);

/* One atomic put, kept until the class learns whether its release sleeps. */
struct ltd_rc_put {
	unsigned long site;
	char why[48];
	struct ltd_report_stack stack;
};

/* A stack a class keeps: struct ltd_report_stack without its title. */
struct ltd_rc_stack {
	depot_stack_handle_t handle;
	pid_t pid;
	int cpu;
	u64 ts_nsec;
	char comm[TASK_COMM_LEN];
};

#define LTD_RC_PREFIX		"refcount:"
#define LTD_RC_NAME_INLINE	40	/* longer names are allocated */

/**
 * struct ltd_rc_class - a refcount type
 * @node:	in ltd_rc_hash, RCU; changed under ltd_rc_lock
 * @key:	the release function (or call site) this class stands for
 * @lock_key:	registered with lockdep_register_key()
 * @map:	the class map: acquired by puts, held across the release
 * @name:	"refcount:<release symbol>", the lockdep class name: @name_buf
 *		or, when longer, allocated
 * @puts:	puts seen
 * @atomic_puts: puts seen in atomic context
 * @sleep_site:	the might_sleep() caller seen first; under ltd_rc_lock
 * @sleep:	where the release first slept; under ltd_rc_lock
 * @seen:	atomic put sites already looked at; written under ltd_rc_lock,
 *		read without it up to @nr_seen
 * @atomic:	atomic puts not yet reported, allocated on demand (LTD_RC_ATOMIC_PUTS
 *		entries); under ltd_rc_lock
 * @nr_seen:	valid entries of @seen (release-stored after the entry)
 * @nr_atomic:	valid entries of @atomic; under ltd_rc_lock
 * @may_sleep:	the release called might_sleep(); under ltd_rc_lock
 * @nosleep:	declared must-not-sleep; under ltd_rc_lock
 * @in_use:	the pool slot holds a class; cleared after unregistration
 * @name_buf:	@name when it fits
 */
struct ltd_rc_class {
	struct hlist_node node;
	const void *key;
	struct lock_class_key lock_key;
	struct lockdep_map map;
	const char *name;
	atomic_long_t puts;
	atomic_long_t atomic_puts;
	unsigned long sleep_site;
	struct ltd_rc_stack sleep;
	unsigned long seen[LTD_RC_SEEN];
	struct ltd_rc_put *atomic;
	u8 nr_seen;
	u8 nr_atomic;
	bool may_sleep;
	bool nosleep;
	bool in_use;
	char name_buf[LTD_RC_NAME_INLINE];
};

/* Lock statistics grow the lockdep map; without them a class fits 256 bytes. */
static_assert(sizeof(struct ltd_rc_class) <= 256 || IS_ENABLED(CONFIG_LOCK_STAT));

enum ltd_rc_stat {
	LTD_RC_STAT_CLASSES,		/* classes allocated */
	LTD_RC_STAT_UNREGISTERED,	/* classes freed at module unload */
	LTD_RC_STAT_FALLBACK,		/* puts given the fallback class */
	LTD_RC_STAT_PUTS,		/* puts seen */
	LTD_RC_STAT_ATOMIC_PUTS,	/* puts seen in atomic context */
	LTD_RC_STAT_LEARNT_SLEEP,	/* classes that learnt their release sleeps */
	LTD_RC_STAT_COUNT,
};

/* refcount_class.c */
extern unsigned int ltd_rc_budget;
extern struct ltd_rc_class *ltd_rc_pool;
extern struct ltd_rc_class *ltd_rc_fallback;
extern bool ltd_rc_nomem;
extern raw_spinlock_t ltd_rc_lock;
DECLARE_PER_CPU(unsigned long, ltd_rc_stats[LTD_RC_STAT_COUNT]);

static inline void ltd_rc_count(enum ltd_rc_stat s)
{
	this_cpu_inc(ltd_rc_stats[s]);
}

unsigned long ltd_rc_stat_read(enum ltd_rc_stat s);
struct ltd_rc_class *ltd_rc_class_get(const void *key);
int ltd_rc_enable(void);
void ltd_rc_show_classes(struct seq_file *seq);
int ltd_rc_set_nosleep(const void *release, bool on);
int ltd_rc_init(void);

/* refcount.c */
extern u32 ltd_rc_epoch;
extern void *ltd_device_release;
const void *ltd_rc_running(char *name, size_t len);

/* === Domains: tag.c (the tag store), access.c (judging), teardown.c === */

#define LTD_NAME_LEN		48
#define LTD_DRIVER_LEN		32
#define LTD_MAX_GUARDS		6
#define LTD_ACCESS_POOL		256
#define LTD_MAX_WINDOWS		8
/* A KASAN granule: bytes per shadow byte. */
#define LTD_GRANULE		BIT(KASAN_SHADOW_SCALE_SHIFT)
#define LTD_GRANULE_MASK	(LTD_GRANULE - 1)

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
 * struct ltd_stack_ref - a stack kept per object: the depot handle and task
 * @handle:	stackdepot handle, 0 if none
 * @pid:	task that recorded it
 */
struct ltd_stack_ref {
	depot_stack_handle_t handle;
	pid_t pid;
};

void ltd_save_stack_ref(struct ltd_stack_ref *s, gfp_t gfp);
void ltd_stack_from_ref(struct ltd_report_stack *s, const char *title,
			const struct ltd_stack_ref *ref);

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
 * struct ltd_guardset - the guards an access holds, as collected
 * @hash:	of the set (order independent)
 * @nr:		guards counted, at most LTD_MAX_GUARDS
 * @g:		where to store them, or NULL: hash and count only
 */
struct ltd_guardset {
	u32 hash;
	u8 nr;
	struct ltd_guard *g;
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
	struct ltd_stack_ref alloc;
};

/**
 * struct ltd_domain - a lifetime domain: the devres of a device, a ures
 * @node:	in the domain hash, by @owner (ltd_dom_lock)
 * @owner:	the struct device or struct ures
 * @kind:	domain kind
 * @state:	live or tearing down (ltd_dom_lock)
 * @section:	ures: the lockdep map of its read-side sections
 * @lock:	protects @accesses, @nr_syncs, @dead and the records' guards
 * @dead:	unhashed: no record may be added (@lock)
 * @nr_syncs:	guards of @accesses the open teardown closed (@lock)
 * @epoch:	changes when @accesses is emptied: cached verdicts of an older
 *		epoch are stale (written under both locks)
 * @nr_tags:	tagged objects (ltd_dom_lock)
 * @bytes:	tagged bytes (ltd_dom_lock)
 * @accesses:	distinct foreign accesses since the last teardown (@lock)
 * @rcu:	the domain is freed after a grace period
 * @name:	owner name
 * @driver:	driver bound when tagged or torn down, "" if none
 * @teardown:	the stack that opened the last teardown (ltd_dom_lock)
 */
struct ltd_domain {
	struct hlist_node node;
	const void *owner;
	enum ltd_domain_kind kind;
	enum ltd_domain_state state;
	const struct lockdep_map *section;
	arch_spinlock_t lock;
	bool dead;
	unsigned int nr_syncs;
	u64 epoch;
	unsigned long nr_tags;
	size_t bytes;
	struct ltd_access *accesses;
	struct rcu_head rcu;
	char name[LTD_NAME_LEN];
	char driver[LTD_DRIVER_LEN];
	struct ltd_report_stack teardown;
};

/**
 * struct ltd_tag - one tagged object, in the tree of tags by address
 * @node:	rbtree node
 * @start:	first byte
 * @dom:	owning domain
 * @seq:	unique while tagged, 0 once untagged: a cached pointer to the
 *		tag is still this tag while @seq matches
 * @size:	bytes
 * @alloc:	allocation stack
 *
 * Changed under ltd_dom_lock, read without it (SLAB_TYPESAFE_BY_RCU).
 */
struct ltd_tag {
	struct rb_node node;
	unsigned long start;
	struct ltd_domain *dom;
	u64 seq;
	u32 size;
	struct ltd_stack_ref alloc;
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
	LTD_DOM_STAT_CACHE_HITS,	/* accesses judged from this CPU's verdicts */
	LTD_DOM_STAT_COUNT,
};

#if IS_ENABLED(CONFIG_KUNIT)
extern atomic_t ltd_dom_fail_allocs;
#endif

/* tag.c */
void ltd_dom_stat(enum ltd_dom_stat s);
unsigned long ltd_dom_stat_read(enum ltd_dom_stat s);
void ltd_meta_account(long bytes);
long ltd_meta_bytes_read(void);
void *ltd_meta_alloc(size_t size);
void ltd_meta_free(const void *p);
int ltd_tag_init(void);
unsigned long ltd_lock(void);
void ltd_unlock(unsigned long flags);
struct ltd_domain *ltd_domain_find(const void *owner);
struct ltd_domain *ltd_domain_maybe_unlink(struct ltd_domain *d);
void ltd_domain_free(struct ltd_domain *d);
u64 ltd_new_epoch(void);
struct ltd_tag *ltd_tag_lookup(unsigned long addr, u64 *seq);
void ltd_show_domains(struct seq_file *seq);
void ltd_show_tags(struct seq_file *seq);
const void *ltd_dom_lookup(const void *addr, unsigned long *start, size_t *size);
void ltd_print_story(enum ltd_domain_kind kind, const char *name,
		     const char *driver, const char *how, unsigned long offset,
		     size_t size, unsigned long start,
		     const struct ltd_report_stack *teardown);

/* access.c */
void ltd_cache_forget(const struct ltd_tag *tag);
unsigned int ltd_domain_nr_accesses(struct ltd_domain *d);
void ltd_access_release(struct ltd_access *a);
void ltd_access_report(const struct ltd_access *a, enum ltd_domain_kind kind,
		       const char *dom_name, const char *driver,
		       const struct ltd_report_stack *teardown, const char *folded);
bool ltd_guard_add(struct ltd_guardset *gs, const void *instance, const void *key,
		   const char *name, bool by_key);
DECLARE_PER_CPU(int, ltd_dom_busy);

/* teardown.c */
extern int ltd_nr_owner_frames;
struct ltd_window *ltd_window_find(struct task_struct *task,
				   const struct ltd_domain *dom);
bool ltd_in_owner_frame(const void *owner);

/* context.c */
void ltd_ctx_collect(struct ltd_guardset *gs, unsigned int irq_ctx);

static inline unsigned long ltd_shadow_mem_start(void)
{
	return (KASAN_SHADOW_START - KASAN_SHADOW_OFFSET) << KASAN_SHADOW_SCALE_SHIFT;
}

static inline u8 *ltd_shadow(unsigned long addr)
{
	return (u8 *)kasan_mem_to_shadow((void *)addr);
}

static inline void ltd_shadow_mark(unsigned long start, size_t size)
{
	u8 *s = ltd_shadow(start);
	size_t full = size >> KASAN_SHADOW_SCALE_SHIFT;

	memset(s, LIFETIME_DEBUG_SHADOW, full);
	if (size & LTD_GRANULE_MASK)
		s[full] = LIFETIME_DEBUG_SHADOW | (size & LTD_GRANULE_MASK);
}

/* Back to what kmalloc left: devres rounds up to the bucket, all accessible. */
static inline void ltd_shadow_clear(unsigned long start, size_t size)
{
	memset(ltd_shadow(start), 0, DIV_ROUND_UP(size, LTD_GRANULE));
}

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
