// SPDX-License-Identifier: GPL-2.0
/*
 * mem*() scenarios for the lifetime sanitizer: a platform driver whose
 * devm_kzalloc() data is reached from a char-device file with no guard,
 * only through one memcpy(), memset() or memmove() call (variant=). The
 * sanitizer sees those accesses only where KASAN checks mem*() calls, i.e.
 * when the compiler turns them into __asan_mem*() calls
 * (CONFIG_CC_HAS_KASAN_MEMINTRINSIC_PREFIX: clang, GCC 13+); the
 * domain_memfn scenario expects a report per variant there, and silence
 * where the boot banner says mem*() calls are not checked.
 *
 *   memcpy   read() copies the devm data to a stack buffer with memcpy()
 *   memset   write() fills the devm data with memset()
 *   memmove  write() moves a stack buffer into the devm data with memmove()
 *
 * The length is a module variable read with READ_ONCE() (and bounded by
 * the user's count), so the compiler cannot expand the call into inline
 * moves: the access is the mem*() call and nothing else. The functions are
 * noinline and the module is built without sibling calls, so the call's
 * return address, which KASAN passes on, is in the function the report
 * names.
 *
 * The module registers the platform driver "ltd_memfn" and one device of
 * that name, which binds at once; its misc device is /dev/ltd_memfn.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

#define LTD_MEMFN_NAME		"ltd_memfn"
#define LTD_MEMFN_BUF_SIZE	64
#define LTD_MEMFN_DATA		"ltd_memfn data\n"

/**
 * enum ltd_memfn_variant - which mem*() function reaches the devm data
 * @LTD_MEMFN_MEMCPY: read() memcpy()s from it
 * @LTD_MEMFN_MEMSET: write() memset()s it
 * @LTD_MEMFN_MEMMOVE: write() memmove()s into it
 * @LTD_MEMFN_NR: number of variants
 */
enum ltd_memfn_variant {
	LTD_MEMFN_MEMCPY,
	LTD_MEMFN_MEMSET,
	LTD_MEMFN_MEMMOVE,
	LTD_MEMFN_NR
};

static const char * const ltd_memfn_variant_names[] = {
	[LTD_MEMFN_MEMCPY]	= "memcpy",
	[LTD_MEMFN_MEMSET]	= "memset",
	[LTD_MEMFN_MEMMOVE]	= "memmove",
};

static_assert(ARRAY_SIZE(ltd_memfn_variant_names) == LTD_MEMFN_NR);

static char *ltd_memfn_variant_name;
module_param_named(variant, ltd_memfn_variant_name, charp, 0444);
MODULE_PARM_DESC(variant, "required: memcpy | memset | memmove");

static enum ltd_memfn_variant ltd_memfn_variant __ro_after_init;

/**
 * struct ltd_memfn_priv - the driver's devm_kzalloc() data
 * @buf: LTD_MEMFN_DATA, set in probe()
 */
struct ltd_memfn_priv {
	char buf[LTD_MEMFN_BUF_SIZE];
};

/* Bytes the mem*() calls touch, read with READ_ONCE(): not a constant. */
static size_t ltd_memfn_len = sizeof(LTD_MEMFN_DATA) - 1;

/*
 * The bound device's data, for open(): set before misc_register() and
 * cleared after misc_deregister(), both under misc_mtx, which misc_open()
 * holds around our open().
 */
static struct ltd_memfn_priv *ltd_memfn_cur;

static int ltd_memfn_open(struct inode *inode, struct file *filp)
{
	/* A pointer copy, not an access to the devm data. */
	filp->private_data = ltd_memfn_cur;
	return 0;
}

/* memcpy: the devm data is read by one memcpy() call, nothing else. */
static noinline ssize_t ltd_memfn_read_memcpy(struct file *filp,
					      char __user *ubuf, size_t len,
					      loff_t *ppos)
{
	const struct ltd_memfn_priv *p = filp->private_data;
	size_t n = min(READ_ONCE(ltd_memfn_len), sizeof(p->buf));
	char tmp[LTD_MEMFN_BUF_SIZE];

	memcpy(tmp, p->buf, n);
	return simple_read_from_buffer(ubuf, len, ppos, tmp, n);
}

/* Up to LTD_MEMFN_BUF_SIZE bytes of what user space wrote, into @tmp. */
static ssize_t ltd_memfn_fetch(char *tmp, const char __user *ubuf,
			       size_t len)
{
	size_t n = min3(len, READ_ONCE(ltd_memfn_len),
			(size_t)LTD_MEMFN_BUF_SIZE);

	if (!n)
		return 0;
	if (copy_from_user(tmp, ubuf, n))
		return -EFAULT;
	return n;
}

/* memset: the devm data is written by one memset() call, nothing else. */
static noinline ssize_t ltd_memfn_write_memset(struct file *filp,
					       const char __user *ubuf,
					       size_t len, loff_t *ppos)
{
	struct ltd_memfn_priv *p = filp->private_data;
	char tmp[LTD_MEMFN_BUF_SIZE];
	ssize_t n = ltd_memfn_fetch(tmp, ubuf, len);

	if (n <= 0)
		return n;
	memset(p->buf, tmp[0], n);
	return len;
}

