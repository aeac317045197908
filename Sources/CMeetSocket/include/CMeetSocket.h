// sendmmsg(2) for MeetMedia's UDP driver. glibc declares it and `struct mmsghdr` only under
// _GNU_SOURCE, which Swift's Glibc module is built without, so this header declares a struct of the
// same layout (checked at compile time in sendmmsg.c) and a function that forwards to glibc's.
#ifndef C_MEET_SOCKET_H
#define C_MEET_SOCKET_H

#include <sys/socket.h>

typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} CMeetSocket_mmsghdr;

/// sendmmsg(2): the number of messages sent, or -1 with errno set. ENOSYS where there is none.
int CMeetSocket_sendmmsg(int descriptor, CMeetSocket_mmsghdr *messages, unsigned int count, int flags);

#endif
