import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Sends signals to a process or process group vigild did not necessarily start: `kill(sig)` sends `sig`, `stop`
/// sends the stop signal (`SIGTERM` unless set).
///
/// Settings: `pid` or `pid_file` (read at each operation), `process_group` (default false: signal the group led
/// by that PID), `stop_signal` (default `TERM`). A caller holding a pidfd (a process vigild spawned) builds one
/// with `Recipient.pidfd`, so the signal can never reach a recycled PID (`pidfd_send_signal`).
public struct SignalActuator: Actuator {
    public static let name = "signal"
    public var name: String { Self.name }

    /// Whom the signals go to.
    public enum Recipient: Sendable, Equatable {
        /// A process through a pidfd the caller keeps open for the actuator's lifetime.
        case pidfd(Int32)
        /// A process by PID.
        case process(Int32)
        /// Every process of the group led by this PID.
        case processGroup(Int32)
        /// The PID in a file, read at each operation; `group` signals its process group.
        case pidFile(String, group: Bool)
    }

    public let target: String
    public let recipient: Recipient
    public let stopSignal: VigilCore.Signal
    private let context: ActuatorContext

    public init(target: String, recipient: Recipient, stopSignal: VigilCore.Signal = .term, context: ActuatorContext) {
        self.target = target
        self.recipient = recipient
        self.stopSignal = stopSignal
        self.context = context
    }

    /// The registry's factory.
    /// - Throws: `ActuatorSettingsError` without exactly one of `pid` and `pid_file`, or with a bad signal name.
    public static func make(
        _ settings: ActuatorSettings,
        _ context: ActuatorContext
    ) throws(ActuatorSettingsError) -> any Actuator {
        try settings.requireOnly(["pid", "pid_file", "process_group", "stop_signal"], actuator: name)
        let group = try settings.bool("process_group") ?? false
        let recipient: Recipient
        switch (try settings.integer("pid"), try settings.string("pid_file")) {
        case (let pid?, nil) where pid > 0 && pid <= Int(Int32.max):
            recipient = group ? .processGroup(Int32(pid)) : .process(Int32(pid))
        case (nil, let file?) where file.hasPrefix("/"):
            recipient = .pidFile(file, group: group)
        default:
            throw ActuatorSettingsError(
                target: settings.target,
                key: "pid",
                message: "the signal actuator needs either a positive `pid` or an absolute `pid_file`"
            )
        }
        var stop = VigilCore.Signal.term
        if let text = try settings.string("stop_signal") {
            guard let parsed = VigilCore.Signal(name: text) else {
                throw ActuatorSettingsError(
                    target: settings.target,
                    key: "stop_signal",
                    message: "unknown signal \"\(text)\""
                )
            }
            stop = parsed
        }
        return SignalActuator(target: settings.target, recipient: recipient, stopSignal: stop, context: context)
    }

    public func supports(_ operation: ActuatorOperation) -> Bool {
        switch operation {
        case .kill, .stop: true
        default: false
        }
    }

    public var completionQueue: DispatchQueue { context.completionQueue }

    public func run(_ operation: ActuatorOperation, timeout: Duration, done: ActuatorCompletion) -> ActuatorCancellation
    {
        let queue = DispatchQueue(label: "vigil.signal")
        queue.async { @Sendable in
            switch operation {
            case .kill(let signal): done.deliver(send(signal))
            default: done.deliver(send(stopSignal))
            }
        }
        return ActuatorCancellation { @Sendable in
            queue.async { @Sendable in done.deliver(.cancelled) }
        }
    }

    /// The PID the recipient names now, and whether it is a group.
    private func resolve() -> Result<(pid: Int32, group: Bool), SystemError> {
        switch recipient {
        case .pidfd: return .success((0, false))
        case .process(let pid): return .success((pid, false))
        case .processGroup(let pid): return .success((pid, true))
        case .pidFile(let path, let group):
            let text: String
            do {
                text = try FileText.read(path)
            } catch {
                return .failure(error)
            }
            let (word, pid) = PidFile.parse(text)
            guard let pid else {
                return .failure(
                    SystemError(call: "parse", subject: "\(path): \"\(word)\" is not a PID", errno: EINVAL)
                )
            }
            return .success((pid, group))
        }
    }

    private func deliverSignal(_ signal: VigilCore.Signal) -> Result<String, SystemError> {
        if case .pidfd(let fd) = recipient {
            let result = vigil_pidfd_send_signal(fd, signal.number)
            return result == 0
                ? .success("pidfd \(fd)")
                : .failure(SystemError(call: "pidfd_send_signal", subject: "target \(target)", errno: -result))
        }
        switch resolve() {
        case .failure(let error): return .failure(error)
        case .success(let (pid, group)):
            let sent = kill(group ? -pid : pid, signal.number)
            return sent == 0
                ? .success(group ? "process group \(pid)" : "process \(pid)")
                : .failure(
                    SystemError(call: "kill", subject: group ? "process group \(pid)" : "process \(pid)", errno: errno)
                )
        }
    }

    private func send(_ signal: VigilCore.Signal) -> ActuatorOutcome {
        switch deliverSignal(signal) {
        case .success(let whom): .succeeded(ActuatorReport(detail: "sent \(signal) to \(whom)"))
        case .failure(let error): .failed(reason: "\(signal) to target \(target): \(error)", ActuatorReport())
        }
    }
}
