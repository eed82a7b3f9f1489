// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime sanitizer debugfs interface: the lifetime_debug directory with
 * stats, the report history, the refcount classes, the domains and the tagged
 * objects (the annotations add their own file to it).
 */

#define pr_fmt(fmt) "lifetime_debug: " fmt

#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/seq_file.h>

#include "lifetime_debug.h"

static const char *const ltd_counter_names[] = {
	[LTD_COUNTER_REPORTS]		 = "reports",
	[LTD_COUNTER_REPORTS_DEDUP]	 = "reports_deduplicated",
	[LTD_COUNTER_REPORTS_SUPPRESSED] = "reports_suppressed",
	[LTD_COUNTER_STACK_DEPOT_FAIL]	 = "stack_depot_failures",
};

static_assert(ARRAY_SIZE(ltd_counter_names) == LTD_COUNTER_COUNT);

static const char *const ltd_rc_stat_names[] = {
	[LTD_RC_STAT_CLASSES]		= "refcount_classes",
	[LTD_RC_STAT_UNREGISTERED]	= "refcount_classes_unregistered",
	[LTD_RC_STAT_FALLBACK]		= "refcount_fallback_puts",
	[LTD_RC_STAT_PUTS]		= "refcount_puts",
	[LTD_RC_STAT_ATOMIC_PUTS]	= "refcount_atomic_puts",
	[LTD_RC_STAT_LEARNT_SLEEP]	= "refcount_classes_sleeping",
};

static_assert(ARRAY_SIZE(ltd_rc_stat_names) == LTD_RC_STAT_COUNT);

static const char *const ltd_dom_stat_names[] = {
	[LTD_DOM_STAT_DOMAINS]		= "domains_created",
	[LTD_DOM_STAT_TAGS]		= "objects_tagged",
	[LTD_DOM_STAT_UNTAGS]		= "objects_untagged",
	[LTD_DOM_STAT_UNTAGGABLE]	= "objects_untaggable",
	[LTD_DOM_STAT_STALE]		= "stale_tags",
	[LTD_DOM_STAT_NOMEM]		= "metadata_alloc_failures",
	[LTD_DOM_STAT_OWNER]		= "owner_accesses",
	[LTD_DOM_STAT_FOREIGN]		= "foreign_accesses",
	[LTD_DOM_STAT_UNTRACKED]	= "untracked_accesses",
	[LTD_DOM_STAT_RECORDS]		= "foreign_access_records",
	[LTD_DOM_STAT_RECORDS_LOST]	= "foreign_access_records_lost",
	[LTD_DOM_STAT_GUARDS_TRUNCATED]	= "guard_sets_truncated",
	[LTD_DOM_STAT_TEARDOWNS]	= "teardowns",
	[LTD_DOM_STAT_WINDOWS_FULL]	= "teardowns_unwatched",
	[LTD_DOM_STAT_MODULE_CHECKS]	= "module_unload_checks",
	[LTD_DOM_STAT_CACHE_HITS]	= "verdict_cache_hits",
};

static_assert(ARRAY_SIZE(ltd_dom_stat_names) == LTD_DOM_STAT_COUNT);

static const char *const ltd_fr_stat_names[] = {
	[LTD_FR_STAT_CDEVS]		= "fileref_cdevs",
	[LTD_FR_STAT_FILES]		= "fileref_files",
	[LTD_FR_STAT_NOMEM]		= "fileref_not_recorded",
	[LTD_FR_STAT_UNREPORTED]	= "fileref_frees_unreported",
};

static_assert(ARRAY_SIZE(ltd_fr_stat_names) == LTD_FR_STAT_COUNT);

/*
 * Like DEFINE_SHOW_ATTRIBUTE() but with read_iter, so that kernel_read()
 * works too (the KUnit suite reads these files as a user would). The files
 * live as long as the kernel, so no debugfs removal protection is needed.
 */
#define LTD_DEFINE_SHOW(__name)						\
static int __name##_open(struct inode *inode, struct file *file)	\
{									\
	return single_open(file, __name##_show, inode->i_private);	\
}									\
static const struct file_operations __name##_fops = {			\
	.open		= __name##_open,				\
	.read_iter	= seq_read_iter,				\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

static int ltd_stats_show(struct seq_file *seq, void *v)
{
	int i;

	seq_printf(seq, "enabled: %d\n", lifetime_debug_enabled());
	seq_printf(seq, "multi_shot: %d\n", READ_ONCE(ltd_multi_shot));
	for (i = 0; i < LTD_COUNTER_COUNT; i++)
		seq_printf(seq, "%s: %ld\n", ltd_counter_names[i],
			   atomic_long_read(&ltd_counters[i]));
	/* Per bug type; the kebab-case name as in the report title. */
	for (i = 0; i < LTD_BUG_TYPE_COUNT; i++)
		seq_printf(seq, "bugs[%s]: %ld\n", ltd_bug_type_names[i],
			   atomic_long_read(&ltd_type_counters[i]));
	for (i = 0; i < LTD_RC_STAT_COUNT; i++)
		seq_printf(seq, "%s: %lu\n", ltd_rc_stat_names[i], ltd_rc_stat_read(i));
	for (i = 0; i < LTD_DOM_STAT_COUNT; i++)
		seq_printf(seq, "%s: %lu\n", ltd_dom_stat_names[i],
			   ltd_dom_stat_read(i));
	for (i = 0; i < LTD_FR_STAT_COUNT; i++)
		seq_printf(seq, "%s: %lu\n", ltd_fr_stat_names[i], ltd_fr_stat_read(i));
	seq_printf(seq, "fileref_records_live: %d\n", READ_ONCE(lifetime_debug_nr_reach));
	/* The sanitizer's own live metadata, all kinds: tags, domains, records, classes. */
	seq_printf(seq, "meta_bytes: %ld\n", ltd_meta_bytes_read());
	for (i = 0; i < LTD_DEGRADED_COUNT; i++)
		seq_printf(seq, "degraded[%s]: %lu\n", ltd_degraded_names[i],
			   ltd_degraded_count(i));
	return 0;
}

LTD_DEFINE_SHOW(ltd_stats);

static int ltd_reports_show(struct seq_file *seq, void *v)
{
	ltd_print_history(seq);
	return 0;
}

LTD_DEFINE_SHOW(ltd_reports);

static int ltd_classes_show(struct seq_file *seq, void *v)
{
	ltd_rc_show_classes(seq);
	return 0;
}

LTD_DEFINE_SHOW(ltd_classes);

static int ltd_domains_show(struct seq_file *seq, void *v)
{
	ltd_show_domains(seq);
	return 0;
}

LTD_DEFINE_SHOW(ltd_domains);

static int ltd_tags_show(struct seq_file *seq, void *v)
{
	ltd_show_tags(seq);
	return 0;
}

LTD_DEFINE_SHOW(ltd_tags);

static int __init ltd_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("lifetime_debug", NULL);

	debugfs_create_file_unsafe("stats", 0444, dir, NULL, &ltd_stats_fops);
	/* Reports hold kernel addresses: root only. */
	debugfs_create_file_unsafe("reports", 0400, dir, NULL, &ltd_reports_fops);
	debugfs_create_file_unsafe("refcount_classes", 0400, dir, NULL, &ltd_classes_fops);
	debugfs_create_file_unsafe("domains", 0444, dir, NULL, &ltd_domains_fops);
	debugfs_create_file_unsafe("objects", 0400, dir, NULL, &ltd_tags_fops);
	return 0;
}
late_initcall(ltd_debugfs_init);
