// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the lifetime sanitizer's core: boot parameters, reports as
 * printed on the console, deduplication, report-once and the history ring.
 */

#define pr_fmt(fmt) "lifetime_debug_test: " fmt

#include <kunit/test.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <kunit/device.h>
#include <trace/events/printk.h>

#include "lifetime_debug.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* === Console capture (as in mm/kfence/kfence_test.c) === */

#define CAPTURE_LINES	64
#define CAPTURE_LEN	256

static struct {
	spinlock_t lock;	/* protects nlines and lines */
	int nlines;
	char lines[CAPTURE_LINES][CAPTURE_LEN];
} observed = {
	.lock = __SPIN_LOCK_UNLOCKED(observed.lock),
};

static void probe_console(void *ignore, const char *buf, size_t len)
{
	unsigned long flags;

	spin_lock_irqsave(&observed.lock, flags);
	if (observed.nlines < CAPTURE_LINES)
		strscpy(observed.lines[observed.nlines++], buf,
			min(len + 1, sizeof(observed.lines[0])));
	spin_unlock_irqrestore(&observed.lock, flags);
}

/* Index of the first captured line at or after @from containing @s, or -1. */
static int observed_find(int from, const char *s)
{
	unsigned long flags;
	int i, ret = -1;

	spin_lock_irqsave(&observed.lock, flags);
	for (i = from; i < observed.nlines && ret < 0; i++)
		if (strstr(observed.lines[i], s))
			ret = i;
	spin_unlock_irqrestore(&observed.lock, flags);
	return ret;
}

static int observed_count(const char *s)
{
	int n = 0, i = 0;

	for (; (i = observed_find(i, s)) >= 0; i++)
		n++;
	return n;
}

/* A console line containing @s was seen. */
#define EXPECT_SEEN(test, s) KUNIT_EXPECT_GE(test, observed_find(0, s), 0)

/* === Reading and writing our files like a user does === */

static ssize_t file_rw(const char *path, char *buf, size_t len, bool write)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t ret;

	f = filp_open(path, write ? O_WRONLY : O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	if (write) {
		ret = kernel_write(f, buf, len, &pos);
	} else {
		ret = kernel_read(f, buf, len - 1, &pos);
		buf[ret > 0 ? ret : 0] = '\0';
	}
	filp_close(f, NULL);
	return ret;
}

#define PARAM_DIR "/sys/module/lifetime_debug/parameters/"
#define STATS "/sys/kernel/debug/lifetime_debug/stats"
#define REPORTS "/sys/kernel/debug/lifetime_debug/reports"

static long stats_value(struct kunit *test, const char *name)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	char key[64];
	char *p, *end;
	long v = -1;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* A leading newline lets every "\nname: " match, the first line too. */
	buf[0] = '\n';
	KUNIT_ASSERT_GT(test, file_rw(STATS, buf + 1, PAGE_SIZE - 1, false), 0);
	snprintf(key, sizeof(key), "\n%s: ", name);
	p = strstr(buf, key);
	KUNIT_ASSERT_NOT_NULL_MSG(test, p, "no '%s' in stats", name);
	p += strlen(key);
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	KUNIT_ASSERT_EQ(test, kstrtol(p, 10, &v), 0);
	return v;
}

static void set_multi_shot(struct kunit *test, bool on)
{
	char *v = on ? "1" : "0";

	KUNIT_ASSERT_EQ(test, file_rw(PARAM_DIR "multi_shot", v, 1, true), 1);
}

/* === Reports === */

static __always_inline void make_report(struct ltd_report *r, enum ltd_bug_type type,
					unsigned long site, const char *what)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->site = site;
	strscpy(r->what, what, sizeof(r->what));
	strscpy(r->object, "The object is a test object of 64 bytes", sizeof(r->object));
	ltd_save_stack(&r->stacks[0], "Accessed", 0, GFP_KERNEL);
}

/* The title names the first frame outside the sanitizer: this function. */
static noinline void test_report_format(struct kunit *test)
{
	static const char sep[] =
		"==================================================================";
	struct ltd_report r;
	long before = stats_value(test, "reports");
	char title[96], frame[64];
	int i;

	snprintf(title, sizeof(title), "BUG: LIFETIME: unprotected-access in %s+", __func__);
	snprintf(frame, sizeof(frame), "%s+", __func__);
	make_report(&r, LTD_BUG_UNPROTECTED_ACCESS, 0,
		    "Read of size 8 at addr 0 by task kunit");
	KUNIT_EXPECT_TRUE(test, ltd_report(&r));

	i = observed_find(0, sep);
	KUNIT_ASSERT_GE(test, i, 0);
	i = observed_find(i, title);
	KUNIT_ASSERT_GE_MSG(test, i, 0, "title line missing or wrong");
	KUNIT_EXPECT_GE(test, observed_find(i, "Read of size 8 at addr 0 by task kunit"), 0);
	KUNIT_EXPECT_GE(test, observed_find(i, "The object is a test object of 64 bytes"), 0);
	KUNIT_EXPECT_GE(test, observed_find(i, "Accessed by task "), 0);
	KUNIT_EXPECT_GE(test, observed_find(i, frame), 0);
	KUNIT_EXPECT_GE(test, observed_find(i + 1, sep), 0);
	KUNIT_EXPECT_EQ(test, stats_value(test, "reports"), before + 1);
}

