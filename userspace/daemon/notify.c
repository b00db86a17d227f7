// SPDX-License-Identifier: GPL-2.0-only
/* systemd readiness notification (notify.h). */
#include "notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/helper.h"
#include "log.h"

#define BF_NOTIFY_ENV "NOTIFY_SOCKET"

/* $NOTIFY_SOCKET into @addr; its length in *@len. */
static int bf_notify_addr(const char *name, struct sockaddr_un *addr, socklen_t *len)
{
	size_t n = strlen(name);

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	/* Other forms (systemd also knows "vsock:...") are not for us. */
	if (name[0] != '/' && name[0] != '@')
		return -EAFNOSUPPORT;
	if (n < 2 || n > sizeof(addr->sun_path))
		return -EINVAL;
	memcpy(addr->sun_path, name, n);
	/* An abstract address starts with a NUL and is exactly n bytes long:
	 * the rest of sun_path is not part of it. */
	if (name[0] == '@')
		addr->sun_path[0] = '\0';
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	return 0;
}

int bf_notify(const char *state)
{
	const char *name = getenv(BF_NOTIFY_ENV);
	_cleanup_close_ int fd = -1;
	struct sockaddr_un addr;
	socklen_t len;
	ssize_t n;
	int r;

	if (!name || !*name)
		return 0;
	r = bf_notify_addr(name, &addr, &len);
	if (r) {
		bf_warn("cannot notify the service manager: unsupported %s='%s'", BF_NOTIFY_ENV,
			name);
		return r;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
	if (n < 0) {
		r = -errno;
		bf_warn("cannot notify the service manager on %s: %s", name, strerror(-r));
		return r;
	}
	return 0;
}

int bf_notify_ready(void)
{
	char state[64];

	/* MAINPID: systemd then knows which process to watch even if it was
	 * started through a wrapper. */
	snprintf(state, sizeof(state), "READY=1\nMAINPID=%d", getpid());
	return bf_notify(state);
}

int bf_notify_stopping(void)
{
	return bf_notify("STOPPING=1");
}
