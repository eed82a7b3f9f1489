// SPDX-License-Identifier: GPL-2.0
/*
 * File-reach scenarios for the lifetime sanitizer: a platform driver whose
 * character device reaches memory that a refcount release (or remove())
 * frees, with and without what ties that memory to the files. variant=
 * picks one, see enum ltd_file_variant; tests/scenarios/domain_files.sh
 * drives them.
 *
 * The module registers the platform driver "ltd_file" and one device of
 * that name, which binds at once and creates /dev/ltd_file. A read returns
 * LTD_FILE_DATA from the driver's state. Unbind through
 * /sys/bus/platform/drivers/ltd_file/unbind before rmmod.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#define LTD_FILE_NAME	"ltd_file"
#define LTD_FILE_DATA	"ltd_file data\n"

/**
 * enum ltd_file_variant - how the file reaches the driver's state
 * @LTD_FILE_CDEV_NOPARENT: the state embeds the cdev, added by cdev_add()
 *	without a parent; remove() does cdev_del() and kfree()s the state:
 *	an open file would put the freed cdev at close (reported at the
 *	kfree() even when no file is open: predictive)
 * @LTD_FILE_CDEV_PARENT: the state embeds a struct device and the cdev,
 *	added by cdev_device_add(); the device's release frees the state,
 *	which the cdev's last put pins (silent, also with a file open across
 *	unbind)
 * @LTD_FILE_PRIV_NOREF: the state is refcounted (kref); open() points
 *	private_data at it without taking a reference; remove() puts the
 *	last reference: the release frees it under an open file (reported)
 * @LTD_FILE_PRIV_REF: the same, but open() takes a reference and release()
 *	puts it (silent, also with a file open across unbind)
 */
enum ltd_file_variant {
	LTD_FILE_CDEV_NOPARENT,
	LTD_FILE_CDEV_PARENT,
	LTD_FILE_PRIV_NOREF,
	LTD_FILE_PRIV_REF,
};

static char *variant = "cdev_noparent";
module_param(variant, charp, 0444);
MODULE_PARM_DESC(variant, "cdev_noparent, cdev_parent, priv_noref or priv_ref");

static const char *const ltd_file_variants[] = {
	[LTD_FILE_CDEV_NOPARENT]	= "cdev_noparent",
	[LTD_FILE_CDEV_PARENT]		= "cdev_parent",
	[LTD_FILE_PRIV_NOREF]		= "priv_noref",
	[LTD_FILE_PRIV_REF]		= "priv_ref",
};

static enum ltd_file_variant ltd_file_variant;
static dev_t ltd_file_devt;
static const struct class ltd_file_class = {
	.name = LTD_FILE_NAME,
};

/**
 * struct ltd_file_state - the driver's state
 * @dev:	cdev_parent: the class device whose release frees the state
 * @cdev:	cdev variants: the embedded cdev
 * @kref:	priv variants: the state's references
 * @pcdev:	priv variants: a cdev_alloc()'d cdev
 * @node:	priv and cdev_noparent variants: the class device
 * @data:	what read() returns
 */
struct ltd_file_state {
	struct device dev;
	struct cdev cdev;
	struct kref kref;
	struct cdev *pcdev;
	struct device *node;
	char data[32];
};

/* priv variants: the bound state, for open(). */
static DEFINE_MUTEX(ltd_file_lock);
static struct ltd_file_state *ltd_file_bound;

static bool ltd_file_priv(void)
{
	return ltd_file_variant == LTD_FILE_PRIV_NOREF ||
	       ltd_file_variant == LTD_FILE_PRIV_REF;
}

static ssize_t ltd_file_read(struct file *file, char __user *buf, size_t len,
			     loff_t *pos)
{
	struct ltd_file_state *st;

	if (ltd_file_priv())
		st = file->private_data;
	else
		st = container_of(file_inode(file)->i_cdev, struct ltd_file_state, cdev);
	return simple_read_from_buffer(buf, len, pos, st->data, strlen(st->data));
}

static void ltd_file_state_release(struct kref *kref)
{
	kfree(container_of(kref, struct ltd_file_state, kref));
}

static int ltd_file_open(struct inode *inode, struct file *file)
{
	int ret = 0;

	if (!ltd_file_priv())
		return 0;
	mutex_lock(&ltd_file_lock);
	if (!ltd_file_bound) {
		ret = -ENODEV;
	} else {
		if (ltd_file_variant == LTD_FILE_PRIV_REF)
			kref_get(&ltd_file_bound->kref);
		file->private_data = ltd_file_bound;
	}
	mutex_unlock(&ltd_file_lock);
	return ret;
}

static int ltd_file_release(struct inode *inode, struct file *file)
{
	struct ltd_file_state *st = file->private_data;

	if (ltd_file_variant == LTD_FILE_PRIV_REF)
		kref_put(&st->kref, ltd_file_state_release);
	return 0;
}

static const struct file_operations ltd_file_fops = {
	.owner		= THIS_MODULE,
	.open		= ltd_file_open,
	.read		= ltd_file_read,
	.release	= ltd_file_release,
	.llseek		= noop_llseek,
};

static void ltd_file_dev_release(struct device *dev)
{
	kfree(container_of(dev, struct ltd_file_state, dev));
}