static noinline void report_from_one_site(struct kunit *test)
{
	struct ltd_report r;

	make_report(&r, LTD_BUG_SLEEPING_FINAL_PUT, _THIS_IP_, "put in atomic context");
	ltd_report(&r);
}

/* Two reports from the same site print once; the second is counted. */
static void test_report_dedup(struct kunit *test)
{
	long dedup = stats_value(test, "reports_deduplicated");
	long type = stats_value(test, "bugs[sleeping-final-put]");
	int i;

	for (i = 0; i < 2; i++)
		report_from_one_site(test);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: sleeping-final-put in "), 1);
	KUNIT_EXPECT_EQ(test, stats_value(test, "reports_deduplicated"), dedup + 1);
	KUNIT_EXPECT_EQ(test, stats_value(test, "bugs[sleeping-final-put]"), type + 2);
}

/* Without multi-shot only the first report is printed; all are kept. */
static void test_report_once(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 16 * PAGE_SIZE, GFP_KERNEL);
	long suppressed = stats_value(test, "reports_suppressed");
	struct ltd_report r;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	set_multi_shot(test, false);
	make_report(&r, LTD_BUG_UNPINNED_MODULE_REF, 0x1000, "first");
	KUNIT_EXPECT_TRUE(test, ltd_report(&r));
	make_report(&r, LTD_BUG_UNPINNED_MODULE_REF, 0x2000, "second");
	KUNIT_EXPECT_FALSE(test, ltd_report(&r));
	set_multi_shot(test, true);
	make_report(&r, LTD_BUG_UNPINNED_MODULE_REF, 0x3000, "third");
	KUNIT_EXPECT_TRUE(test, ltd_report(&r));

	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: unpinned-module-reference"), 2);
	KUNIT_EXPECT_EQ(test, stats_value(test, "reports_suppressed"), suppressed + 1);
	/* The suppressed report is still in the history, with its text. */
	KUNIT_ASSERT_GT(test, file_rw(REPORTS, buf, 16 * PAGE_SIZE, false), 0);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\nsecond\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\nthird\n"));
}

/* The ring keeps the last LTD_HISTORY_SIZE reports, numbered. */
static void test_report_history_wraps(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 64 * PAGE_SIZE, GFP_KERNEL);
	char what[32];
	struct ltd_report r;
	int i, n = LTD_HISTORY_SIZE + 4;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "history entry %d", i);
		make_report(&r, LTD_BUG_UNPROTECTED_ACCESS, 0x10000 + i, what);
		ltd_report(&r);
	}
	KUNIT_ASSERT_GT(test, file_rw(REPORTS, buf, 64 * PAGE_SIZE, false), 0);
	KUNIT_EXPECT_NULL(test, strstr(buf, "\nhistory entry 3\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\nhistory entry 4\n"));
	snprintf(what, sizeof(what), "\nhistory entry %d\n", n - 1);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, what));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "BUG: LIFETIME: unprotected-access in "));
}

/* === Parameters === */

static void test_param_enabled(struct kunit *test)
{
	char buf[16];

	KUNIT_ASSERT_TRUE(test, lifetime_debug_enabled());
	KUNIT_EXPECT_EQ(test, file_rw(PARAM_DIR "enabled", "maybe", 5, true), -EINVAL);
	KUNIT_EXPECT_TRUE(test, lifetime_debug_enabled());

	KUNIT_EXPECT_EQ(test, file_rw(PARAM_DIR "enabled", "0", 1, true), 1);
	KUNIT_EXPECT_FALSE(test, lifetime_debug_enabled());
	KUNIT_EXPECT_EQ(test, stats_value(test, "enabled"), 0);
	KUNIT_EXPECT_GT(test, file_rw(PARAM_DIR "enabled", buf, sizeof(buf), false), 0);
	KUNIT_EXPECT_STREQ(test, buf, "N\n");

	KUNIT_EXPECT_EQ(test, file_rw(PARAM_DIR "enabled", "on", 2, true), 2);
	KUNIT_EXPECT_TRUE(test, lifetime_debug_enabled());
	KUNIT_EXPECT_EQ(test, stats_value(test, "enabled"), 1);
}

