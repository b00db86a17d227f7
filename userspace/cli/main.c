// SPDX-License-Identifier: GPL-2.0-only
/*
 * bfcli: parse and validate rules locally, then send one request to the
 * daemon and print its answer. Syntax and semantic errors are caught here,
 * before anything reaches the daemon, so they never touch running rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/chain.h"
#include "lib/client.h"
#include "lib/dump.h"
#include "lib/helper.h"
#include "lib/logfmt.h"
#include "lib/msg.h"
#include "lib/parse.h"
#include "lib/request.h"
#include "lib/validate.h"

#define BF_CLI_ERR_LEN 1024
/* A log line is ~300 characters with every header. */
#define BF_CLI_LOG_LINE_LEN 2048
/* A rules file larger than the largest message could never be sent. */
#define BF_CLI_MAX_TEXT BF_MSG_MAX

/* Options after OBJECT ACTION; getopt_long() returns these ids. */
enum bf_cli_opt {
	BF_OPT_FROM_STR = 256,
	BF_OPT_FROM_FILE,
	BF_OPT_NAME,
	BF_OPT_DRY_RUN,
	BF_OPT_NO_SET_CONTENT,
	BF_OPT_OPTION,
	BF_OPT_SOCKET,
	BF_OPT_SET_NAME,
	BF_OPT_ADD,
	BF_OPT_REMOVE,
};

#define BF_OPT_BIT(id) (1U << ((id)-BF_OPT_FROM_STR))
#define BF_OPTS_TEXT (BF_OPT_BIT(BF_OPT_FROM_STR) | BF_OPT_BIT(BF_OPT_FROM_FILE))
/* Options that may be given several times, their values kept in order. */
#define BF_OPTS_REPEATABLE \
	(BF_OPT_BIT(BF_OPT_OPTION) | BF_OPT_BIT(BF_OPT_ADD) | BF_OPT_BIT(BF_OPT_REMOVE))

struct bf_cli {
	const char *socket;
	const char *from_str;
	const char *from_file;
	const char *name;
	bool dry_run;
	bool no_set_content;
	const char *set_name;
	/* --option values, in order: parsed by the attach command. */
	const char **options;
	size_t noptions;
	/* --add and --remove values, in order: set elements as written. */
	const char **adds;
	size_t nadds;
	const char **removes;
	size_t nremoves;
	unsigned int given; /* BF_OPT_BIT() of each option seen */
};

struct bf_cli_cmd {
	const char *object;
	const char *action;
	enum bf_cmd cmd;
	unsigned int allowed; /* BF_OPT_BIT()s */
	/* At least one of these must be given (all of them for --name). */
	unsigned int required;
	int (*run)(const struct bf_cli_cmd *cmd, const struct bf_cli *cli);
};