static int ltd_file_probe(struct platform_device *pdev)
{
	struct ltd_file_state *st;
	int ret;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	strscpy(st->data, LTD_FILE_DATA, sizeof(st->data));
	platform_set_drvdata(pdev, st);

	switch (ltd_file_variant) {
	case LTD_FILE_CDEV_NOPARENT:
		cdev_init(&st->cdev, &ltd_file_fops);
		st->cdev.owner = THIS_MODULE;
		ret = cdev_add(&st->cdev, ltd_file_devt, 1);
		if (ret)
			goto err_free;
		st->node = device_create(&ltd_file_class, &pdev->dev, ltd_file_devt,
					 NULL, LTD_FILE_NAME);
		if (IS_ERR(st->node)) {
			ret = PTR_ERR(st->node);
			cdev_del(&st->cdev);
			goto err_free;
		}
		return 0;
	case LTD_FILE_CDEV_PARENT:
		device_initialize(&st->dev);
		st->dev.class = &ltd_file_class;
		st->dev.parent = &pdev->dev;
		st->dev.devt = ltd_file_devt;
		st->dev.release = ltd_file_dev_release;
		ret = dev_set_name(&st->dev, LTD_FILE_NAME);
		if (!ret) {
			cdev_init(&st->cdev, &ltd_file_fops);
			st->cdev.owner = THIS_MODULE;
			ret = cdev_device_add(&st->cdev, &st->dev);
		}
		if (ret)
			put_device(&st->dev);
		return ret;
	case LTD_FILE_PRIV_NOREF:
	case LTD_FILE_PRIV_REF:
		kref_init(&st->kref);
		st->pcdev = cdev_alloc();
		if (!st->pcdev) {
			ret = -ENOMEM;
			goto err_free;
		}
		st->pcdev->ops = &ltd_file_fops;
		st->pcdev->owner = THIS_MODULE;
		ret = cdev_add(st->pcdev, ltd_file_devt, 1);
		if (ret) {
			kobject_put(&st->pcdev->kobj);
			goto err_free;
		}
		st->node = device_create(&ltd_file_class, &pdev->dev, ltd_file_devt,
					 NULL, LTD_FILE_NAME);
		if (IS_ERR(st->node)) {
			ret = PTR_ERR(st->node);
			cdev_del(st->pcdev);
			goto err_free;
		}
		mutex_lock(&ltd_file_lock);
		ltd_file_bound = st;
		mutex_unlock(&ltd_file_lock);
		return 0;
	}
	ret = -EINVAL;
err_free:
	kfree(st);
	return ret;
}

/* Kept out of line, so that a report's title names it. */
static noinline void ltd_file_remove_noparent(struct ltd_file_state *st)
{
	device_destroy(&ltd_file_class, ltd_file_devt);
	cdev_del(&st->cdev);
	kfree(st);
}

static void ltd_file_remove(struct platform_device *pdev)
{
	struct ltd_file_state *st = platform_get_drvdata(pdev);

	switch (ltd_file_variant) {
	case LTD_FILE_CDEV_NOPARENT:
		ltd_file_remove_noparent(st);
		break;
	case LTD_FILE_CDEV_PARENT:
		cdev_device_del(&st->cdev, &st->dev);
		put_device(&st->dev);
		break;
	case LTD_FILE_PRIV_NOREF:
	case LTD_FILE_PRIV_REF:
		mutex_lock(&ltd_file_lock);
		ltd_file_bound = NULL;
		mutex_unlock(&ltd_file_lock);
		device_destroy(&ltd_file_class, ltd_file_devt);
		cdev_del(st->pcdev);
		kref_put(&st->kref, ltd_file_state_release);
		break;
	}
}

static struct platform_driver ltd_file_driver = {
	.probe	= ltd_file_probe,
	.remove	= ltd_file_remove,
	.driver	= {
		.name = LTD_FILE_NAME,
	},
};

static struct platform_device *ltd_file_pdev;

static int __init ltd_file_init(void)
{
	int ret;

	ret = match_string(ltd_file_variants, ARRAY_SIZE(ltd_file_variants), variant);
	if (ret < 0) {
		pr_err("unknown variant %s\n", variant);
		return -EINVAL;
	}
	ltd_file_variant = ret;
	ret = alloc_chrdev_region(&ltd_file_devt, 0, 1, LTD_FILE_NAME);
	if (ret)
		return ret;
	ret = class_register(&ltd_file_class);
	if (ret)
		goto err_region;
	ret = platform_driver_register(&ltd_file_driver);
	if (ret)
		goto err_class;
	ltd_file_pdev = platform_device_register_simple(LTD_FILE_NAME, -1, NULL, 0);
	if (IS_ERR(ltd_file_pdev)) {
		ret = PTR_ERR(ltd_file_pdev);
		goto err_driver;
	}
	pr_info("variant %s\n", variant);
	return 0;

err_driver:
	platform_driver_unregister(&ltd_file_driver);
err_class:
	class_unregister(&ltd_file_class);
err_region:
	unregister_chrdev_region(ltd_file_devt, 1);
	return ret;
}

static void __exit ltd_file_exit(void)
{
	platform_device_unregister(ltd_file_pdev);
	platform_driver_unregister(&ltd_file_driver);
	class_unregister(&ltd_file_class);
	unregister_chrdev_region(ltd_file_devt, 1);
}

module_init(ltd_file_init);
module_exit(ltd_file_exit);
MODULE_DESCRIPTION("Lifetime sanitizer: memory files reach, freed under them");
MODULE_LICENSE("GPL");