static void test_param_multi_shot_rejects_garbage(struct kunit *test)
{
	char buf[16];

	set_multi_shot(test, true);
	KUNIT_EXPECT_EQ(test, file_rw(PARAM_DIR "multi_shot", "2x", 2, true), -EINVAL);
	KUNIT_EXPECT_GT(test, file_rw(PARAM_DIR "multi_shot", buf, sizeof(buf), false), 0);
	KUNIT_EXPECT_STREQ(test, buf, "Y\n");
}

/* === Refcount classes === */

struct rc_obj {
	struct kref ref;
	int released;
};

static DEFINE_MUTEX(rc_test_mutex);
static DEFINE_SPINLOCK(rc_test_lock);

/* Releases that sleep: mutex_lock() calls might_sleep(). */
static noinline void rc_release_sleeps(struct kref *ref)
{
	mutex_lock(&rc_test_mutex);
	container_of(ref, struct rc_obj, ref)->released++;
	mutex_unlock(&rc_test_mutex);
}

static noinline void rc_release_sleeps_later(struct kref *ref)
{
	mutex_lock(&rc_test_mutex);
	container_of(ref, struct rc_obj, ref)->released++;
	mutex_unlock(&rc_test_mutex);
}

static noinline void rc_release_sleeps_process_only(struct kref *ref)
{
	mutex_lock(&rc_test_mutex);
	container_of(ref, struct rc_obj, ref)->released++;
	mutex_unlock(&rc_test_mutex);
}

static noinline void rc_release_nosleep(struct kref *ref)
{
	mutex_lock(&rc_test_mutex);
	container_of(ref, struct rc_obj, ref)->released++;
	mutex_unlock(&rc_test_mutex);
}

static noinline void rc_release_atomic(struct kref *ref)
{
	container_of(ref, struct rc_obj, ref)->released++;
}

/* Teach @release's class that it sleeps: one final put in process context. */
static void rc_learn(struct kunit *test, void (*release)(struct kref *))
{
	struct rc_obj obj = { .released = 0 };

	kref_init(&obj.ref);
	KUNIT_ASSERT_EQ(test, kref_put(&obj.ref, release), 1);
	KUNIT_ASSERT_EQ(test, obj.released, 1);
}

/* A non-final put under a spinlock of a class whose release sleeps. */
static noinline void test_rc_put_under_spinlock(struct kunit *test)
{
	struct rc_obj obj = { .released = 0 };
	char title[96];

	rc_learn(test, rc_release_sleeps);
	kref_init(&obj.ref);
	kref_get(&obj.ref);
	spin_lock(&rc_test_lock);
	KUNIT_EXPECT_EQ(test, kref_put(&obj.ref, rc_release_sleeps), 0);
	spin_unlock(&rc_test_lock);
	KUNIT_EXPECT_EQ(test, kref_put(&obj.ref, rc_release_sleeps), 1);

	snprintf(title, sizeof(title), "BUG: LIFETIME: sleeping-final-put in %s+", __func__);
	KUNIT_EXPECT_EQ(test, observed_count(title), 1);
	EXPECT_SEEN(test, "Put of refcount class rc_release_sleeps with rc_test_lock held by task");
	KUNIT_EXPECT_GE(test, observed_find(0, "The release rc_release_sleeps() can sleep"), 0);
	KUNIT_EXPECT_GE(test, observed_find(0, "Release sleeps, first seen by task"), 0);
}

/* The atomic put comes first; the report follows when the class learns. */
static noinline void test_rc_retroactive(struct kunit *test)
{
	struct rc_obj obj = { .released = 0 };
	char title[96];

	snprintf(title, sizeof(title), "BUG: LIFETIME: sleeping-final-put in %s+", __func__);
	kref_init(&obj.ref);
	kref_get(&obj.ref);
	local_irq_disable();
	kref_put(&obj.ref, rc_release_sleeps_later);
	local_irq_enable();
	KUNIT_EXPECT_EQ(test, observed_count(title), 0);

	KUNIT_EXPECT_EQ(test, kref_put(&obj.ref, rc_release_sleeps_later), 1);
	KUNIT_EXPECT_EQ(test, observed_count(title), 1);
	EXPECT_SEEN(test, "with interrupts disabled by task");
	KUNIT_EXPECT_GE(test, observed_find(0, "(seen earlier)"), 0);
}

#define RC_SLEEPING_PUT	"BUG: LIFETIME: sleeping-final-put in "

/* The put path of the process-context tests: a class whose release sleeps. */
static noinline int rc_put_process_only(struct rc_obj *obj)
{
	return kref_put(&obj->ref, rc_release_sleeps_process_only);
}

