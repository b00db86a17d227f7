// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helper mode of bf_selftests, for scripts (scripts/demo.sh) that need a
 * network peer on a machine without nc or python:
 *
 *   BF_E2E_HELPER="tcp-server PORT..." bf_selftests
 *
 * listens on each TCP PORT (any IPv4 address) and answers every connection
 * with one line, "hello from port PORT", until killed or its parent exits.
 * It runs before main(), so none of the tests run.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/helper.h"

#define E2E_HELPER_MAX_PORTS 8

static int e2e_helper_listen(uint16_t port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 16))
		return -errno;
	return TAKE_FD(fd);
}

static void e2e_helper_answer(int fd, uint16_t port)
{
	_cleanup_close_ int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	char line[64];
	int len;

	if (c < 0)
		return;
	len = snprintf(line, sizeof(line), "hello from port %u\n", port);
	(void)send(c, line, (size_t)len, MSG_NOSIGNAL);
}

static int e2e_helper_tcp_server(char *args)
{
	struct pollfd p[E2E_HELPER_MAX_PORTS];
	uint16_t ports[E2E_HELPER_MAX_PORTS];
	char *save = NULL;
	nfds_t n = 0;

	for (char *w = strtok_r(args, " ", &save); w && n < E2E_HELPER_MAX_PORTS;
	     w = strtok_r(NULL, " ", &save)) {
		long port = strtol(w, NULL, 10);
		int fd;

		if (port <= 0 || port > 65535) {
			fprintf(stderr, "tcp-server: bad port '%s'\n", w);
			return EXIT_FAILURE;
		}
		fd = e2e_helper_listen((uint16_t)port);
		if (fd < 0) {
			fprintf(stderr, "tcp-server: cannot listen on %ld: %s\n", port,
				strerror(-fd));
			return EXIT_FAILURE;
		}
		ports[n] = (uint16_t)port;
		p[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	if (!n) {
		fprintf(stderr, "tcp-server: no port given\n");
		return EXIT_FAILURE;
	}
	for (;;) {
		if (poll(p, n, -1) < 0 && errno != EINTR)
			return EXIT_FAILURE;
		for (nfds_t i = 0; i < n; i++) {
			if (p[i].revents & POLLIN)
				e2e_helper_answer(p[i].fd, ports[i]);
		}
	}
}

__attribute__((constructor)) static void e2e_helper_main(void)
{
	const char *mode = getenv("BF_E2E_HELPER");
	char args[256];

	if (!mode)
		return;
	/* Don't outlive the script that started us. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (!strncmp(mode, "tcp-server ", strlen("tcp-server "))) {
		snprintf(args, sizeof(args), "%s", mode + strlen("tcp-server "));
		exit(e2e_helper_tcp_server(args));
	}
	fprintf(stderr, "BF_E2E_HELPER: unknown mode '%s' (known: tcp-server PORT...)\n", mode);
	exit(EXIT_FAILURE);
}