static const struct option bf_cli_global_opts[] = {
	{ "socket", required_argument, NULL, BF_OPT_SOCKET },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const struct option bf_cli_cmd_opts[] = {
	{ "from-str", required_argument, NULL, BF_OPT_FROM_STR },
	{ "from-file", required_argument, NULL, BF_OPT_FROM_FILE },
	{ "name", required_argument, NULL, BF_OPT_NAME },
	{ "dry-run", no_argument, NULL, BF_OPT_DRY_RUN },
	{ "no-set-content", no_argument, NULL, BF_OPT_NO_SET_CONTENT },
	{ "option", required_argument, NULL, BF_OPT_OPTION },
	{ "socket", required_argument, NULL, BF_OPT_SOCKET },
	{ "set-name", required_argument, NULL, BF_OPT_SET_NAME },
	{ "add", required_argument, NULL, BF_OPT_ADD },
	{ "remove", required_argument, NULL, BF_OPT_REMOVE },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static int bf_cli_help(void)
{
	printf("Usage: bfcli [--socket PATH] OBJECT ACTION [OPTIONS]\n"
	       "\n"
	       "Commands:\n"
	       "  ruleset set (--from-str S | --from-file F) [--dry-run]\n"
	       "  ruleset get [--no-set-content]\n"
	       "  ruleset flush\n"
	       "  chain set (--from-str S | --from-file F) [--name N] [--dry-run]\n"
	       "  chain load (--from-str S | --from-file F) [--name N] [--dry-run]\n"
	       "  chain update (--from-str S | --from-file F) [--name N] [--dry-run]\n"
	       "  chain get --name N [--no-set-content]\n"
	       "  chain attach --name N [--option K=V ...]\n"
	       "  chain update-set --name N --set-name S [--add E ...] [--remove E ...]\n"
	       "                   [--dry-run]\n"
	       "  chain logs --name N\n"
	       "  chain flush --name N\n"
	       "\n"
	       "Options:\n"
	       "  --socket PATH      daemon socket ($BF_SOCKET, else " BF_SOCKET_PATH ")\n"
	       "  --from-str S       rules given as text\n"
	       "  --from-file F      rules read from file F ('-' for stdin)\n"
	       "  --name N           chain to act on; selects one when the text defines several\n"
	       "  --dry-run          parse and validate only, don't change anything (update-set:\n"
	       "                     the daemon checks the elements against the set)\n"
	       "  --no-set-content   print the size of sets instead of their elements\n"
	       "  --option K=V       hook option: ifindex=N, family=inet4|inet6,\n"
	       "                     priorities=A-B, cgpath=PATH\n"
	       "  --set-name S       named set to change\n"
	       "  --add E            element to add, as written in the set: '10.0.0.1, 22'\n"
	       "  --remove E         element to remove\n"
	       "  -h, --help         show this help\n");
	return 0;
}

/* Print "bfcli: <message>" on stderr; returns -1 for the caller to pass on. */
__attribute__((format(printf, 1, 2))) static int bf_cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("bfcli: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int bf_cli_read_fd(int fd, char **text)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;

	for (;;) {
		if (cap - len < 2) {
			char *p;

			cap = cap ? cap * 2 : 64 * 1024;
			if (cap > BF_CLI_MAX_TEXT * 2UL)
				return -EFBIG;
			p = realloc(buf, cap);
			if (!p)
				return -ENOMEM;
			buf = p;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > BF_CLI_MAX_TEXT)
		return -EFBIG;
	buf[len] = '\0';
	/* The parser takes a C string: a NUL would silently cut the rules. */
	if (strlen(buf) != len)
		return -EILSEQ;
	*text = TAKE_PTR(buf);
	return 0;
}

static int bf_cli_read_file(const char *path, char **text)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (!strcmp(path, "-"))
		return bf_cli_read_fd(STDIN_FILENO, text);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = bf_cli_read_fd(fd, text);
	return r;
}

/* Parse --from-str or --from-file into @rs; errors are printed. */
static int bf_cli_parse(const struct bf_cli *cli, struct bf_ruleset **rs)
{
	_cleanup_free_ char *owned = NULL;
	const char *text = cli->from_str;
	char err[BF_CLI_ERR_LEN] = "";
	int r;

	if (cli->from_file) {
		r = bf_cli_read_file(cli->from_file, &owned);
		if (r == -EILSEQ)
			return bf_cli_err("%s: the file contains a NUL byte", cli->from_file);
		if (r)
			return bf_cli_err("cannot read '%s': %s", cli->from_file, strerror(-r));
		text = owned;
	}

	*rs = NULL;
	r = bf_parse_ruleset(text, rs, err, sizeof(err));
	if (r) {
		bf_ruleset_free(rs);
		if (!err[0])
			snprintf(err, sizeof(err), "%s", strerror(-r));
		if (cli->from_file)
			return bf_cli_err("%s: %s", cli->from_file, err);
		return bf_cli_err("%s", err);
	}
	return 0;
}

static int bf_cli_validate(const struct bf_chain *chain)
{
	char err[BF_CLI_ERR_LEN] = "";

	if (bf_chain_validate(chain, err, sizeof(err)))
		return bf_cli_err("%s", err[0] ? err : "invalid chain");
	return 0;
}

/* Take the chain to send out of @rs: the one named @name, or the only one. */
static int bf_cli_pick_chain(struct bf_ruleset *rs, const char *name, struct bf_chain **chain)
{
	if (!rs->nchains)
		return bf_cli_err("the text defines no chain");
	if (!name && rs->nchains > 1)
		return bf_cli_err("the text defines %zu chains: select one with --name",
				  rs->nchains);

	for (size_t i = 0; i < rs->nchains; i++) {
		if (!name || !strcmp(rs->chains[i]->name, name)) {
			/* bf_ruleset_free() skips the NULL left behind. */
			*chain = TAKE_PTR(rs->chains[i]);
			return 0;
		}
	}
	return bf_cli_err("chain '%s' is not defined in the text", name);
}

static int bf_cli_set_name(struct bf_request *req, const char *name)
{
	if (strlen(name) >= sizeof(req->name))
		return bf_cli_err("chain name '%s' is too long (at most %zu characters)", name,
				  sizeof(req->name) - 1);
	strcpy(req->name, name);
	return 0;
}

/* The connected socket, or -1 (printed). */
static int bf_cli_connect(const struct bf_cli *cli)
{
	const char *path = cli->socket ? cli->socket : bf_client_socket_path();
	int fd = bf_client_connect(path);

	if (fd == -ENOENT || fd == -ECONNREFUSED)
		return bf_cli_err("cannot connect to %s: %s (is the bpfilter daemon running?)",
				  path, strerror(-fd));
	if (fd < 0)
		return bf_cli_err("cannot connect to %s: %s", path, strerror(-fd));
	return fd;
}

/* Send @req on @fd and check the daemon's status; failures are printed. */
static int bf_cli_exchange(int fd, const struct bf_request *req, struct bf_response *resp)
{
	int r = bf_client_exchange(fd, req, resp);

	if (r == -EINVAL || r == -EBADMSG)
		return bf_cli_err("malformed response from the daemon");
	if (r)
		return bf_cli_err("%s request failed: %s", bf_cmd_to_str(req->cmd), strerror(-r));
	if (resp->status)
		return bf_cli_err("%s", resp->message[0] ? resp->message : strerror(-resp->status));
	return 0;
}

/* Send @req and check the daemon's status; every failure is printed. */
static int bf_cli_send(const struct bf_cli *cli, const struct bf_request *req,
		       struct bf_response *resp)
{
	_cleanup_close_ int fd = bf_cli_connect(cli);

	if (fd < 0)
		return -1;
	return bf_cli_exchange(fd, req, resp);
}

/* A request that needs nothing back but a status. */
static int bf_cli_send_simple(const struct bf_cli *cli, const struct bf_request *req)
{
	struct bf_response resp = { 0 };
	int r;

	r = bf_cli_send(cli, req, &resp);
	bf_response_clean(&resp);
	return r;
}

static int bf_cli_ruleset_set(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	_cleanup_bf_ruleset_ struct bf_ruleset *rs = NULL;
	struct bf_request req = { .cmd = cmd->cmd };

	if (bf_cli_parse(cli, &rs))
		return -1;
	for (size_t i = 0; i < rs->nchains; i++) {
		if (bf_cli_validate(rs->chains[i]))
			return -1;
	}
	if (cli->dry_run)
		return 0;

	req.ruleset = rs;
	return bf_cli_send_simple(cli, &req);
}

/* chain set, load and update: one chain from the text. */
static int bf_cli_chain_push(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	_cleanup_bf_ruleset_ struct bf_ruleset *parsed = NULL;
	_cleanup_bf_ruleset_ struct bf_ruleset *rs = NULL;
	_cleanup_bf_chain_ struct bf_chain *chain = NULL;
	struct bf_request req = { .cmd = cmd->cmd };

	if (bf_cli_parse(cli, &parsed) || bf_cli_pick_chain(parsed, cli->name, &chain) ||
	    bf_cli_validate(chain))
		return -1;
	if (cli->dry_run)
		return 0;

	strcpy(req.name, chain->name);
	rs = bf_ruleset_new();
	if (!rs || bf_ruleset_add_chain(rs, chain))
		return bf_cli_err("%s", strerror(ENOMEM));
	chain = NULL;

	req.ruleset = rs;
	return bf_cli_send_simple(cli, &req);
}

/* ruleset get and chain get. */
static int bf_cli_get(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	struct bf_request req = { .cmd = cmd->cmd };
	struct bf_response resp = { 0 };
	int r;

	if (cli->name && bf_cli_set_name(&req, cli->name))
		return -1;
	if (cli->no_set_content)
		req.flags |= BF_REQ_NO_SET_CONTENT;

	r = bf_cli_send(cli, &req, &resp);
	for (size_t i = 0; !r && resp.ruleset && i < resp.ruleset->nchains; i++) {
		r = bf_chain_dump(stdout, resp.ruleset->chains[i], !cli->no_set_content);
		if (r)
			r = bf_cli_err("cannot print chain '%s': %s", resp.ruleset->chains[i]->name,
				       strerror(-r));
	}
	bf_response_clean(&resp);
	return r;
}

/* ruleset flush and chain flush. */
static int bf_cli_flush(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	struct bf_request req = { .cmd = cmd->cmd };

	if (cli->name && bf_cli_set_name(&req, cli->name))
		return -1;
	return bf_cli_send_simple(cli, &req);
}

/* One --option K=V into @opts. */
static int bf_cli_hookopt(const char *option, struct bf_hookopts *opts)
{
	_cleanup_free_ char *key = NULL;
	char err[BF_CLI_ERR_LEN] = "";
	const char *eq = strchr(option, '=');

	if (!eq || eq == option)
		return bf_cli_err("--option expects KEY=VALUE, got '%s'", option);
	key = strndup(option, (size_t)(eq - option));
	if (!key)
		return bf_cli_err("%s", strerror(ENOMEM));
	if (bf_hookopt_parse(key, eq + 1, opts, err, sizeof(err)))
		return bf_cli_err("%s", err[0] ? err : "invalid hook option");
	return 0;
}

static int bf_cli_chain_attach(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	struct bf_request req = { .cmd = cmd->cmd };

	if (bf_cli_set_name(&req, cli->name))
		return -1;
	for (size_t i = 0; i < cli->noptions; i++) {
		if (bf_cli_hookopt(cli->options[i], &req.opts))
			return -1;
	}
	return bf_cli_send_simple(cli, &req);
}

static int bf_cli_check_elems(const char *const *elems, size_t n, const char *opt)
{
	if (n > BF_REQ_MAX_ELEMS)
		return bf_cli_err("too many --%s (at most %u)", opt, BF_REQ_MAX_ELEMS);
	for (size_t i = 0; i < n; i++) {
		if (strlen(elems[i]) > BF_REQ_ELEM_MAX_LEN)
			return bf_cli_err("--%s '%.32s...' is too long (at most %u bytes)", opt,
					  elems[i], BF_REQ_ELEM_MAX_LEN);
	}
	return 0;
}

/*
 * The elements are sent as written: only the daemon knows the set's key
 * to parse them against. With --dry-run it does just that and changes
 * nothing, so the check is as thorough as the real thing.
 */
static int bf_cli_chain_update_set(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	struct bf_request req = { .cmd = cmd->cmd };

	if (bf_cli_set_name(&req, cli->name))
		return -1;
	if (!cli->set_name)
		return bf_cli_err("'chain update-set' needs --set-name");
	if (!bf_name_is_valid(cli->set_name, strlen(cli->set_name) + 1))
		return bf_cli_err("invalid set name '%s' (1-%d letters, digits, '_', '-', '.')",
				  cli->set_name, BF_NAME_LEN - 1);
	if (!cli->nadds && !cli->nremoves)
		return bf_cli_err("'chain update-set' needs at least one --add or --remove");
	if (bf_cli_check_elems(cli->adds, cli->nadds, "add") ||
	    bf_cli_check_elems(cli->removes, cli->nremoves, "remove"))
		return -1;

	strcpy(req.set_name, cli->set_name);
	/* The request only reads them: argv outlives it. */
	req.add = (char **)cli->adds;
	req.nadd = cli->nadds;
	req.remove = (char **)cli->removes;
	req.nremove = cli->nremoves;
	if (cli->dry_run)
		req.flags |= BF_REQ_DRY_RUN;
	return bf_cli_send_simple(cli, &req);
}

/* The hook of chain @name, to know how to read its log entries. */
static int bf_cli_chain_hook(const struct bf_cli *cli, const char *name, enum bf_hook *hook)
{
	struct bf_request req = { .cmd = BF_CMD_CHAIN_GET, .flags = BF_REQ_NO_SET_CONTENT };
	struct bf_response resp = { 0 };
	int r;

	if (bf_cli_set_name(&req, name) || bf_cli_send(cli, &req, &resp)) {
		bf_response_clean(&resp);
		return -1;
	}
	r = -1;
	for (size_t i = 0; resp.ruleset && i < resp.ruleset->nchains; i++) {
		if (!strcmp(resp.ruleset->chains[i]->name, name)) {
			*hook = resp.ruleset->chains[i]->hook;
			r = 0;
		}
	}
	bf_response_clean(&resp);
	if (r)
		return bf_cli_err("the daemon did not return chain '%s'", name);
	return 0;
}

static volatile sig_atomic_t bf_cli_stop;

static void bf_cli_on_signal(int sig)
{
	(void)sig;
	bf_cli_stop = 1;
}

/* One line per entry, flushed at once: whoever reads a pipe or tails a
 * file sees each packet as it is logged. */
static int bf_cli_print_entry(const struct bf_log_entry *e, enum bf_hook hook)
{
	char line[BF_CLI_LOG_LINE_LEN];

	bf_log_entry_format(e, hook, line, sizeof(line));
	if (printf("%s\n", line) < 0 || fflush(stdout))
		return bf_cli_err("cannot write the output: %s", strerror(errno));
	return 0;
}

/* Wait for the next message. 1 when one is there, 0 on a signal or at the
 * end of the stream (between messages: bf_cli_stop tells them apart), -1
 * on error (printed). */
static int bf_cli_wait(int fd, const sigset_t *mask)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	ssize_t n;

	while (ppoll(&p, 1, NULL, mask) < 0) {
		if (errno != EINTR)
			return bf_cli_err("cannot wait for the daemon: %s", strerror(errno));
		if (bf_cli_stop)
			return 0;
	}
	/* Readable with nothing to read is the end of the stream. */
	do
		n = recv(fd, &c, 1, MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return bf_cli_err("log stream: %s", strerror(errno));
	return n ? 1 : 0;
}

/*
 * Read entries until a signal arrives: that is the only normal end. The
 * daemon ends a stream with an error response (chain removed...), or by
 * closing it when it stops: both are reported, with a failure status.
 */
static int bf_cli_follow(int fd, const char *name, enum bf_hook hook, const sigset_t *mask)
{
	int r = 0;

	while (!bf_cli_stop && (r = bf_cli_wait(fd, mask)) > 0) {
		_cleanup_free_ void *buf = NULL;
		struct bf_response resp;
		size_t len;

		r = bf_msg_recv(fd, &buf, &len);
		if (r)
			return bf_cli_err("log stream: %s", strerror(-r));
		if (bf_response_unpack(buf, len, &resp))
			return bf_cli_err("malformed response from the daemon");
		if (resp.status)
			r = bf_cli_err("%s", resp.message[0] ? resp.message : strerror(-resp.status));
		else if (resp.has_log)
			r = bf_cli_print_entry(&resp.log, hook);
		bf_response_clean(&resp);
		if (r)
			return r;
	}
	if (bf_cli_stop)
		return 0;
	if (!r)
		r = bf_cli_err("the daemon closed the log stream of chain '%s'", name);
	return r;
}

/*
 * SIGINT and SIGTERM stay blocked except while waiting in ppoll(): one
 * that arrives while an entry is read or printed ends the loop at the next
 * wait, never in the middle of a line.
 */
static int bf_cli_chain_logs(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	struct sigaction sa = { .sa_handler = bf_cli_on_signal }, old_int, old_term;
	struct bf_request req = { .cmd = cmd->cmd };
	struct bf_response resp = { 0 };
	_cleanup_close_ int fd = -1;
	sigset_t block, old_mask, wait_mask;
	enum bf_hook hook = BF_HOOK_XDP;
	int r;

	if (bf_cli_set_name(&req, cli->name) || bf_cli_chain_hook(cli, cli->name, &hook))
		return -1;
	fd = bf_cli_connect(cli);
	if (fd < 0)
		return -1;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	wait_mask = old_mask;
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	r = bf_cli_exchange(fd, &req, &resp);
	if (!r && resp.has_log)
		r = bf_cli_print_entry(&resp.log, hook);
	bf_response_clean(&resp);
	if (!r)
		r = bf_cli_follow(fd, cli->name, hook, &wait_mask);

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}

#define BF_OPTS_PUSH (BF_OPTS_TEXT | BF_OPT_BIT(BF_OPT_NAME) | BF_OPT_BIT(BF_OPT_DRY_RUN))
#define BF_OPTS_UPDATE_SET                                                                \
	(BF_OPT_BIT(BF_OPT_NAME) | BF_OPT_BIT(BF_OPT_SET_NAME) | BF_OPT_BIT(BF_OPT_ADD) | \
	 BF_OPT_BIT(BF_OPT_REMOVE) | BF_OPT_BIT(BF_OPT_DRY_RUN))
#define BF_OPTS_GET (BF_OPT_BIT(BF_OPT_NAME) | BF_OPT_BIT(BF_OPT_NO_SET_CONTENT))

static const struct bf_cli_cmd bf_cli_cmds[] = {
	{ "ruleset", "set", BF_CMD_RULESET_SET, BF_OPTS_TEXT | BF_OPT_BIT(BF_OPT_DRY_RUN),
	  BF_OPTS_TEXT, bf_cli_ruleset_set },
	{ "ruleset", "get", BF_CMD_RULESET_GET, BF_OPT_BIT(BF_OPT_NO_SET_CONTENT), 0, bf_cli_get },
	{ "ruleset", "flush", BF_CMD_RULESET_FLUSH, 0, 0, bf_cli_flush },
	{ "chain", "set", BF_CMD_CHAIN_SET, BF_OPTS_PUSH, BF_OPTS_TEXT, bf_cli_chain_push },
	{ "chain", "load", BF_CMD_CHAIN_LOAD, BF_OPTS_PUSH, BF_OPTS_TEXT, bf_cli_chain_push },
	{ "chain", "update", BF_CMD_CHAIN_UPDATE, BF_OPTS_PUSH, BF_OPTS_TEXT, bf_cli_chain_push },
	{ "chain", "get", BF_CMD_CHAIN_GET, BF_OPTS_GET, BF_OPT_BIT(BF_OPT_NAME), bf_cli_get },
	{ "chain", "attach", BF_CMD_CHAIN_ATTACH,
	  BF_OPT_BIT(BF_OPT_NAME) | BF_OPT_BIT(BF_OPT_OPTION), BF_OPT_BIT(BF_OPT_NAME),
	  bf_cli_chain_attach },
	{ "chain", "update-set", BF_CMD_CHAIN_UPDATE_SET, BF_OPTS_UPDATE_SET,
	  BF_OPT_BIT(BF_OPT_NAME), bf_cli_chain_update_set },
	{ "chain", "logs", BF_CMD_CHAIN_LOGS, BF_OPT_BIT(BF_OPT_NAME), BF_OPT_BIT(BF_OPT_NAME),
	  bf_cli_chain_logs },
	{ "chain", "flush", BF_CMD_CHAIN_FLUSH, BF_OPT_BIT(BF_OPT_NAME), BF_OPT_BIT(BF_OPT_NAME),
	  bf_cli_flush },
};

static int bf_cli_usage_err(const char *what, const char *arg)
{
	return bf_cli_err("%s '%s' (see 'bfcli --help')", what, arg);
}

static const char *bf_cli_opt_name(int id)
{
	for (const struct option *o = bf_cli_cmd_opts; o->name; o++) {
		if (o->val == id)
			return o->name;
	}
	return "?";
}

/* getopt_long() failed on the option just before optind. */
static int bf_cli_bad_opt(int c, char *const argv[])
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return bf_cli_usage_err("missing value for option", arg);
	if (optopt && strncmp(arg, "--", 2))
		return bf_cli_err("unknown option '-%c' (see 'bfcli --help')", optopt);
	return bf_cli_usage_err("unknown option", arg);
}

/* Record one command option; -1 on a usage error (printed). */
static int bf_cli_store_opt(struct bf_cli *cli, int id, const char *arg)
{
	if (!(BF_OPTS_REPEATABLE & BF_OPT_BIT(id)) && (cli->given & BF_OPT_BIT(id)))
		return bf_cli_err("option '--%s' given twice", bf_cli_opt_name(id));
	cli->given |= BF_OPT_BIT(id);

	switch (id) {
	case BF_OPT_FROM_STR:
		cli->from_str = arg;
		break;
	case BF_OPT_FROM_FILE:
		cli->from_file = arg;
		break;
	case BF_OPT_NAME:
		cli->name = arg;
		break;
	case BF_OPT_DRY_RUN:
		cli->dry_run = true;
		break;
	case BF_OPT_NO_SET_CONTENT:
		cli->no_set_content = true;
		break;
	case BF_OPT_OPTION:
		cli->options[cli->noptions++] = arg;
		break;
	case BF_OPT_SET_NAME:
		cli->set_name = arg;
		break;
	case BF_OPT_ADD:
		cli->adds[cli->nadds++] = arg;
		break;
	case BF_OPT_REMOVE:
		cli->removes[cli->nremoves++] = arg;
		break;
	case BF_OPT_SOCKET:
		/* Also accepted after OBJECT ACTION, where users tend to add it. */
		cli->given &= ~BF_OPT_BIT(id);
		cli->socket = arg;
		break;
	}
	return 0;
}

/* Parse the options after OBJECT ACTION: argv[0] is ACTION. 1 for --help. */
static int bf_cli_parse_cmd_opts(struct bf_cli *cli, int argc, char *argv[])
{
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", bf_cli_cmd_opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || c == ':')
			return bf_cli_bad_opt(c, argv);
		if (bf_cli_store_opt(cli, c, optarg))
			return -1;
	}
	if (optind < argc)
		return bf_cli_usage_err("unexpected argument", argv[optind]);
	return 0;
}