/* The class has learned that its release sleeps; @obj has 11 references. */
static void rc_process_only_setup(struct kunit *test, struct rc_obj *obj)
{
	int i;

	rc_learn(test, rc_release_sleeps_process_only);
	kref_init(&obj->ref);
	for (i = 0; i < 10; i++)
		kref_get(&obj->ref);
}

/* A sleeping release put only from process context is fine. */
static void test_rc_process_context_silent(struct kunit *test)
{
	struct rc_obj obj = { .released = 0 };
	long reports = stats_value(test, "bugs[sleeping-final-put]");
	int i;

	rc_process_only_setup(test, &obj);
	for (i = 0; i < 10; i++)
		rc_put_process_only(&obj);
	KUNIT_EXPECT_EQ(test, rc_put_process_only(&obj), 1);
	KUNIT_EXPECT_EQ(test, obj.released, 1);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 0);
	KUNIT_EXPECT_EQ(test, stats_value(test, "bugs[sleeping-final-put]"), reports);
}

/* Its twin: the same class and puts, one of them under a spinlock. */
static void test_rc_process_context_one_atomic(struct kunit *test)
{
	struct rc_obj obj = { .released = 0 };
	long reports = stats_value(test, "bugs[sleeping-final-put]");
	int i;

	rc_process_only_setup(test, &obj);
	for (i = 0; i < 9; i++)
		rc_put_process_only(&obj);
	spin_lock(&rc_test_lock);
	KUNIT_EXPECT_EQ(test, rc_put_process_only(&obj), 0);
	spin_unlock(&rc_test_lock);
	KUNIT_EXPECT_EQ(test, rc_put_process_only(&obj), 1);
	KUNIT_EXPECT_EQ(test, obj.released, 1);
	KUNIT_EXPECT_EQ(test, observed_count(RC_SLEEPING_PUT "rc_put_process_only+"), 1);
	EXPECT_SEEN(test, "class rc_release_sleeps_process_only with rc_test_lock held");
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 1);
	KUNIT_EXPECT_EQ(test, stats_value(test, "bugs[sleeping-final-put]"), reports + 1);
}

/* The put path of the atomic tests: one put under rc_test_lock. */
static noinline int rc_put_locked(struct rc_obj *obj, void (*release)(struct kref *))
{
	int ret;

	spin_lock(&rc_test_lock);
	ret = kref_put(&obj->ref, release);
	spin_unlock(&rc_test_lock);
	return ret;
}

/* A release that does not sleep may be put anywhere, its final put too. */
static void test_rc_atomic_release_silent(struct kunit *test)
{
	struct rc_obj obj = { .released = 0 };

	rc_learn(test, rc_release_atomic);
	kref_init(&obj.ref);
	kref_get(&obj.ref);
	KUNIT_EXPECT_EQ(test, rc_put_locked(&obj, rc_release_atomic), 0);
	KUNIT_EXPECT_EQ(test, rc_put_locked(&obj, rc_release_atomic), 1);
	KUNIT_EXPECT_EQ(test, obj.released, 1);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 0);
}

/* Its twin, with a release that sleeps (only the non-final put is locked). */
static void test_rc_atomic_put_of_sleeping_release(struct kunit *test)
{
	struct rc_obj obj = { .released = 0 };

	rc_learn(test, rc_release_sleeps);
	kref_init(&obj.ref);
	kref_get(&obj.ref);
	KUNIT_EXPECT_EQ(test, rc_put_locked(&obj, rc_release_sleeps), 0);
	KUNIT_EXPECT_EQ(test, kref_put(&obj.ref, rc_release_sleeps), 1);
	KUNIT_EXPECT_EQ(test, obj.released, 1);
	KUNIT_EXPECT_EQ(test, observed_count(RC_SLEEPING_PUT "rc_put_locked+"), 1);
	EXPECT_SEEN(test, "Put of refcount class rc_release_sleeps with rc_test_lock held by task");
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 1);
}

/* A release declared must-not-sleep that sleeps. */
static noinline void test_rc_nosleep_release(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, lifetime_debug_refcount_nosleep(rc_release_nosleep), 0);
	KUNIT_EXPECT_EQ(test, lifetime_debug_refcount_nosleep(NULL), -EINVAL);
	rc_learn(test, rc_release_nosleep);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: sleeping-nosleep-release in "), 1);
	EXPECT_SEEN(test, "Release rc_release_nosleep() of a must-not-sleep refcount class sleeps");
}