/* memmove: the devm data is written by one memmove() call, nothing else. */
static noinline ssize_t ltd_memfn_write_memmove(struct file *filp,
						const char __user *ubuf,
						size_t len, loff_t *ppos)
{
	struct ltd_memfn_priv *p = filp->private_data;
	char tmp[LTD_MEMFN_BUF_SIZE];
	ssize_t n = ltd_memfn_fetch(tmp, ubuf, len);

	if (n <= 0)
		return n;
	memmove(p->buf, tmp, n);
	return len;
}

static const struct file_operations ltd_memfn_fops[] = {
	[LTD_MEMFN_MEMCPY] = {
		.owner = THIS_MODULE,
		.open = ltd_memfn_open,
		.read = ltd_memfn_read_memcpy,
	},
	[LTD_MEMFN_MEMSET] = {
		.owner = THIS_MODULE,
		.open = ltd_memfn_open,
		.write = ltd_memfn_write_memset,
	},
	[LTD_MEMFN_MEMMOVE] = {
		.owner = THIS_MODULE,
		.open = ltd_memfn_open,
		.write = ltd_memfn_write_memmove,
	},
};

/* Not devm: the scenario closes its files before unbind. */
static struct miscdevice ltd_memfn_misc;
static bool ltd_memfn_misc_registered;

/* Set by a successful probe, so that init can tell that the device bound. */
static bool ltd_memfn_probed;

static int ltd_memfn_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct ltd_memfn_priv *p;
	int ret;

	p = devm_kzalloc(dev, sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->buf, LTD_MEMFN_DATA);
	platform_set_drvdata(pdev, p);

	ltd_memfn_cur = p;
	ltd_memfn_misc = (struct miscdevice) {
		.minor = MISC_DYNAMIC_MINOR,
		.name = LTD_MEMFN_NAME,
		.fops = &ltd_memfn_fops[ltd_memfn_variant],
		.parent = dev,
	};
	ret = misc_register(&ltd_memfn_misc);
	if (ret) {
		ltd_memfn_cur = NULL;
		return dev_err_probe(dev, ret, "misc_register\n");
	}
	ltd_memfn_misc_registered = true;
	ltd_memfn_probed = true;
	dev_info(dev, "bound, variant %s\n",
		 ltd_memfn_variant_names[ltd_memfn_variant]);
	return 0;
}

static void ltd_memfn_remove(struct platform_device *pdev)
{
	if (ltd_memfn_misc_registered) {
		misc_deregister(&ltd_memfn_misc);
		ltd_memfn_misc_registered = false;
	}
	ltd_memfn_cur = NULL;
	dev_info(&pdev->dev, "unbound, variant %s\n",
		 ltd_memfn_variant_names[ltd_memfn_variant]);
}

static struct platform_driver ltd_memfn_driver = {
	.probe = ltd_memfn_probe,
	.remove = ltd_memfn_remove,
	.driver = {
		.name = LTD_MEMFN_NAME,
	},
};

static struct platform_device *ltd_memfn_pdev;

static int __init ltd_memfn_init(void)
{
	int ret;

	if (!ltd_memfn_variant_name) {
		pr_err("variant= is required\n");
		return -EINVAL;
	}
	ret = match_string(ltd_memfn_variant_names,
			   ARRAY_SIZE(ltd_memfn_variant_names),
			   ltd_memfn_variant_name);
	if (ret < 0) {
		pr_err("unknown variant '%s'\n", ltd_memfn_variant_name);
		return -EINVAL;
	}
	ltd_memfn_variant = ret;

	ret = platform_driver_register(&ltd_memfn_driver);
	if (ret)
		return ret;
	ltd_memfn_pdev = platform_device_register_simple(LTD_MEMFN_NAME, -1,
							 NULL, 0);
	if (IS_ERR(ltd_memfn_pdev)) {
		ret = PTR_ERR(ltd_memfn_pdev);
		goto unregister_driver;
	}
	if (!ltd_memfn_probed) {
		pr_err("variant %s: the device did not bind\n",
		       ltd_memfn_variant_names[ltd_memfn_variant]);
		ret = -ENODEV;
		goto unregister_device;
	}
	return 0;

unregister_device:
	platform_device_unregister(ltd_memfn_pdev);
unregister_driver:
	platform_driver_unregister(&ltd_memfn_driver);
	return ret;
}

static void __exit ltd_memfn_exit(void)
{
	platform_device_unregister(ltd_memfn_pdev);
	platform_driver_unregister(&ltd_memfn_driver);
}

module_init(ltd_memfn_init);
module_exit(ltd_memfn_exit);

MODULE_DESCRIPTION("Lifetime sanitizer mem*() scenarios: devm data reached only through memcpy(), memset() or memmove()");
MODULE_LICENSE("GPL");
