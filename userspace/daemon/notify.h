/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readiness notification for systemd (Type=notify), without libsystemd:
 * the sd_notify() protocol is one datagram of "KEY=VALUE" lines sent to the
 * AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for an
 * abstract address). Without $NOTIFY_SOCKET, nothing is sent.
 */
#ifndef BF_NOTIFY_H
#define BF_NOTIFY_H

/* Send @state as is. 0 when sent or when there is nobody to tell, a
 * negative errno otherwise. */
int bf_notify(const char *state);
/* "READY=1" and our pid: call once the socket accepts requests. */
int bf_notify_ready(void);
/* "STOPPING=1": call as the daemon starts shutting down. */
int bf_notify_stopping(void);

#endif /* BF_NOTIFY_H */
