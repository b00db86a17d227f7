// SPDX-License-Identifier: GPL-2.0-only
#include "logfmt.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "helper.h"
#include "names.h"

#define BF_NS_PER_SEC 1000000000LL
#define BF_NS_PER_USEC 1000LL

/* IPv4 and IPv6 header bytes the entry's raw l3 copy is read at. */
#define BF_IP4_TTL_OFF 8
#define BF_IP4_PROTO_OFF 9
#define BF_IP6_NEXTHDR_OFF 6
#define BF_IP6_HOPLIMIT_OFF 7
/* TCP header: sequence, acknowledgment, flags byte, window. */
#define BF_TCP_SEQ_OFF 4
#define BF_TCP_ACK_OFF 8
#define BF_TCP_FLAGS_OFF 13
#define BF_TCP_WIN_OFF 14
#define BF_ETH_TYPE_OFF 12
#define BF_ETH_ALEN 6

#define BF_PROTO_TCP 6
#define BF_PROTO_UDP 17
#define BF_PROTO_ICMP 1
#define BF_PROTO_ICMPV6 58

/* A line being written: like snprintf(), @off keeps counting past @len so
 * the caller learns how long the whole line is. */
struct bf_line {
	char *buf;
	size_t len;
	size_t off;
};

__attribute__((format(printf, 2, 3))) static void put(struct bf_line *l, const char *fmt, ...)
{
	size_t room = l->off < l->len ? l->len - l->off : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? l->buf + l->off : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->off += (size_t)n;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_time(struct bf_line *l, uint64_t ts_ns, int64_t boot_to_real_ns)
{
	int64_t ns = (int64_t)(ts_ns & INT64_MAX) + boot_to_real_ns;
	time_t sec;
	struct tm tm;
	char date[32];

	/* A timestamp before the epoch can only be garbage: print 0. */
	if (ns < 0)
		ns = 0;
	sec = (time_t)(ns / BF_NS_PER_SEC);
	if (!localtime_r(&sec, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(date, sizeof(date), "%lld", (long long)sec);
	put(l, "%s.%06lld", date, (long long)(ns % BF_NS_PER_SEC / BF_NS_PER_USEC));
}

static void put_name_or_num(struct bf_line *l, const char *key, const char *name, unsigned int v)
{
	if (name)
		put(l, " %s=%s", key, name);
	else
		put(l, " %s=%u", key, v);
}

static void put_addr(struct bf_line *l, const char *key, int family, const uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];

	put(l, " %s=%s", key, inet_ntop(family, addr, buf, sizeof(buf)) ?: "?");
}

static void put_mac(struct bf_line *l, const char *key, const uint8_t *mac)
{
	put(l, " %s=%02x:%02x:%02x:%02x:%02x:%02x", key, mac[0], mac[1], mac[2], mac[3], mac[4],
	    mac[5]);
}

/* The process name as the kernel copied it: NUL-terminated or not, any
 * byte. Kept to one printable word so the line stays KEY=VALUE. */
static void put_comm(struct bf_line *l, const char *comm)
{
	char clean[BF_COMM_LEN + 1];
	size_t i;

	for (i = 0; i < BF_COMM_LEN && comm[i]; i++)
		clean[i] = isgraph((unsigned char)comm[i]) ? comm[i] : '?';
	clean[i] = '\0';
	put(l, " comm=%s", i ? clean : "-");
}

static void put_link(struct bf_line *l, const struct bf_log_entry *e)
{
	uint16_t type = get_be16(e->l2 + BF_ETH_TYPE_OFF);
	const char *name = bf_l3_proto_to_str(type);

	put(l, " link:");
	put_mac(l, "src", e->l2 + BF_ETH_ALEN);
	put_mac(l, "dst", e->l2);
	if (name)
		put(l, " type=%s", name);
	else
		put(l, " type=0x%04x", type);
}

/* AF_INET, AF_INET6, or 0: from what the parser found, else from the IP
 * version in the captured header. */
static int entry_family(const struct bf_log_entry *e)
{
	if (e->pkt.flags & BF_PKT_IPV4)
		return AF_INET;
	if (e->pkt.flags & BF_PKT_IPV6)
		return AF_INET6;
	if (e->have & BF_LOG_INTERNET) {
		if (e->l3[0] >> 4 == 4)
			return AF_INET;
		if (e->l3[0] >> 4 == 6)
			return AF_INET6;
	}
	return 0;
}

/* The transport protocol: the parser's (past IPv6 extension headers),
 * else the IP header's. */
static uint8_t entry_l4_proto(const struct bf_log_entry *e, int family)
{
	if (e->pkt.flags & BF_PKT_L4)
		return e->pkt.l4_proto;
	return e->l3[family == AF_INET ? BF_IP4_PROTO_OFF : BF_IP6_NEXTHDR_OFF];
}

static void put_internet(struct bf_line *l, const struct bf_log_entry *e)
{
	int family = entry_family(e);
	uint8_t proto;

	if (!family) {
		put(l, " internet: -");
		return;
	}
	proto = entry_l4_proto(e, family);
	put(l, " internet:");
	put_addr(l, "src", family, e->pkt.saddr);
	put_addr(l, "dst", family, e->pkt.daddr);
	put_name_or_num(l, "proto", bf_l4_proto_to_str(proto), proto);
	if (family == AF_INET)
		put(l, " ttl=%u", e->l3[BF_IP4_TTL_OFF]);
	else
		put(l, " hop_limit=%u", e->l3[BF_IP6_HOPLIMIT_OFF]);
}

static void put_tcp_flags(struct bf_line *l, uint8_t flags)
{
	bool first = true;

	put(l, " flags=");
	if (!flags) {
		put(l, "none");
		return;
	}
	for (unsigned int bit = 1; bit <= UINT8_MAX; bit <<= 1) {
		if (!(flags & bit))
			continue;
		put(l, "%s%s", first ? "" : ",", bf_tcp_flag_to_str(bit) ?: "?");
		first = false;
	}
}

static void put_transport(struct bf_line *l, const struct bf_log_entry *e)
{
	const uint8_t *h = e->l4;
	uint32_t f = e->pkt.flags;
	int family = entry_family(e);
	uint8_t proto = family ? entry_l4_proto(e, family) : 0;

	if ((f & BF_PKT_TCP) || (!(f & BF_PKT_L4) && proto == BF_PROTO_TCP)) {
		put(l, " transport: sport=%u dport=%u", get_be16(h), get_be16(h + 2));
		put_tcp_flags(l, h[BF_TCP_FLAGS_OFF]);
		put(l, " seq=%" PRIu32 " ack=%" PRIu32 " win=%u", get_be32(h + BF_TCP_SEQ_OFF),
		    get_be32(h + BF_TCP_ACK_OFF), get_be16(h + BF_TCP_WIN_OFF));
	} else if ((f & BF_PKT_UDP) || (!(f & BF_PKT_L4) && proto == BF_PROTO_UDP)) {
		put(l, " transport: sport=%u dport=%u", get_be16(h), get_be16(h + 2));
	} else if ((f & BF_PKT_ICMP) || (!(f & BF_PKT_L4) && proto == BF_PROTO_ICMP)) {
		put(l, " transport:");
		put_name_or_num(l, "type", bf_icmp_type_to_str(h[0]), h[0]);
		put(l, " code=%u", h[1]);
	} else if ((f & BF_PKT_ICMPV6) || (!(f & BF_PKT_L4) && proto == BF_PROTO_ICMPV6)) {
		put(l, " transport:");
		put_name_or_num(l, "type", bf_icmpv6_type_to_str(h[0]), h[0]);
		put(l, " code=%u", h[1]);
	} else {
		/* A protocol we don't decode: the internet group names it. */
		put(l, " transport: -");
	}
}

static void put_packet(struct bf_line *l, const struct bf_log_entry *e)
{
	put(l, " size=%" PRIu32, e->pkt_len);
	if (e->hdrs & BF_LOG_LINK) {
		if (e->have & BF_LOG_LINK)
			put_link(l, e);
		else
			put(l, " link: -");
	}
	if (e->hdrs & BF_LOG_INTERNET) {
		if (e->have & BF_LOG_INTERNET)
			put_internet(l, e);
		else
			put(l, " internet: -");
	}
	if (e->hdrs & BF_LOG_TRANSPORT) {
		if (e->have & BF_LOG_TRANSPORT)
			put_transport(l, e);
		else
			put(l, " transport: -");
	}
}

/* No packet: the calling process and the address it connects or sends
 * to, whatever headers the rule asked for. */
static void put_sock_addr(struct bf_line *l, const struct bf_log_entry *e, enum bf_hook hook)
{
	bool ip6 = hook == BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6 ||
		   hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6;
	int family = ip6 ? AF_INET6 : AF_INET;
	bool sendmsg = hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4 ||
		       hook == BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6;

	put(l, " pid=%" PRIu32, e->pid);
	put_comm(l, e->comm);
	if (e->pkt.flags & BF_PKT_L4)
		put_name_or_num(l, "proto", bf_l4_proto_to_str(e->pkt.l4_proto), e->pkt.l4_proto);
	if (sendmsg)
		put_addr(l, "src", family, e->pkt.saddr);
	put_addr(l, "dst", family, e->pkt.daddr);
	put(l, " dport=%u", ntohs(e->pkt.dport));
}

int bf_log_entry_format_at(const struct bf_log_entry *e, enum bf_hook hook,
			   int64_t boot_to_real_ns, char *buf, size_t len)
{
	struct bf_line l = { .buf = buf, .len = buf ? len : 0 };

	if (!e)
		return -EINVAL;
	if (l.len)
		buf[0] = '\0';

	put_time(&l, e->ts_ns, boot_to_real_ns);
	put(&l, " rule=%" PRIu32, e->rule);
	put_name_or_num(&l, "verdict", bf_verdict_to_str(e->verdict), e->verdict);
	if (bf_hook_is_sock_addr(hook))
		put_sock_addr(&l, e, hook);
	else
		put_packet(&l, e);
	return l.off > INT32_MAX ? INT32_MAX : (int)l.off;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts = { 0 };

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * BF_NS_PER_SEC + ts.tv_nsec;
}

int64_t bf_log_boot_to_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

int bf_log_entry_format(const struct bf_log_entry *e, enum bf_hook hook, char *buf, size_t len)
{
	/* Once: entries of one stream must not jump when NTP slews the
	 * wall clock, and reading two clocks per entry is wasted work. */
	static bool measured;
	static int64_t offset;

	if (!measured) {
		offset = bf_log_boot_to_real_ns();
		measured = true;
	}
	return bf_log_entry_format_at(e, hook, offset, buf, len);
}
