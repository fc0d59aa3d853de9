#ifndef CLINUX_H
#define CLINUX_H
// Linux system interfaces Glibc's Swift module does not expose (epoll, eventfd, signalfd).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#endif
