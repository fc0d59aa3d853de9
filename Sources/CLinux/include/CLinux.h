#ifndef CLINUX_H
#define CLINUX_H
// Linux system interfaces Glibc's Swift module does not expose (epoll, eventfd, signalfd),
// plus small helpers for calls whose C shapes (unions, packed structs, sockaddr casts,
// signal handlers) are awkward from Swift.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>

static const uint32_t CLINUX_EPOLLIN = EPOLLIN;
static const uint32_t CLINUX_EPOLLOUT = EPOLLOUT;
static const uint32_t CLINUX_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t CLINUX_EPOLLERR = EPOLLERR;
static const uint32_t CLINUX_EPOLLHUP = EPOLLHUP;
static const uint32_t CLINUX_EPOLLET = EPOLLET;

/// epoll_ctl with the event built here (struct epoll_event is packed on x86-64).
static inline int clinux_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

/// Size of one struct epoll_event, for allocating the wait array from Swift.
static inline int clinux_epoll_event_size(void) { return (int)sizeof(struct epoll_event); }

static inline int clinux_epoll_wait(int epfd, void *events, int max, int timeout_ms) {
    return epoll_wait(epfd, (struct epoll_event *)events, max, timeout_ms);
}

static inline uint32_t clinux_epoll_event_flags(const void *events, int i) {
    return ((const struct epoll_event *)events)[i].events;
}

static inline uint64_t clinux_epoll_event_data(const void *events, int i) {
    return ((const struct epoll_event *)events)[i].data.u64;
}

static inline int clinux_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/// Creates a non-blocking TCP listener on a numeric IPv4/IPv6 address with SO_REUSEADDR
/// and (optionally) SO_REUSEPORT. Returns the fd, or -errno (-EINVAL for a bad address).
int clinux_tcp_listen(const char *host, int port, int backlog, int reuseport);

/// 1 if another socket (of any process) holds `host:port`, 0 if not, -errno on failure.
/// SO_REUSEPORT would otherwise let a second server silently share a port in use.
int clinux_port_in_use(const char *host, int port);

/// The local port of a bound socket, or -errno.
int clinux_bound_port(int fd);

/// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC and TCP_NODELAY set. Fills the peer address:
/// family 4 or 6 (0 when unknown), 16 address bytes (IPv4 in the first 4), the port.
/// Returns the fd, or -errno.
int clinux_accept(int listen_fd, int *family, uint8_t *address, int *port);

/// Connects a blocking TCP socket to a numeric address within `timeout_ms`; sets
/// SO_RCVTIMEO/SO_SNDTIMEO to the same budget. Returns the fd, or -errno.
int clinux_tcp_connect(const char *host, int port, int timeout_ms);

/// Routes SIGTERM and SIGINT to a write on `eventfd` (async-signal-safe) and ignores SIGPIPE.
int clinux_install_shutdown_signals(int eventfd);

/// Names the calling thread (at most 15 bytes are kept), for ps/top/perf.
void clinux_set_current_thread_name(const char *name);

/// CPUs this process may run on (sched_getaffinity), at least 1.
int clinux_available_cpus(void);

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit (or -errno).
long clinux_raise_nofile_limit(void);

/// Restores the default SIGTERM/SIGINT dispositions.
void clinux_reset_shutdown_signals(void);

/// An io_uring that sends to many sockets in one system call (SendRing.c).
typedef struct clinux_send_ring clinux_send_ring;

/// A ring of at least `entries` slots, or NULL when io_uring is unavailable (Linux older than
/// 6.0, disabled by sysctl, refused by a seccomp profile such as Docker 25+'s default).
clinux_send_ring *clinux_send_ring_create(unsigned entries);
void clinux_send_ring_destroy(clinux_send_ring *ring);
/// The most sends one call may carry.
unsigned clinux_send_ring_capacity(const clinux_send_ring *ring);
/// Sends `lengths[i]` bytes of `buffers[i]` on `fds[i]` for i < count (<= capacity), all
/// non-blocking (MSG_DONTWAIT | MSG_NOSIGNAL); `results[i]` is the byte count or -errno.
/// Returns count, or -errno when the ring itself failed (results then partly -ECANCELED).
int clinux_send_ring_send(clinux_send_ring *ring, const int *fds, const void *const *buffers,
                          const unsigned *lengths, int *results, unsigned count);
#endif
