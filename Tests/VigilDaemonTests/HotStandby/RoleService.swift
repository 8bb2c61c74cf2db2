import Foundation
import Synchronization
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A small real service for hot-standby tests: each instance listens on its own TCP port on the loopback and
/// answers every connection with its current role (`primary` or `standby`) and a newline. It takes its role from
/// `VIGIL_ROLE` when it starts and becomes primary on `SIGUSR1` (a `promote_signal`, or a promote command that
/// signals `VIGIL_PID`); with a `NOTIFY_SOCKET` it reports `READY=1` and `STATUS=… role=ROLE` after each change.
/// An optional start cost (seconds) is slept before it listens.
enum RoleService {
    static let script = #"""
        import os, signal, socket, sys, time
        port = int(sys.argv[1])
        start_cost = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
        role = os.environ.get("VIGIL_ROLE", "primary")

        def notify(text):
            path = os.environ.get("NOTIFY_SOCKET")
            if not path:
                return
            if path.startswith("@"):
                path = "\0" + path[1:]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                s.sendto(text.encode(), path)
            finally:
                s.close()

        def promote(signum, frame):
            global role
            role = "primary"
            notify("STATUS=serving; role=primary")

        signal.signal(signal.SIGUSR1, promote)
        time.sleep(start_cost)
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(64)
        notify("READY=1\nSTATUS=serving; role=" + role)
        while True:
            connection, _ = server.accept()
            try:
                connection.sendall((role + "\n").encode())
            except OSError:
                pass
            connection.close()
        """#

    /// Writes the service's program into `directory` and returns its path.
    static func install(in directory: String) throws -> String {
        let path = directory + "/role-service.py"
        try ExecutableFile.write(script, to: path)
        return path
    }

    /// Ports handed out so far in this test process.
    private static let handedOut = Mutex(0)

    /// A TCP port on the loopback that nothing listens on now, and that no other test of this process was given:
    /// taken below the kernel's ephemeral range (32768 and up), so a `bind` to port 0 elsewhere never returns it, and
    /// from a block chosen by the process ID, so test runs side by side rarely meet.
    static func freePort() throws -> UInt16 {
        let base = 20_000 + Int(getpid() % 500) * 20
        for _ in 0..<10_000 {
            let offset = handedOut.withLock { count in
                defer { count += 1 }
                return count
            }
            let port = UInt16(20_000 + (base - 20_000 + offset) % 12_000)
            if isFree(port) {
                return port
            }
        }
        throw NoFreePort(errno: EADDRINUSE)
    }

    private static func isFree(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// The role the instance on `port` answers now; `nil` when nothing answers.
    static func role(at port: UInt16) -> String? {
        guard let client = try? StreamClient(tcpPort: port, timeout: .milliseconds(500)) else { return nil }
        let line = String(decoding: client.receiveLine(limit: 64), as: UTF8.self)
        let role = line.trimmingCharacters(in: .whitespacesAndNewlines)
        return role.isEmpty ? nil : role
    }

    /// Waits until the instance on `port` answers `expected` (a minute by default: under the full suite a python3
    /// start was once seen to take more than 15 s).
    ///
    /// Each question runs off Swift's cooperative pool (it blocks in `connect` and `recv`), and one more is asked
    /// after the deadline: under the full suite the test process's pool (two threads on two cores) was seen blocked
    /// by other tests for about a minute, and waiters woke past their deadline without having asked once; five
    /// tests then failed together though every instance had answered all along.
    static func waitFor(_ expected: String, at port: UInt16, timeout: Duration = .seconds(60)) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await Blocking.run({ role(at: port) }) == expected {
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await Blocking.run({ role(at: port) }) == expected
    }

    /// A `status` command (as a TOML array) that answers the role the instance on `port` serves, as the service's
    /// clients see it, after appending `VIGIL_TARGET VIGIL_ROLE VIGIL_OPERATION` to `log` when one is given.
    static func statusCommand(port: UInt16, log: String? = nil) -> String {
        let record = log.map { "echo \\\"$VIGIL_TARGET $VIGIL_ROLE $VIGIL_OPERATION\\\" >> \($0); " } ?? ""
        return "[\"/bin/bash\", \"-c\", \"\(record)exec 3<>/dev/tcp/127.0.0.1/\(port) && head -n 1 <&3\"]"
    }

    /// The `[[target]]` table of one instance.
    static func target(
        _ name: String,
        program: String,
        port: UInt16,
        extra: String = ""
    ) -> String {
        """
        [[target]]
        name = "\(name)"
        exec = ["/usr/bin/python3", "\(program)", "\(port)"]
        restart = { start_grace = "100ms", backoff = "100ms..200ms" }
        \(extra)

        """
    }
}

/// No loopback port was free.
struct NoFreePort: Error, CustomStringConvertible {
    let errno: Int32
    var description: String { "no free port: \(String(cString: strerror(errno)))" }
}
