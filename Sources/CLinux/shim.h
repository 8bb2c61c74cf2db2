#ifndef VIGIL_CLINUX_SHIM_H
#define VIGIL_CLINUX_SHIM_H

// Linux calls that Glibc does not export to Swift (pidfd, clone, waitid on a pidfd, the process-events
// connector) and the one place where vigild starts processes: a child of a multithreaded process may only make
// async-signal-safe calls, so the code between clone and execve lives here, in C, and uses raw system calls
// (glibc's setuid would try to signal threads that do not exist in the child).

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <linux/filter.h>
#include <arpa/inet.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include "address.h"
#include <sys/ioctl.h>
#include <linux/watchdog.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/// The steps of a spawn that can fail in the child, reported back with errno.
enum {
    VIGIL_SPAWN_STEP_NONE = 0,
    VIGIL_SPAWN_STEP_CLONE = 1,
    VIGIL_SPAWN_STEP_STDIO = 2,
    VIGIL_SPAWN_STEP_PGROUP = 3,
    VIGIL_SPAWN_STEP_CHDIR = 4,
    VIGIL_SPAWN_STEP_GROUPS = 5,
    VIGIL_SPAWN_STEP_GID = 6,
    VIGIL_SPAWN_STEP_UID = 7,
    VIGIL_SPAWN_STEP_EXEC = 8,
    VIGIL_SPAWN_STEP_CGROUP = 9,
    };

typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *cwd;
    int set_ids;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t ngroups;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// The cgroup the child starts in, as a directory descriptor (-1: vigild's own). A cgroup2 directory is joined
    /// atomically by clone3(CLONE_INTO_CGROUP) where the kernel has it; otherwise (a v1 hierarchy, no clone3) the
    /// child writes "0" to its `cgroup.procs` before anything else.
    int cgroup_fd;
    /// Whether `cgroup_fd` is a cgroup2 directory.
    int cgroup_is_v2;
} vigil_spawn_request;

typedef struct {
    int pid;
    int pidfd;
    int failed_step;
    int error;
    int64_t monotonic_nsec;
} vigil_spawn_result;


/// The kernel's `struct sigaction` (not glibc's): handler SIG_DFL is 0.
struct vigil_kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
};

static inline int64_t vigil_monotonic_nsec(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#ifndef CLONE_VM
#define CLONE_VM 0x00000100
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK 0x00004000
#endif

// glibc declares clone() only with _GNU_SOURCE, which a module header cannot rely on.
extern int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...);

/// Shared between vigild and the child while vigild is suspended (CLONE_VFORK): the child's only way to say
/// which step failed.
typedef struct {
    const vigil_spawn_request *request;
    /// Whether the child must move itself into `request->cgroup_fd` (clone3 did not).
    int join_cgroup;
    volatile int failed_step;
    volatile int error;
} vigil_spawn_child_args;

static inline int vigil_child_dup(int from, int to) {
    if (from < 0 || from == to) {
        return 0;
    }
    return dup2(from, to) < 0 ? -1 : 0;
}

static inline int vigil_child_fail(vigil_spawn_child_args *args, int step) {
    args->error = errno;
    args->failed_step = step;
    _exit(127);
}