/* 10,000 objects of one type share one class. */
static void test_rc_one_class_per_type(struct kunit *test)
{
	struct rc_obj *objs = kunit_kcalloc(test, 10000, sizeof(*objs), GFP_KERNEL);
	long classes;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	rc_learn(test, rc_release_atomic);	/* make sure the class exists */
	classes = stats_value(test, "refcount_classes");
	for (i = 0; i < 10000; i++) {
		kref_init(&objs[i].ref);
		kref_put(&objs[i].ref, rc_release_atomic);
	}
	KUNIT_EXPECT_EQ(test, stats_value(test, "refcount_classes"), classes);
	for (i = 0; i < 10000; i++)
		KUNIT_ASSERT_EQ(test, objs[i].released, 1);
}

/* put_device() is classed by the device's release. */
static int rc_dev_released;

static noinline void rc_dev_release(struct device *dev)
{
	mutex_lock(&rc_test_mutex);
	rc_dev_released++;
	mutex_unlock(&rc_test_mutex);
	kfree(dev);
}

static struct device *rc_new_device(struct kunit *test)
{
	struct device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	device_initialize(dev);
	dev->release = rc_dev_release;
	return dev;
}

static noinline void test_rc_put_device_atomic(struct kunit *test)
{
	struct device *dev;
	char title[96];

	rc_dev_released = 0;
	put_device(rc_new_device(test));	/* learns: release sleeps */
	KUNIT_EXPECT_EQ(test, rc_dev_released, 1);

	dev = rc_new_device(test);
	get_device(dev);
	spin_lock(&rc_test_lock);
	put_device(dev);
	spin_unlock(&rc_test_lock);
	put_device(dev);
	KUNIT_EXPECT_EQ(test, rc_dev_released, 2);

	snprintf(title, sizeof(title), "BUG: LIFETIME: sleeping-final-put in %s+", __func__);
	KUNIT_EXPECT_EQ(test, observed_count(title), 1);
	EXPECT_SEEN(test, "Put of refcount class rc_dev_release with rc_test_lock held");
}

/* A bare refcount: its "release" is the code after the final decrement. */
struct bare_obj {
	refcount_t ref;
	int freed;
};

static noinline bool bare_put(struct bare_obj *b)
{
	if (!refcount_dec_and_test(&b->ref))
		return false;
	mutex_lock(&rc_test_mutex);	/* the free path sleeps */
	b->freed++;
	mutex_unlock(&rc_test_mutex);
	return true;
}

static void test_rc_bare_refcount_call_site(struct kunit *test)
{
	struct bare_obj b = { .freed = 0 };

	refcount_set(&b.ref, 2);
	spin_lock(&rc_test_lock);
	KUNIT_EXPECT_FALSE(test, bare_put(&b));
	spin_unlock(&rc_test_lock);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 0);

	KUNIT_EXPECT_TRUE(test, bare_put(&b));
	KUNIT_EXPECT_EQ(test, b.freed, 1);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: sleeping-final-put in bare_put+"), 1);
	EXPECT_SEEN(test, "Put of refcount class bare_put+0x");
	EXPECT_SEEN(test, "The code after the final put at bare_put+0x");
}

static void test_rc_classes_listing(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 64 * PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	rc_learn(test, rc_release_sleeps_process_only);
	KUNIT_ASSERT_GT(test, file_rw("/sys/kernel/debug/lifetime_debug/refcount_classes",
				      buf, 64 * PAGE_SIZE, false), 0);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "refcount:rc_release_sleeps_process_only "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "mutex_lock"));
}

/* === Domains: tagging, lookup, access checks, teardown === */

static struct device *dom_device(struct kunit *test, const char *name)
{
	struct device *dev = kunit_device_register(test, name);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	return dev;
}

