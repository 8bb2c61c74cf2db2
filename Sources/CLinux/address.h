#ifndef VIGIL_CLINUX_ADDRESS_H
#define VIGIL_CLINUX_ADDRESS_H

// Floating service addresses: adding and removing an address over rtnetlink (one request, one acknowledgement),
// finding it, watching the interface's addresses change, and announcing it to the link (a gratuitous ARP request
// from an AF_PACKET socket, as `arping -U`, keepalived and Pacemaker's IPaddr2 send; an unsolicited neighbour
// advertisement with the override flag to ff02::1 for IPv6). Each returns 0 (or a count) or -errno.

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/icmp6.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_packet.h>
#include <linux/if_ether.h>

#ifndef IFA_F_NODAD
#define IFA_F_NODAD 0x02
#endif

/// A netlink request's acknowledgement: 0 or the -errno the kernel answered.
static inline int vigil_rtnl_ack(int fd, uint32_t seq) {
    char buffer[4096];
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
            if (h->nlmsg_seq != seq) continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *err = (struct nlmsgerr *)NLMSG_DATA(h);
                return err->error;
            }
        }
    }
}

/// Adds (`add` 1) or deletes (`add` 0) `address` (4 or 16 bytes, network order) with `prefix` on interface
/// `ifindex`. An IPv6 address skips duplicate address detection (IFA_F_NODAD): a floating address must answer at
/// once, and its announcement needs it usable as a source. Adding an address that is there already answers -EEXIST;
/// deleting one that is not, -EADDRNOTAVAIL.
static inline int vigil_address_change(int add, int ifindex, int family, const uint8_t *address, int prefix) {
    int length = family == AF_INET ? 4 : 16;
    struct {
        struct nlmsghdr header;
        struct ifaddrmsg message;
        char attributes[128];
    } request;
    memset(&request, 0, sizeof request);
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    request.header.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
    request.header.nlmsg_seq = 1;
    request.message.ifa_family = (unsigned char)family;
    request.message.ifa_prefixlen = (unsigned char)prefix;
    request.message.ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
    request.message.ifa_scope = RT_SCOPE_UNIVERSE;
    request.message.ifa_index = (unsigned)ifindex;
    unsigned short types[2] = {IFA_LOCAL, IFA_ADDRESS};
    for (int i = 0; i < 2; i++) {
        struct rtattr *attribute = (struct rtattr *)((char *)&request + NLMSG_ALIGN(request.header.nlmsg_len));
        attribute->rta_type = types[i];
        attribute->rta_len = RTA_LENGTH(length);
        memcpy(RTA_DATA(attribute), address, length);
        request.header.nlmsg_len = NLMSG_ALIGN(request.header.nlmsg_len) + RTA_ALIGN(attribute->rta_len);
    }
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int result;
    if (sendto(fd, &request, request.header.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        result = -errno;
    } else {
        result = vigil_rtnl_ack(fd, 1);
    }
    close(fd);
    return result;
}

/// Whether `address` is on interface `ifindex`: 1, 0, or -errno (an RTM_GETADDR dump of the family).
static inline int vigil_address_present(int ifindex, int family, const uint8_t *address) {
    int length = family == AF_INET ? 4 : 16;
    struct {
        struct nlmsghdr header;
        struct ifaddrmsg message;
    } request;
    memset(&request, 0, sizeof request);
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    request.header.nlmsg_type = RTM_GETADDR;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = 2;
    request.message.ifa_family = (unsigned char)family;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, &request, request.header.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    int found = 0;
    char buffer[16384];
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            int error = -errno;
            close(fd);
            return error;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buffer; NLMSG_OK(h, (size_t)got); h = NLMSG_NEXT(h, got)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                close(fd);
                return found;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                int error = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                close(fd);
                return error < 0 ? error : -EIO;
            }
            if (h->nlmsg_type != RTM_NEWADDR) continue;
            struct ifaddrmsg *message = (struct ifaddrmsg *)NLMSG_DATA(h);
            if ((int)message->ifa_index != ifindex) continue;
            int rest = (int)IFA_PAYLOAD(h);
            for (struct rtattr *a = IFA_RTA(message); RTA_OK(a, rest); a = RTA_NEXT(a, rest)) {
                if ((a->rta_type == IFA_LOCAL || a->rta_type == IFA_ADDRESS) && RTA_PAYLOAD(a) == (size_t)length
                    && memcmp(RTA_DATA(a), address, length) == 0) {
                    found = 1;
                }
            }
        }
    }
}