/// Runs in the child, on its own small stack, sharing vigild's memory until execve: only system calls here.
static inline int vigil_spawn_child(void *opaque) {
    vigil_spawn_child_args *args = (vigil_spawn_child_args *)opaque;
    const vigil_spawn_request *req = args->request;
    // Into the target's cgroup before anything runs, unless clone3 already put the child there.
    if (args->join_cgroup) {
        int procs = openat(req->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (procs < 0 || write(procs, "0", 1) != 1) {
            return vigil_child_fail(args, VIGIL_SPAWN_STEP_CGROUP);
        }
        close(procs);
    }
    // Raw calls: glibc's wrappers refuse its reserved signals 32 and 33, which a runtime may have ignored.
    // Handlers first, then the mask: no handler of vigild's may ever run in the child.
    struct vigil_kernel_sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    for (int s = 1; s <= 64; s++) {
        (void)syscall(SYS_rt_sigaction, s, &dfl, NULL, sizeof(uint64_t));
    }
    uint64_t none = 0;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
    if (vigil_child_dup(req->stdin_fd, 0) || vigil_child_dup(req->stdout_fd, 1)
        || vigil_child_dup(req->stderr_fd, 2)) {
        return vigil_child_fail(args, VIGIL_SPAWN_STEP_STDIO);
    }
    if (setpgid(0, 0) != 0) {
        return vigil_child_fail(args, VIGIL_SPAWN_STEP_PGROUP);
    }
    if (req->cwd != NULL && chdir(req->cwd) != 0) {
        return vigil_child_fail(args, VIGIL_SPAWN_STEP_CHDIR);
    }
    if (req->set_ids) {
        if (syscall(SYS_setgroups, req->ngroups, req->groups) != 0) {
            return vigil_child_fail(args, VIGIL_SPAWN_STEP_GROUPS);
        }
        if (syscall(SYS_setresgid, req->gid, req->gid, req->gid) != 0) {
            return vigil_child_fail(args, VIGIL_SPAWN_STEP_GID);
        }
        if (syscall(SYS_setresuid, req->uid, req->uid, req->uid) != 0) {
            return vigil_child_fail(args, VIGIL_SPAWN_STEP_UID);
        }
    }
    // vigild may run with a protective negative OOM score (OOMScoreAdjust= in its unit); its targets must not
    // inherit it. Raising one's own score needs no privilege.
    int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom >= 0) {
        ssize_t ignored = write(oom, "0", 1);
        (void)ignored;
        close(oom);
    }
    // Nothing of vigild's but stdio may reach the program.
    (void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    execve(req->path, req->argv, req->envp);
    return vigil_child_fail(args, VIGIL_SPAWN_STEP_EXEC);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#if defined(__x86_64__) && !defined(SYS_clone3)
#define SYS_clone3 435
#endif

/// The kernel's `struct clone_args` up to `cgroup` (CLONE_ARGS_SIZE_VER2).
struct vigil_clone_args {
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

#if defined(__x86_64__)
/// clone3 that runs `fn(arg)` in the child on the stack given in `args` and exits with its result; returns the
/// child's PID, or -errno, in the parent. glibc has no public clone3, and a child that shares vigild's memory on a
/// stack of its own cannot return through a C wrapper: the switch to `fn` happens right after the syscall.
static inline long vigil_clone3(struct vigil_clone_args *args, int (*fn)(void *), void *arg) {
    long result;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        "xor %%ebp, %%ebp\n\t"
        "mov %[arg], %%rdi\n\t"
        "call *%[fn]\n\t"
        "mov %%eax, %%edi\n\t"
        "mov $60, %%eax\n\t"
        "syscall\n\t"
        "hlt\n\t"
        "1:\n\t"
        : "=a"(result)
        : "a"((long)SYS_clone3), "D"(args), "S"(sizeof *args), [fn] "r"(fn), [arg] "r"(arg)
        : "rcx", "r11", "memory");
    return result;
}
#define VIGIL_HAVE_CLONE3 1
#endif

/// Spawns `req->path` in a new process group and returns it with a pidfd obtained atomically (CLONE_PIDFD).
///
/// Like posix_spawn, the child shares vigild's memory and vigild's thread waits until it has called execve
/// (CLONE_VM | CLONE_VFORK): nothing is copied, so the cost does not grow with vigild's size. With a cgroup2
/// `cgroup_fd` the child is created in that cgroup (clone3, CLONE_INTO_CGROUP: no migration, so no RCU grace
/// period while vigild waits); otherwise the child joins it by writing to `cgroup.procs` first thing. Returns 0 on
/// success; otherwise `failed_step` and `error` say what went wrong (the child, if any, has been reaped).
static inline int vigil_spawn(const vigil_spawn_request *req, vigil_spawn_result *out) {
    memset(out, 0, sizeof out[0]);
    out->pidfd = -1;
    char stack[32768] __attribute__((aligned(16)));
    vigil_spawn_child_args args = {req, req->cgroup_fd >= 0, 0, 0};
    int pidfd = -1;
    // Block every signal while the child shares this thread's memory, so no handler can run there; the child
    // resets dispositions before it unblocks.
    uint64_t all = ~(uint64_t)0;
    uint64_t previous = 0;
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &previous, sizeof all);
    int64_t started = vigil_monotonic_nsec();
    int pid = -1;
    int clone_error = 0;
    int failed_step = VIGIL_SPAWN_STEP_CLONE;
    int use_clone = 1;
#ifdef VIGIL_HAVE_CLONE3
    if (req->cgroup_fd >= 0 && req->cgroup_is_v2) {
        struct vigil_clone_args clone_args;
        memset(&clone_args, 0, sizeof clone_args);
        clone_args.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLONE_INTO_CGROUP;
        clone_args.pidfd = (uint64_t)(uintptr_t)&pidfd;
        clone_args.exit_signal = SIGCHLD;
        clone_args.stack = (uint64_t)(uintptr_t)stack;
        clone_args.stack_size = sizeof stack;
        clone_args.cgroup = (uint64_t)req->cgroup_fd;
        args.join_cgroup = 0;
        long created = vigil_clone3(&clone_args, vigil_spawn_child, &args);
        if (created >= 0) {
            pid = (int)created;
            use_clone = 0;
        } else if (created == -ENOSYS || created == -E2BIG) {
            // A kernel before 5.7: plain clone, and the child joins the cgroup itself.
            args.join_cgroup = 1;
            pidfd = -1;
        } else {
            // The cgroup refused the child (removed, a threaded or invalid domain) or the fork itself failed.
            clone_error = (int)-created;
            failed_step = VIGIL_SPAWN_STEP_CGROUP;
            use_clone = 0;
        }
    }
#endif
    if (use_clone) {
        pid = clone(vigil_spawn_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &args,
                    &pidfd);
        clone_error = errno;
    }
    (void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, NULL, sizeof previous);
    if (pid < 0) {
        out->failed_step = failed_step;
        out->error = clone_error;
        return -1;
    }
    if (args.failed_step != 0) {
        siginfo_t info;
        while (syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED, NULL) < 0 && errno == EINTR) {
        }
        close(pidfd);
        out->failed_step = args.failed_step;
        out->error = args.error;
        return -1;
    }
    out->pid = pid;
    out->pidfd = pidfd;
    out->monotonic_nsec = started;
    return 0;
}