static void *dom_alloc(struct kunit *test, struct device *dev, size_t size)
{
	void *p = devm_kzalloc(dev, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/* Every byte of a devm object maps to its device; nothing else does. */
static void test_dom_lookup(struct kunit *test)
{
	static const size_t sizes[] = { 1, 24, 100, 256, 4000 };
	struct device *dev = dom_device(test, "ltd-test-lookup");
	unsigned long start;
	size_t size, i;
	char *p, *plain;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = dom_alloc(test, dev, sizes[i]);
		KUNIT_EXPECT_PTR_EQ(test, ltd_dom_lookup(p, &start, &size), (const void *)dev);
		KUNIT_EXPECT_EQ(test, start, (unsigned long)p);
		KUNIT_EXPECT_EQ(test, size, sizes[i]);
		KUNIT_EXPECT_PTR_EQ(test, ltd_dom_lookup(p + sizes[i] - 1, &start, &size),
				    (const void *)dev);
		KUNIT_EXPECT_NULL(test, ltd_dom_lookup(p + sizes[i], &start, &size));
		KUNIT_EXPECT_NULL(test, ltd_dom_lookup(p - 1, &start, &size));
	}
	plain = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_EXPECT_NULL(test, ltd_dom_lookup(plain, &start, &size));
	kfree(plain);

	devm_kfree(dev, p);
	KUNIT_EXPECT_NULL(test, ltd_dom_lookup(p, &start, &size));
	KUNIT_EXPECT_EQ(test, observed_count("BUG: "), 0);
}

static noinline u64 dom_read(u64 *p)
{
	return READ_ONCE(*p);
}

/*
 * No guard at all: an irq_work callback in hard-IRQ context, no lock, no
 * context frame (the KUnit kthread's kthread_stop() would be a guard).
 */
struct dom_irq_work {
	struct irq_work work;
	void (*fn)(struct dom_irq_work *w);
	void *p;
	char buf[32];
};

static void dom_irq_work_fn(struct irq_work *work)
{
	struct dom_irq_work *w = container_of(work, struct dom_irq_work, work);

	w->fn(w);
}

static void dom_in_hardirq(struct dom_irq_work *w)
{
	init_irq_work(&w->work, dom_irq_work_fn);
	irq_work_queue(&w->work);
	irq_work_sync(&w->work);
}

static noinline void dom_unguarded_write(struct dom_irq_work *w)
{
	u64 *p = w->p;
	int i;

	for (i = 0; i < 3; i++)
		WRITE_ONCE(p[1], i);
}

/* A foreign access without any guard is reported at once, once per site. */
static void test_dom_unguarded(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-unguarded");
	struct dom_irq_work w = { .fn = dom_unguarded_write };

	w.p = dom_alloc(test, dev, 64);
	dom_in_hardirq(&w);
	KUNIT_EXPECT_EQ(test,
			observed_count("BUG: LIFETIME: unprotected-access in dom_unguarded_write+"), 1);
	EXPECT_SEEN(test, "Write of size 8 at addr");
	EXPECT_SEEN(test, "(hardirq context), no guard held");
	EXPECT_SEEN(test, "The object is devres data of device ");
	EXPECT_SEEN(test, ".ltd-test-unguarded (driver");
	EXPECT_SEEN(test, "8 bytes inside the 64-byte region");
	EXPECT_SEEN(test, "Accessed by task");
	EXPECT_SEEN(test, "Allocated by task");
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 1);
}

/*
 * Accesses inside a copy helper (here vsnprintf()'s string()) are keyed by
 * the helper's caller: two functions copying the same devm string are two
 * reports, each titled with its function; in task context two records, the
 * site memo notwithstanding (same access, same stack depth).
 */
static noinline void dom_format_one(struct dom_irq_work *w)
{
	scnprintf(w->buf, sizeof(w->buf), "%s", (char *)w->p);
}

static noinline void dom_format_two(struct dom_irq_work *w)
{
	scnprintf(w->buf, sizeof(w->buf), "<%s>", (char *)w->p);
}

static void test_dom_copy_helpers(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-helpers");
	struct dom_irq_work w = { .fn = dom_format_one };
	long records;
	int i;

	w.p = dom_alloc(test, dev, 16);
	device_lock(dev);
	strscpy(w.p, "devm text", 16);
	device_unlock(dev);
	dom_in_hardirq(&w);
	w.fn = dom_format_two;
	dom_in_hardirq(&w);
	KUNIT_EXPECT_STREQ(test, w.buf, "<devm text>");
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: unprotected-access in dom_format_one"), 1);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: unprotected-access in dom_format_two"), 1);
	records = stats_value(test, "foreign_access_records");
	for (i = 0; i < 4; i++)
		(i < 2 ? dom_format_one : dom_format_two)(&w);
	KUNIT_EXPECT_EQ(test, stats_value(test, "foreign_access_records"), records + 2);
}

/* The owner (device_lock held) is silent. */
static void test_dom_owner_silent(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-owner");
	u64 *p = dom_alloc(test, dev, 64);
	long owner = stats_value(test, "owner_accesses");

	device_lock(dev);
	WRITE_ONCE(p[0], 1);
	KUNIT_EXPECT_EQ(test, dom_read(p), 1);
	device_unlock(dev);
	KUNIT_EXPECT_GE(test, stats_value(test, "owner_accesses"), owner + 2);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: "), 0);
}

static DEFINE_MUTEX(dom_guard);

/*
 * A guarded foreign access is judged at teardown: silent when the teardown
 * takes the guard, reported naming the guard when it does not.
 */
