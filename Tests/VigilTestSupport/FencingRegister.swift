import Foundation
import VigilCore

/// The external register of the cluster checker: a real process serving a unix datagram socket at `path` (a file
/// path, so the resources reach it from every network namespace). Each instance of a cluster resource writes to it
/// periodically with its fencing token (`write TOKEN NODE PID`); it refuses a token lower than the highest it has
/// seen, as a store guarded by fencing tokens would. A refusal is a write from a live instance whose ownership had
/// already passed to another node: a second active caught late. The register must never refuse one.
public final class FencingRegister: @unchecked Sendable {
    public struct Write: Sendable {
        public var accepted: Bool
        public var at: MonotonicInstant
        public var token: Int64
        public var node: String
        public var pid: Int32
    }

    public let path: String
    private let log: String
    private let process: ScriptProcess

    /// Starts the register in `directory` and waits until it serves.
    /// - Throws: what starting it threw, or `TestCgroupError` when it does not come up.
    public init(directory: String) async throws {
        path = directory + "/register.sock"
        log = directory + "/register.log"
        process = try ScriptProcess(Self.script, name: "register", in: directory, arguments: [path, log])
        let deadline = ContinuousClock.now + .seconds(10)
        while !((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").hasPrefix("ready") {
            guard ContinuousClock.now < deadline else {
                process.stop()
                throw TestCgroupError("the fencing register did not start")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Every write so far, in the order the register took them.
    public var writes: [Write] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 6, let at = Int64(parts[1]), let token = Int64(parts[2]), let pid = Int32(parts[4])
            else { return nil }
            return Write(
                accepted: parts[0] == "accepted",
                at: MonotonicInstant(nanoseconds: at),
                token: token,
                node: parts[3],
                pid: pid
            )
        }
    }

    /// The writes it refused.
    public var refusals: [Write] {
        writes.filter { !$0.accepted }
    }

    /// Ends the register (by its pidfd).
    public func stop() {
        process.stop()
    }

    deinit {
        stop()
    }

    static let script = """
        import os, socket, sys, time
        path, log = sys.argv[1], sys.argv[2]
        server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        server.bind(path)
        os.chmod(path, 0o666)
        highest = 0
        out = open(log, "a", buffering=1)
        out.write("ready\\n")
        while True:
            data, sender = server.recvfrom(256)
            parts = data.decode().split()
            if len(parts) != 4 or parts[0] != "write":
                continue
            token, node, pid = int(parts[1]), parts[2], parts[3]
            if token < highest:
                verdict = "refused"
            else:
                verdict = "accepted"
                highest = token
            out.write("%s %d %d %s %s %d\\n" % (verdict, time.monotonic_ns(), token, node, pid, highest))
            if sender:
                try:
                    server.sendto(verdict.encode(), sender)
                except OSError:
                    pass
        """
}