/// How a reaped child ended, from the siginfo of waitid.
typedef struct {
    int pid;
    int code;
    int status;
} vigil_exit_info;

/// Reaps the child behind `pidfd`. Returns 1 when reaped, 0 when it is still running (with `nohang`), -errno.
static inline int vigil_pidfd_reap(int pidfd, int nohang, vigil_exit_info *out) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    long r;
    do {
        r = syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED | (nohang ? WNOHANG : 0), NULL);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return -errno;
    }
    if (info.si_pid == 0) {
        return 0;
    }
    out->pid = info.si_pid;
    out->code = info.si_code;
    out->status = info.si_status;
    return 1;
}

static inline int vigil_pidfd_send_signal(int pidfd, int sig) {
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 ? 0 : -errno;
}

static inline int vigil_pidfd_open(pid_t pid) {
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : (int)fd;
}

static inline int vigil_errno(void) { return errno; }

enum {
    VIGIL_CLD_EXITED = CLD_EXITED,
    VIGIL_CLD_KILLED = CLD_KILLED,
    VIGIL_CLD_DUMPED = CLD_DUMPED,
};

/// An exit reported by the kernel's process-events connector: `timestamp_nsec` is CLOCK_MONOTONIC at the exit.
typedef struct {
    int32_t pid;
    int32_t tgid;
    int64_t timestamp_nsec;
} vigil_proc_exit;

/// The most PIDs a process-events filter names one by one; with more, every exit event passes.
#define VIGIL_PROC_FILTER_MAX 200