static void test_dom_teardown(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-teardown");
	u64 *p = dom_alloc(test, dev, 32);

	mutex_lock(&dom_guard);
	dom_read(p);
	mutex_unlock(&dom_guard);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: "), 0);

	/* A teardown that takes the guard closes the access. */
	__lifetime_debug_teardown_begin(dev);
	mutex_lock(&dom_guard);
	mutex_unlock(&dom_guard);
	__lifetime_debug_teardown_end(dev);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: "), 0);

	/* The domain starts afresh; this time the teardown ignores the guard. */
	mutex_lock(&dom_guard);
	dom_read(p);
	mutex_unlock(&dom_guard);
	__lifetime_debug_teardown_begin(dev);
	__lifetime_debug_teardown_end(dev);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME: unprotected-access in dom_read+"), 1);
	/* Innermost first: the mutex, then the KUnit thread (a kthread). */
	EXPECT_SEEN(test, "guards {dom_guard, kthread}: none is closed by the domain's teardown");
	EXPECT_SEEN(test, "Torn down by task");
}

/*
 * A teardown taking many locks is still judged: only the guards they close
 * are kept (a 64-entry table of them once left such a teardown unjudged).
 */
#define DOM_MANY_LOCKS	200
static struct mutex dom_many[DOM_MANY_LOCKS];

/*
 * Not identical to dom_read() (the compiler would fold them): the report's
 * title and dedup key are this test's.
 */
static noinline __noclone u64 dom_read_many(u64 *p)
{
	return READ_ONCE(*p) ^ 1;
}

/* The teardown takes each of the many locks once. */
static void dom_take_many(void)
{
	int i;

	for (i = 0; i < DOM_MANY_LOCKS; i++) {
		mutex_lock(&dom_many[i]);
		mutex_unlock(&dom_many[i]);
	}
}

static void test_dom_teardown_many_locks(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-many");
	u64 *p = dom_alloc(test, dev, 32);
	int i;

	for (i = 0; i < DOM_MANY_LOCKS; i++)
		mutex_init(&dom_many[i]);
	mutex_lock(&dom_guard);
	dom_read_many(p);
	mutex_unlock(&dom_guard);

	__lifetime_debug_teardown_begin(dev);
	dom_take_many();
	__lifetime_debug_teardown_end(dev);
	KUNIT_EXPECT_EQ(test,
			observed_count("BUG: LIFETIME: unprotected-access in dom_read_many+"), 1);
	EXPECT_SEEN(test, "guards {dom_guard, kthread}: none is closed by the domain's teardown");
	KUNIT_EXPECT_EQ(test, observed_count("degraded"), 0);

	/* The same many locks, and the guard last: closed, silent. */
	mutex_lock(&dom_guard);
	dom_read_many(p);
	mutex_unlock(&dom_guard);
	__lifetime_debug_teardown_begin(dev);
	dom_take_many();
	mutex_lock(&dom_guard);
	mutex_unlock(&dom_guard);
	__lifetime_debug_teardown_end(dev);
	KUNIT_EXPECT_EQ(test,
			observed_count("BUG: LIFETIME: unprotected-access in dom_read_many+"), 1);
}

/*
 * An out-of-bounds access to a tagged object is still KASAN's report, made in
 * a work item (KASAN fails the KUnit test that reports); kasan_multi_shot
 * prints it whatever KASAN reported before.
 */
struct dom_oob_work {
	struct work_struct work;
	char *p;
};

static noinline void dom_oob_read(struct work_struct *work)
{
	struct dom_oob_work *w = container_of(work, struct dom_oob_work, work);
	char *p = w->p;

	/* One past the last byte, still inside the kmalloc bucket. */
	OPTIMIZER_HIDE_VAR(p);
	READ_ONCE(p[100]);
}