/// A non-blocking netlink socket that receives every change of the IPv4 and IPv6 addresses in this network
/// namespace (RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR), or -errno.
static inline int vigil_address_watch_open(void) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0) return -errno;
    struct sockaddr_nl local = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

/// Reads everything queued on a watch socket: the number of messages read (what changed is read afterwards with
/// `vigil_address_present`), or -errno. An overflowed socket (ENOBUFS) counts as a change.
static inline int vigil_address_watch_drain(int fd) {
    char buffer[8192];
    int count = 0;
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return count;
            if (errno == ENOBUFS) {
                count++;
                continue;
            }
            return -errno;
        }
        count++;
    }
}

/// The interface's index (if_nametoindex), or -errno.
static inline int vigil_interface_index(const char *name) {
    unsigned index = if_nametoindex(name);
    return index == 0 ? -errno : (int)index;
}

/// The interface's hardware address into `mac` (6 bytes), or -errno.
static inline int vigil_interface_mac(const char *name, uint8_t *mac) {
    struct ifreq request;
    memset(&request, 0, sizeof request);
    strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int result = ioctl(fd, SIOCGIFHWADDR, &request);
    int error = errno;
    close(fd);
    if (result != 0) return -error;
    memcpy(mac, request.ifr_hwaddr.sa_data, 6);
    return 0;
}

/// An AF_PACKET socket for ARP frames (SOCK_DGRAM: the kernel writes the Ethernet header), or -errno.
static inline int vigil_arp_socket(void) {
    int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
    return fd < 0 ? -errno : fd;
}

/// Broadcasts one gratuitous ARP request for `ip` (4 bytes) from `mac` on `ifindex`: sender and target protocol
/// address both `ip`, target hardware address broadcast. Neighbours that have an entry for `ip` replace its
/// hardware address with `mac` at once (Linux overrides its lock time for a gratuitous ARP). 0 or -errno.
static inline int vigil_arp_announce(int fd, int ifindex, const uint8_t *mac, const uint8_t *ip) {
    uint8_t frame[28];
    frame[0] = 0; frame[1] = 1;                 // hardware type: Ethernet
    frame[2] = 0x08; frame[3] = 0x00;           // protocol type: IPv4
    frame[4] = 6; frame[5] = 4;                 // address lengths
    frame[6] = 0; frame[7] = 1;                 // operation: request
    memcpy(frame + 8, mac, 6);
    memcpy(frame + 14, ip, 4);
    memset(frame + 18, 0xff, 6);
    memcpy(frame + 24, ip, 4);
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = ifindex;
    to.sll_halen = 6;
    memset(to.sll_addr, 0xff, 6);
    return sendto(fd, frame, sizeof frame, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -errno : 0;
}

/// An ICMPv6 socket sending from `ip` (16 bytes) on `ifindex` with hop limit 255 (a neighbour discards a neighbour
/// advertisement with any other), or -errno.
static inline int vigil_na_socket(int ifindex, const uint8_t *ip) {
    int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) return -errno;
    int hops = 255;
    struct sockaddr_in6 local;
    memset(&local, 0, sizeof local);
    local.sin6_family = AF_INET6;
    memcpy(&local.sin6_addr, ip, 16);
    if (IN6_IS_ADDR_LINKLOCAL(&local.sin6_addr)) local.sin6_scope_id = (uint32_t)ifindex;
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops) != 0
        || setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof ifindex) != 0
        || bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

/// Sends one unsolicited neighbour advertisement for `ip` with `mac` to all nodes (ff02::1): override set,
/// solicited clear, with the target link-layer address option (RFC 4861 7.2.6). The kernel fills the checksum.
/// 0 or -errno.
static inline int vigil_na_announce(int fd, int ifindex, const uint8_t *mac, const uint8_t *ip) {
    uint8_t message[32];
    memset(message, 0, sizeof message);
    message[0] = ND_NEIGHBOR_ADVERT;
    message[4] = 0x20;                          // flags: override
    memcpy(message + 8, ip, 16);
    message[24] = ND_OPT_TARGET_LINKADDR;
    message[25] = 1;                            // option length in units of 8 bytes
    memcpy(message + 26, mac, 6);
    struct sockaddr_in6 to;
    memset(&to, 0, sizeof to);
    to.sin6_family = AF_INET6;
    to.sin6_addr.s6_addr[0] = 0xff;
    to.sin6_addr.s6_addr[1] = 0x02;
    to.sin6_addr.s6_addr[15] = 1;
    to.sin6_scope_id = (uint32_t)ifindex;
    return sendto(fd, message, sizeof message, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -errno : 0;
}

#endif