/// Attaches a socket filter to a process-events socket that lets through only the exit events of `tgids` (the
/// processes vigild watches), so the kernel does not wake vigild for every other exit on the host. Replaces the
/// previous filter. Returns 0 or -errno.
static inline int vigil_proc_events_filter(int fd, const int32_t *tgids, int count) {
    // The filter sees the datagram from its nlmsghdr: then the cn_msg, then the proc_event. Classic BPF loads
    // words big-endian, hence the ntohl() on every constant.
    const uint32_t what = NLMSG_HDRLEN + sizeof(struct cn_msg) + offsetof(struct proc_event, what);
    const uint32_t tgid =
        NLMSG_HDRLEN + sizeof(struct cn_msg) + offsetof(struct proc_event, event_data.exit.process_tgid);
    struct sock_filter code[VIGIL_PROC_FILTER_MAX + 5];
    int n = count > VIGIL_PROC_FILTER_MAX ? 0 : (count < 0 ? 0 : count);
    int all = count > VIGIL_PROC_FILTER_MAX;
    int i = 0;
    code[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, what);
    if (all) {
        code[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(PROC_EVENT_EXIT), 1, 0);
    } else {
        code[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(PROC_EVENT_EXIT), 0, (uint8_t)(n + 1));
        code[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, tgid);
        for (int k = 0; k < n; k++) {
            code[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl((uint32_t)tgids[k]),
                                                     (uint8_t)(n - k), 0);
        }
    }
    code[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
    code[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFFu);
    struct sock_fprog program = {.len = (unsigned short)i, .filter = code};
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0 ? 0 : -errno;
}

/// Opens a netlink socket subscribed to exit events of the process-events connector (filtered to exits by the
/// kernel where it supports filtering, 6.6 and later). Non-blocking. Returns the descriptor, or -errno (EPERM
/// without CAP_NET_ADMIN, EPROTONOSUPPORT without CONFIG_PROC_EVENTS).
static inline int vigil_proc_events_open(void) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0) {
        return -errno;
    }
    // Nothing passes until the caller names what it watches: attached before the subscription, so no exit of the
    // host is queued unfiltered in between.
    (void)vigil_proc_events_filter(fd, NULL, 0);
    int size = 1 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    struct sockaddr_nl address;
    memset(&address, 0, sizeof address);
    address.nl_family = AF_NETLINK;
    address.nl_groups = CN_IDX_PROC;
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    // nlmsghdr, cn_msg, then struct proc_input { op; event_type } (older kernels read only op).
    uint32_t input[2] = {PROC_CN_MCAST_LISTEN, PROC_EVENT_EXIT};
    char message[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof input)] __attribute__((aligned(8)));
    memset(message, 0, sizeof message);
    struct nlmsghdr *header = (struct nlmsghdr *)message;
    header->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof input);
    header->nlmsg_type = NLMSG_DONE;
    header->nlmsg_pid = 0;
    struct cn_msg *cn = (struct cn_msg *)NLMSG_DATA(header);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof input;
    memcpy(cn->data, input, sizeof input);
    if (send(fd, message, header->nlmsg_len, 0) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

/// Reads one datagram from a process-events socket and stores its exit events. Returns how many were stored,
/// or -errno (-EAGAIN when nothing is waiting, -ENOBUFS when the kernel had to drop events).
static inline int vigil_proc_events_read(int fd, vigil_proc_exit *out, int max) {
    char buffer[8192] __attribute__((aligned(8)));
    ssize_t received;
    do {
        received = recv(fd, buffer, sizeof buffer, 0);
    } while (received < 0 && errno == EINTR);
    if (received < 0) {
        return -errno;
    }
    int length = (int)received;
    int count = 0;
    for (struct nlmsghdr *header = (struct nlmsghdr *)buffer; NLMSG_OK(header, length) && count < max;
         header = NLMSG_NEXT(header, length)) {
        struct cn_msg *cn = (struct cn_msg *)NLMSG_DATA(header);
        if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event)) {
            continue;
        }
        struct proc_event *event = (struct proc_event *)cn->data;
        if (event->what != PROC_EVENT_EXIT) {
            continue;
        }
        out[count].pid = event->event_data.exit.process_pid;
        out[count].tgid = event->event_data.exit.process_tgid;
        out[count].timestamp_nsec = (int64_t)event->timestamp_ns;
        count++;
    }
    return count;
}