static void test_dom_oob(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-oob");
	struct dom_oob_work w = { .p = dom_alloc(test, dev, 100) };

	device_lock(dev);
	/* The last accessible byte: no report. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(w.p[99]), 0);
	device_unlock(dev);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: "), 0);

	INIT_WORK_ONSTACK(&w.work, dom_oob_read);
	schedule_work(&w.work);
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);

	KUNIT_EXPECT_EQ(test, observed_count("BUG: KASAN: slab-out-of-bounds in dom_oob_read+"), 1);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: LIFETIME:"), 0);
}

/* Out of metadata memory the object is not tagged, said and counted. */
static void test_dom_nomem(struct kunit *test)
{
	struct device *dev = dom_device(test, "ltd-test-nomem");
	long failures = stats_value(test, "metadata_alloc_failures");
	long degraded = stats_value(test, "degraded[nomem]");
	unsigned long start;
	size_t size;
	u64 *p;

	atomic_set(&ltd_dom_fail_allocs, 1);
	p = dom_alloc(test, dev, 48);
	atomic_set(&ltd_dom_fail_allocs, 0);
	KUNIT_EXPECT_NULL(test, ltd_dom_lookup(p, &start, &size));
	KUNIT_EXPECT_EQ(test, stats_value(test, "metadata_alloc_failures"), failures + 1);
	KUNIT_EXPECT_EQ(test, stats_value(test, "degraded[nomem]"), degraded + 1);
	/* The untracked object is plain memory: no report. */
	WRITE_ONCE(p[0], 1);
	KUNIT_EXPECT_EQ(test, observed_count("BUG: "), 0);

	/* The next allocation is tagged again. */
	p = dom_alloc(test, dev, 48);
	KUNIT_EXPECT_PTR_EQ(test, ltd_dom_lookup(p, &start, &size), (const void *)dev);
}

/* === Suite === */

static bool saved_multi_shot;

static int test_init(struct kunit *test)
{
	unsigned long flags;

	if (!lifetime_debug_enabled())
		kunit_skip(test, "lifetime_debug.enabled=0");
	spin_lock_irqsave(&observed.lock, flags);
	observed.nlines = 0;
	spin_unlock_irqrestore(&observed.lock, flags);
	ltd_report_reset_dedup();
	set_multi_shot(test, true);
	return 0;
}

/* A failed assertion must not leave the sanitizer off for later tests. */
static void test_exit(struct kunit *test)
{
	if (!lifetime_debug_enabled())
		file_rw(PARAM_DIR "enabled", "1", 1, true);
}

static int test_suite_init(struct kunit_suite *suite)
{
	saved_multi_shot = READ_ONCE(ltd_multi_shot);
	lifetime_debug_kunit_test_suite_start();
	return register_trace_console(probe_console, NULL);
}

static void test_suite_exit(struct kunit_suite *suite)
{
	unregister_trace_console(probe_console, NULL);
	tracepoint_synchronize_unregister();
	WRITE_ONCE(ltd_multi_shot, saved_multi_shot);
	ltd_report_reset_dedup();
	lifetime_debug_kunit_test_suite_end();
}

/* The three suites share their set-up: console capture, multi-shot, dedup reset. */
#define LTD_TEST_SUITE(var, sname, cases)			\
static struct kunit_suite var = {				\
	.name = sname, .test_cases = cases,			\
	.init = test_init, .exit = test_exit,			\
	.suite_init = test_suite_init, .suite_exit = test_suite_exit, \
}

static struct kunit_case lifetime_debug_test_cases[] = {
	KUNIT_CASE(test_report_format),
	KUNIT_CASE(test_report_dedup),
	KUNIT_CASE(test_report_once),
	KUNIT_CASE(test_report_history_wraps),
	KUNIT_CASE(test_param_enabled),
	KUNIT_CASE(test_param_multi_shot_rejects_garbage),
	{},
};

LTD_TEST_SUITE(lifetime_debug_test_suite, "lifetime_debug", lifetime_debug_test_cases);

static struct kunit_case lifetime_debug_refcount_test_cases[] = {
	KUNIT_CASE(test_rc_put_under_spinlock),
	KUNIT_CASE(test_rc_retroactive),
	KUNIT_CASE(test_rc_process_context_silent),
	KUNIT_CASE(test_rc_process_context_one_atomic),
	KUNIT_CASE(test_rc_atomic_release_silent),
	KUNIT_CASE(test_rc_atomic_put_of_sleeping_release),
	KUNIT_CASE(test_rc_nosleep_release),
	KUNIT_CASE(test_rc_one_class_per_type),
	KUNIT_CASE(test_rc_put_device_atomic),
	KUNIT_CASE(test_rc_bare_refcount_call_site),
	KUNIT_CASE(test_rc_classes_listing),
	{},
};

LTD_TEST_SUITE(lifetime_debug_refcount_test_suite, "lifetime_debug_refcount", lifetime_debug_refcount_test_cases);

static struct kunit_case lifetime_debug_domain_test_cases[] = {
	KUNIT_CASE(test_dom_lookup),
	KUNIT_CASE(test_dom_unguarded),
	KUNIT_CASE(test_dom_owner_silent),
	KUNIT_CASE(test_dom_copy_helpers),
	KUNIT_CASE(test_dom_teardown),
	KUNIT_CASE(test_dom_teardown_many_locks),
	KUNIT_CASE(test_dom_nomem),
	/* Last: KASAN's report turns lockdep off for the rest of the boot. */
	KUNIT_CASE(test_dom_oob),
	{},
};

LTD_TEST_SUITE(lifetime_debug_domain_test_suite, "lifetime_debug_domain", lifetime_debug_domain_test_cases);

kunit_test_suites(&lifetime_debug_test_suite, &lifetime_debug_refcount_test_suite,
		  &lifetime_debug_domain_test_suite);

MODULE_DESCRIPTION("KUnit tests for the lifetime sanitizer");
MODULE_LICENSE("GPL");
