#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <sys/socket.h>

#include "CMeetSocket.h"

#ifdef __linux__
_Static_assert(sizeof(CMeetSocket_mmsghdr) == sizeof(struct mmsghdr), "CMeetSocket_mmsghdr must match struct mmsghdr");
_Static_assert(offsetof(CMeetSocket_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "msg_len must sit where glibc puts it");

int CMeetSocket_sendmmsg(int descriptor, CMeetSocket_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(descriptor, (struct mmsghdr *)messages, count, flags);
}
#else
int CMeetSocket_sendmmsg(int descriptor, CMeetSocket_mmsghdr *messages, unsigned int count, int flags) {
    (void)descriptor;
    (void)messages;
    (void)count;
    (void)flags;
    errno = ENOSYS;
    return -1;
}
#endif