#ifndef SCM_CREDENTIALS
#define SCM_CREDENTIALS 0x02
#endif

/// The kernel's `struct ucred` (glibc declares it only with _GNU_SOURCE).
struct vigil_ucred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/// Creates a unix datagram socket at `path` that receives the sender's credentials with each message
/// (SO_PASSCRED), as systemd's notify socket does. A stale socket file is replaced; the socket is mode 0666
/// because the sender's PID, checked on every message, is what authenticates it. Returns the descriptor or -errno.
static inline int vigil_notify_open(const char *path) {
    struct sockaddr_un address;
    if (strlen(path) >= sizeof address.sun_path) {
        return -ENAMETOOLONG;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    int size = 1 << 18;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    strcpy(address.sun_path, path);
    (void)unlink(path);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || chmod(path, 0666) != 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    return fd;
}

/// Receives one message from a notify socket with its sender's PID (0 when the kernel gave none). Returns the
/// length, -EMSGSIZE for a message that did not fit, or -errno (-EAGAIN when nothing is waiting). File
/// descriptors sent along (FDSTORE) are closed: vigild does not keep them.
static inline ssize_t vigil_notify_receive(int fd, char *buffer, size_t size, pid_t *pid) {
    struct iovec iov = {buffer, size};
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(struct vigil_ucred)) + CMSG_SPACE(sizeof(int) * 16)];
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof message);
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = &control;
    message.msg_controllen = sizeof control;
    ssize_t received;
    do {
        received = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    } while (received < 0 && errno == EINTR);
    if (received < 0) {
        return -errno;
    }
    *pid = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET) {
            continue;
        }
        if (header->cmsg_type == SCM_CREDENTIALS && header->cmsg_len >= CMSG_LEN(sizeof(struct vigil_ucred))) {
            struct vigil_ucred credentials;
            memcpy(&credentials, CMSG_DATA(header), sizeof credentials);
            *pid = credentials.pid;
        } else if (header->cmsg_type == SCM_RIGHTS) {
            int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < count; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(header) + i * sizeof(int), sizeof passed);
                close(passed);
            }
        }
    }
    if ((size_t)received > size || (message.msg_flags & MSG_TRUNC)) {
        return -EMSGSIZE;
    }
    return received;
}

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/// The credentials of the process at the other end of a connected unix socket (SO_PEERCRED), and its groups
/// (SO_PEERGROUPS: the primary group and the supplementary ones, as they were when it connected). Returns the
/// number of groups stored (at most `max`), or -errno.
static inline int vigil_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gids, int max) {
    struct vigil_ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) {
        return -errno;
    }
    *pid = credentials.pid;
    *uid = credentials.uid;
    int count = 0;
    if (max > 0) {
        gids[count++] = credentials.gid;
    }
    gid_t groups[256];
    socklen_t groupsLength = sizeof groups;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &groupsLength) == 0) {
        int n = (int)(groupsLength / sizeof(gid_t));
        for (int i = 0; i < n && count < max; i++) {
            gids[count++] = groups[i];
        }
    }
    return count;
}

