import Foundation
import VigilCore

/// A watchdog device for tests, since a real softdog would reset the test machine: a real process that makes a FIFO
/// at `path` (vigild's `[cluster] watchdog`), reads the feeds, and when it is not fed within `timeout` after the
/// first feed, or the writer closes it without the magic `V`, kills the node's cgroup (`cgroup.kill`, else SIGKILL
/// to every PID in `cgroup.procs` of the tree), as a reset would end everything on the host. A FIFO answers
/// `WDIOC_SETTIMEOUT` with `ENOTTY`, so the timeout is the stand-in's.
///
/// It logs, one line each with its CLOCK_MONOTONIC instant: `ready`, `armed`, `disarmed FEEDS`, `fire REASON`
/// (before the kill) and `fired REASON` (after it); after firing it exits, as a reset host would.
public final class WatchdogStandIn: @unchecked Sendable {
    public struct Entry: Sendable {
        public var at: MonotonicInstant
        public var kind: String
        public var detail: String
    }

    public let path: String
    public let timeout: Duration
    private let log: String
    private let process: ScriptProcess

    /// Starts the stand-in and waits until its FIFO exists.
    /// - Parameters:
    ///   - directory: where the FIFO, the script and its log go.
    ///   - cgroup: the node's cgroup2 directory (`/sys/fs/cgroup/unified/…`), killed when the stand-in fires.
    ///   - timeout: how long after a feed it fires.
    /// - Throws: what starting it threw, or `TestCgroupError` when the FIFO does not appear.
    public init(directory: String, cgroup: String, timeout: Duration) async throws {
        path = directory + "/watchdog"
        log = directory + "/watchdog.log"
        self.timeout = timeout
        let seconds = String(Double(timeout.nanoseconds) / 1e9)
        process = try ScriptProcess(
            Self.script,
            name: "watchdog-standin",
            in: directory,
            arguments: [path, cgroup, seconds, log]
        )
        let deadline = ContinuousClock.now + .seconds(10)
        while !entries.contains(where: { $0.kind == "ready" }) {
            guard ContinuousClock.now < deadline else {
                process.stop()
                throw TestCgroupError("the watchdog stand-in did not start")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// What the stand-in logged so far.
    public var entries: [Entry] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count >= 2, let at = Int64(parts[0]) else { return nil }
            return Entry(at: MonotonicInstant(nanoseconds: at), kind: parts[1], detail: parts.count > 2 ? parts[2] : "")
        }
    }

    /// The first entry of `kind`, waiting up to `timeout` for it.
    public func waitFor(_ kind: String, timeout: Duration = .seconds(30)) async throws -> Entry {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let entry = entries.first(where: { $0.kind == kind }) {
                return entry
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestCgroupError("the watchdog stand-in logged no \(kind) within \(timeout): \(entries.map(\.kind))")
    }

    /// Ends the stand-in (by its pidfd) and removes its FIFO.
    public func stop() {
        process.stop()
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit {
        stop()
    }

    static let script = """
        import os, select, sys, time
        fifo, cgroup, timeout, log = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]

        def note(*words):
            with open(log, "a") as out:
                out.write(" ".join([str(time.monotonic_ns())] + [str(w) for w in words]) + "\\n")

        def fire(reason):
            note("fire", reason)
            try:
                with open(os.path.join(cgroup, "cgroup.kill"), "w") as kill:
                    kill.write("1")
            except OSError:
                for root, dirs, files in os.walk(cgroup, topdown=False):
                    try:
                        pids = open(os.path.join(root, "cgroup.procs")).read().split()
                    except OSError:
                        pids = []
                    for pid in pids:
                        try:
                            os.kill(int(pid), 9)
                        except OSError:
                            pass
            note("fired", reason)

        os.mkfifo(fifo, 0o600)
        note("ready")
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        armed_at = None
        last = None
        magic = False
        feeds = 0
        while True:
            wait = None if last is None else max(0.0, last + timeout - time.monotonic())
            events = poller.poll(None if wait is None else int(wait * 1000) + 1)
            now = time.monotonic()
            if not events:
                if last is not None and now - last >= timeout:
                    fire("not fed for %.3f s (timeout %.3f s, %d feeds)" % (now - last, timeout, feeds))
                    break
                continue
            data = b""
            try:
                data = os.read(fd, 4096)
            except BlockingIOError:
                pass
            if data:
                if last is None:
                    note("armed")
                last = now
                feeds += data.count(b"1")
                magic = data.endswith(b"V")
                continue
            # End of file: the writer closed the device.
            if last is not None:
                if magic:
                    note("disarmed", feeds)
                    magic = False
                    last = None
                else:
                    fire("closed without the magic V (%d feeds)" % feeds)
                    break
            poller.unregister(fd)
            os.close(fd)
            fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            poller.register(fd, select.POLLIN)
            time.sleep(0.005)
        """
}
