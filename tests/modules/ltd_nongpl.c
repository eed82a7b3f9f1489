// SPDX-License-Identifier: GPL-2.0
/*
 * A module under a GPL-incompatible license using kref and a bare refcount:
 * the hooks that the kref_get()/kref_put() and refcount_dec_and_test()
 * inlines call, and the static key they test, must be exported to every
 * module, or this one fails to load ("Unknown symbol"). The license string
 * is the test, not the licence of this file; loading it taints the kernel.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kref.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>

struct ltd_nongpl_obj {
	struct kref ref;
	refcount_t rc;
};

static int ltd_nongpl_released;

static void ltd_nongpl_release(struct kref *ref)
{
	ltd_nongpl_released++;
}

static int __init ltd_nongpl_init(void)
{
	struct ltd_nongpl_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return -ENOMEM;
	kref_init(&o->ref);
	kref_get(&o->ref);
	kref_put(&o->ref, ltd_nongpl_release);
	kref_put(&o->ref, ltd_nongpl_release);
	refcount_set(&o->rc, 2);
	if (refcount_dec_and_test(&o->rc) || !refcount_dec_and_test(&o->rc) ||
	    ltd_nongpl_released != 1) {
		kfree(o);
		return -EINVAL;
	}
	kfree(o);
	pr_info("kref and refcount puts done\n");
	return 0;
}

static void __exit ltd_nongpl_exit(void)
{
}

module_init(ltd_nongpl_init);
module_exit(ltd_nongpl_exit);

MODULE_DESCRIPTION("Lifetime sanitizer test: kref in a non-GPL module");
MODULE_LICENSE("Proprietary");