/// accept4 with SOCK_CLOEXEC | SOCK_NONBLOCK (glibc declares accept4 only with _GNU_SOURCE).
static inline int vigil_accept(int fd) {
    return (int)syscall(SYS_accept4, fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
}


/// inotify_init1 with IN_CLOEXEC | IN_NONBLOCK. Returns the descriptor, or -errno.
static inline int vigil_inotify_open(void) {
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

/// Watches `path` for modification (kernfs files such as cgroup.events and memory.events notify this way).
/// Returns the watch descriptor, or -errno.
static inline int vigil_inotify_watch(int fd, const char *path) {
    int wd = inotify_add_watch(fd, path, IN_MODIFY);
    return wd < 0 ? -errno : wd;
}

static inline int vigil_inotify_unwatch(int fd, int wd) {
    return inotify_rm_watch(fd, wd) < 0 ? -errno : 0;
}

/// Drains pending inotify events into `wds` (watch descriptors, repeated as they come; IN_IGNORED ones as -wd-1
/// so a removed file can be told apart). Returns how many were stored, 0 when none is pending, or -errno.
static inline int vigil_inotify_read(int fd, int *wds, int max) {
    char buffer[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int count = 0;
    for (;;) {
        ssize_t length = read(fd, buffer, sizeof buffer);
        if (length < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return count;
            return count > 0 ? count : -errno;
        }
        if (length == 0) return count;
        for (char *at = buffer; at < buffer + length;) {
            const struct inotify_event *event = (const struct inotify_event *)at;
            if (count < max) {
                wds[count++] = (event->mask & IN_IGNORED) ? -event->wd - 1 : event->wd;
            }
            at += sizeof(struct inotify_event) + event->len;
        }
        if (count >= max) return count;
    }
}

/// eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK). Returns the descriptor, or -errno.
static inline int vigil_eventfd_open(void) {
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

/// Reads and resets an eventfd's counter. Returns the counter (0 when nothing is pending), or -errno.
static inline int64_t vigil_eventfd_take(int fd) {
    uint64_t value = 0;
    ssize_t length;
    do {
        length = read(fd, &value, sizeof value);
    } while (length < 0 && errno == EINTR);
    if (length < 0) return errno == EAGAIN ? 0 : -errno;
    return (int64_t)value;
}

/// An epoll instance (EPOLL_CLOEXEC). Dispatch watches descriptors for reading only, but a PSI trigger signals
/// EPOLLPRI: registering triggers with this epoll, whose own descriptor turns readable, bridges the two.
static inline int vigil_epoll_open(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/// Adds `fd` to `epfd` for EPOLLPRI, tagged with `tag`. Returns 0 or -errno.
static inline int vigil_epoll_add_priority(int epfd, int fd, int64_t tag) {
    struct epoll_event event = { .events = EPOLLPRI, .data.u64 = (uint64_t)tag };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) < 0 ? -errno : 0;
}

static inline int vigil_epoll_remove(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

/// Collects ready events without waiting: the tags into `tags`, and for each whether it was an error (EPOLLERR:
/// the trigger's file went away) in `errors`. Returns the count, or -errno.
static inline int vigil_epoll_take(int epfd, int64_t *tags, int *errors, int max) {
    struct epoll_event events[64];
    if (max > 64) max = 64;
    int n;
    do {
        n = epoll_wait(epfd, events, max, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        tags[i] = (int64_t)events[i].data.u64;
        errors[i] = (events[i].events & (EPOLLERR | EPOLLHUP)) != 0;
    }
    return n;
}

/// pipe2(2), which glibc declares only with _GNU_SOURCE. Returns 0 or -errno.
static inline int vigil_pipe2(int fds[2], int flags) {
    return syscall(SYS_pipe2, fds, flags) == 0 ? 0 : -errno;
}

/// Limits malloc to one arena (`M_ARENA_MAX` 1), for a daemon whose few threads need no arena each; 1 on success.
static inline int vigil_malloc_single_arena(void) {
    return mallopt(M_ARENA_MAX, 1);
}

/// The file-system type (statfs f_type) of `path`, or -errno.
static inline int64_t vigil_fs_type(const char *path) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -errno;
    return (int64_t)info.f_type;
}

/// WDIOC_SETTIMEOUT on a watchdog device (ioctl is variadic): asks for `seconds`, returns the timeout the device set,
/// or -errno (-ENOTTY: not a watchdog device, e.g. a FIFO standing in for one).
static inline int vigil_watchdog_set_timeout(int fd, int seconds) {
    int value = seconds;
    if (ioctl(fd, WDIOC_SETTIMEOUT, &value) != 0) return -errno;
    return value;
}

#endif