static int bf_cli_check_opts(const struct bf_cli_cmd *cmd, const struct bf_cli *cli)
{
	unsigned int extra = cli->given & ~cmd->allowed;

	if (extra) {
		return bf_cli_err("option '--%s' is not valid for '%s %s'",
				  bf_cli_opt_name(BF_OPT_FROM_STR + __builtin_ctz(extra)),
				  cmd->object, cmd->action);
	}
	if ((cli->given & BF_OPTS_TEXT) == BF_OPTS_TEXT)
		return bf_cli_err("--from-str and --from-file are mutually exclusive");
	if (cmd->required && !(cli->given & cmd->required)) {
		if (cmd->required == BF_OPTS_TEXT)
			return bf_cli_err("'%s %s' needs --from-str or --from-file", cmd->object,
					  cmd->action);
		return bf_cli_err("'%s %s' needs --name", cmd->object, cmd->action);
	}
	return 0;
}

static const struct bf_cli_cmd *bf_cli_find_cmd(const char *object, const char *action)
{
	bool known_object = false;

	for (size_t i = 0; i < ARRAY_SIZE(bf_cli_cmds); i++) {
		if (strcmp(bf_cli_cmds[i].object, object))
			continue;
		known_object = true;
		if (!strcmp(bf_cli_cmds[i].action, action))
			return &bf_cli_cmds[i];
	}
	if (known_object)
		bf_cli_err("unknown action '%s' for '%s' (see 'bfcli --help')", action, object);
	else
		bf_cli_usage_err("unknown object", object);
	return NULL;
}

