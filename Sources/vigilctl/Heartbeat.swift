import ArgumentParser
import VigilCore
import VigilLinux

/// `vigilctl heartbeat`: sends authenticated heartbeats for a target, as a guest agent or a service's sidecar
/// would (`docs/heartbeat-protocol.md`).
struct Heartbeat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat",
        abstract: "Send authenticated heartbeats (protocol v1) for a target, or generate a key.",
        discussion: """
            Sends one heartbeat per interval, on a monotonic schedule that does not drift, until stopped or \
            --count heartbeats have been sent. Send errors (vigild not listening yet) are reported and sending \
            goes on; with --count the exit status is 1 if any send failed.
            """
    )

    @Option(help: "The target, as named in vigild's configuration.")
    var target: String?

    @Option(help: ArgumentHelp("File with the target's key in hex, mode 0600.", valueName: "file"))
    var keyFile: String?

    @Option(help: ArgumentHelp("Time between heartbeats, e.g. 200ms or 1s.", valueName: "duration"))
    var interval: String = "1s"

    @Option(help: ArgumentHelp("udp://HOST:PORT, udp://[IPV6]:PORT or unix:/PATH.", valueName: "address"))
    var to: String = HeartbeatEndpoint.defaultLocal.description

    @Option(help: "Stop after this many heartbeats.")
    var count: Int?

    @Option(help: "Incarnation number (default: CLOCK_REALTIME in ns now, so every start is larger).")
    var incarnation: UInt64?

    @Flag(help: "Print a new random key (64 hex digits) and exit.")
    var generateKey = false

    func validate() throws {
        if generateKey {
            return
        }
        guard let target, HeartbeatFrame.isValidTarget(target) else {
            throw ValidationError("--target is required: 1 to 64 bytes of UTF-8")
        }
        guard keyFile != nil else {
            throw ValidationError("--key-file is required")
        }
        guard let parsed = Duration(parsing: interval), parsed > .zero else {
            throw ValidationError("--interval \"\(interval)\": expected a positive duration such as 200ms or 1s")
        }
        if let count, count < 1 {
            throw ValidationError("--count must be at least 1")
        }
        do {
            _ = try HeartbeatEndpoint(parsing: to)
        } catch {
            throw ValidationError("--to \(error)")
        }
    }

    func run() throws {
        if generateKey {
            print(HeartbeatKey.generate())
            return
        }
        guard let target, let keyFile, let period = Duration(parsing: interval) else {
            throw ExitCode.validationFailure
        }
        let key = try HeartbeatKey.load(path: keyFile)
        let sender = try HeartbeatSender(to: try HeartbeatEndpoint(parsing: to))
        let incarnation = self.incarnation ?? RealtimeClock.nanoseconds()
        var sequence: UInt64 = 1
        var failures = 0
        var lastError: SystemError?
        var deadline = MonotonicClock.now()
        while true {
            let packet = HeartbeatPacket(
                target: target,
                incarnation: incarnation,
                sequence: sequence,
                senderTime: RealtimeClock.nanoseconds()
            )
            do {
                try sender.send(HeartbeatCodec.encode(packet, key: key))
                if lastError != nil {
                    LineWriter.standardError.write("vigilctl: heartbeat: sending to \(to) again\n")
                }
                lastError = nil
            } catch {
                failures += 1
                // Once per kind of failure, not once per interval: a missing vigild must not flood the log.
                if error != lastError {
                    LineWriter.standardError.write("vigilctl: heartbeat: \(error)\n")
                }
                lastError = error
            }
            if let count, sequence >= UInt64(count) {
                break
            }
            sequence += 1
            deadline = deadline + period
            let now = MonotonicClock.now()
            // After a suspend the schedule is far behind: start again from now instead of a burst of catch-up.
            if now - deadline > period {
                deadline = now
            }
            MonotonicClock.sleep(until: deadline)
        }
        if failures > 0 {
            throw ExitCode.failure
        }
    }
}
