#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

// A minimal io_uring used for one thing: sending the answers of one epoll batch to many
// sockets in one system call. Every send carries MSG_DONTWAIT, so each completes (or fails
// with EAGAIN) inside the submitting call: no buffer outlives the call, nothing runs async.

struct clinux_send_ring {
    int fd;
    unsigned entries;
    uint32_t generation;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *sq_map, *cq_map;
    size_t sq_map_len, cq_map_len, sqes_len;
};

clinux_send_ring *clinux_send_ring_create(unsigned entries) {
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    // SINGLE_ISSUER needs Linux 6.0; an older kernel's EINVAL means no ring at all. That is
    // also the guard for the semantics relied on here: IORING_OP_SEND, and MSG_DONTWAIT
    // failing a send with EAGAIN instead of parking it until the socket drains (a parked
    // send would keep the staging buffer in use and block the loop in the wait below).
    p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
    int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0) return NULL;
    clinux_send_ring *r = calloc(1, sizeof(*r));
    if (!r) { close(fd); return NULL; }
    r->fd = fd;
    r->entries = p.sq_entries;
    r->sq_map_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    r->cq_map_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single && r->cq_map_len > r->sq_map_len) r->sq_map_len = r->cq_map_len;
    r->sq_map = mmap(NULL, r->sq_map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (r->sq_map == MAP_FAILED) goto fail;
    if (single) {
        r->cq_map = r->sq_map;
    } else {
        r->cq_map = mmap(NULL, r->cq_map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
        if (r->cq_map == MAP_FAILED) { r->cq_map = NULL; goto fail; }
    }
    r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (r->sqes == MAP_FAILED) { r->sqes = NULL; goto fail; }
    char *sq = r->sq_map, *cq = r->cq_map;
    r->sq_head = (unsigned *)(sq + p.sq_off.head);
    r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    r->sq_array = (unsigned *)(sq + p.sq_off.array);
    r->cq_head = (unsigned *)(cq + p.cq_off.head);
    r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    return r;
fail:
    clinux_send_ring_destroy(r);
    return NULL;
}

void clinux_send_ring_destroy(clinux_send_ring *r) {
    if (!r) return;
    if (r->sqes) munmap(r->sqes, r->sqes_len);
    if (r->cq_map && r->cq_map != r->sq_map) munmap(r->cq_map, r->cq_map_len);
    if (r->sq_map && r->sq_map != MAP_FAILED) munmap(r->sq_map, r->sq_map_len);
    close(r->fd);
    free(r);
}

unsigned clinux_send_ring_capacity(const clinux_send_ring *r) { return r->entries; }

int clinux_send_ring_send(clinux_send_ring *r, const int *fds, const void *const *buffers, const unsigned *lengths,
                          int *results, unsigned count) {
    if (count == 0) return 0;
    if (count > r->entries) return -EINVAL;
    // Tagged with the call's generation: a completion left over from a failed call is ignored.
    uint64_t tag = (uint64_t)(++r->generation) << 32;
    unsigned tail = *r->sq_tail;
    unsigned mask = *r->sq_mask;
    for (unsigned i = 0; i < count; i++) {
        unsigned index = (tail + i) & mask;
        struct io_uring_sqe *sqe = &r->sqes[index];
        memset(sqe, 0, sizeof(*sqe));
        sqe->opcode = IORING_OP_SEND;
        sqe->fd = fds[i];
        sqe->addr = (uint64_t)(uintptr_t)buffers[i];
        sqe->len = lengths[i];
        sqe->msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL;
        sqe->user_data = tag | i;
        r->sq_array[index] = index;
        results[i] = -ECANCELED;
    }
    atomic_store_explicit((_Atomic unsigned *)r->sq_tail, tail + count, memory_order_release);
    unsigned done = 0;
    unsigned submitted = 0;
    while (done < count) {
        unsigned to_submit = submitted < count ? count - submitted : 0;
        int n = (int)syscall(__NR_io_uring_enter, r->fd, to_submit, count - done, IORING_ENTER_GETEVENTS, NULL, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        submitted += (unsigned)n;
        unsigned head = *r->cq_head;
        unsigned cqt = atomic_load_explicit((_Atomic unsigned *)r->cq_tail, memory_order_acquire);
        unsigned cmask = *r->cq_mask;
        while (head != cqt) {
            struct io_uring_cqe *cqe = &r->cqes[head & cmask];
            if ((cqe->user_data & ~0xFFFFFFFFull) == tag && (cqe->user_data & 0xFFFFFFFFull) < count) {
                results[cqe->user_data & 0xFFFFFFFFull] = cqe->res;
                done++;
            }
            head++;
        }
        atomic_store_explicit((_Atomic unsigned *)r->cq_head, head, memory_order_release);
    }
    return (int)count;
}
