/* Lets the kernel module compile m3ipc.h unchanged: the kernel has its own types. */
#include <linux/types.h>