/* Options before OBJECT: --socket and --help. 1 for --help. */
static int bf_cli_parse_global_opts(struct bf_cli *cli, int argc, char *argv[])
{
	int c;

	/* '+': stop at OBJECT, the command's options are parsed later. */
	while ((c = getopt_long(argc, argv, "+:h", bf_cli_global_opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || c == ':')
			return bf_cli_bad_opt(c, argv);
		cli->socket = optarg;
	}
	return 0;
}

static int bf_cli_run(int argc, char *argv[])
{
	_cleanup_free_ const char **options = NULL;
	_cleanup_free_ const char **adds = NULL;
	_cleanup_free_ const char **removes = NULL;
	struct bf_cli cli = { 0 };
	const struct bf_cli_cmd *cmd;
	int r;

	opterr = 0;
	r = bf_cli_parse_global_opts(&cli, argc, argv);
	if (r)
		return r > 0 ? bf_cli_help() : r;
	if (argc - optind < 2)
		return bf_cli_err("expected OBJECT ACTION (see 'bfcli --help')");
	cmd = bf_cli_find_cmd(argv[optind], argv[optind + 1]);
	if (!cmd)
		return -1;

	/* Room for every argument to be an --option, --add or --remove value. */
	options = calloc((size_t)argc, sizeof(*options));
	adds = calloc((size_t)argc, sizeof(*adds));
	removes = calloc((size_t)argc, sizeof(*removes));
	if (!options || !adds || !removes)
		return bf_cli_err("%s", strerror(ENOMEM));
	cli.options = options;
	cli.adds = adds;
	cli.removes = removes;
	r = bf_cli_parse_cmd_opts(&cli, argc - optind - 1, argv + optind + 1);
	if (r)
		return r > 0 ? bf_cli_help() : r;
	if (bf_cli_check_opts(cmd, &cli))
		return -1;
	return cmd->run(cmd, &cli);
}

int main(int argc, char *argv[])
{
	int r = bf_cli_run(argc, argv);

	if (fflush(stdout) || ferror(stdout))
		r = bf_cli_err("cannot write the output: %s", strerror(errno));
	return r ? EXIT_FAILURE : EXIT_SUCCESS;
}
