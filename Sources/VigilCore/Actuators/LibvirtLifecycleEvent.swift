/// One line of `virsh event --event lifecycle --loop`:
/// `event 'lifecycle' for domain 'web': Stopped Destroyed` (with `--timestamp`, after a time and `: `).
///
/// The event is libvirt's `virDomainEventType` as virsh names it (`Defined`, `Undefined`, `Started`, `Suspended`,
/// `Resumed`, `Stopped`, `Shutdown`, `PMSuspended`, `Crashed`), the detail its reason (`Destroyed`, `Crashed`,
/// `Shutdown`, `Snapshot`, `Booted`, `Finished`…).
public struct LibvirtLifecycleEvent: Sendable, Equatable {
    public var domain: String
    public var event: String
    public var detail: String

    public init(domain: String, event: String, detail: String) {
        self.domain = domain
        self.event = event
        self.detail = detail
    }

    /// Parses a line about `domain` (a name is matched whole, so `web` never matches `web2` or `it's web`).
    /// - Returns: `nil` for a line that is not a lifecycle event of that domain.
    public init?(line: Substring, domain: String) {
        let prefix = "event 'lifecycle' for domain '\(domain)': "
        guard let start = line.range(of: prefix) else { return nil }
        // Without --timestamp the line starts with the prefix; with it, with a time and ": ".
        guard start.lowerBound == line.startIndex || line[..<start.lowerBound].hasSuffix(": ") else { return nil }
        let words = line[start.upperBound...].split(separator: " ", omittingEmptySubsequences: true)
        guard let event = words.first, !event.isEmpty else { return nil }
        self.init(domain: domain, event: String(event), detail: words.dropFirst().joined(separator: " "))
    }

    /// The domain's state after the event, in the terms `virsh domstate` uses; `nil` for events that leave it as
    /// it was (`Defined`, `Undefined`: the definition changed, the domain runs or not as before).
    public var state: ActuatorTargetState? {
        let detail = self.detail.isEmpty ? nil : self.detail.lowercased()
        switch event {
        case "Started", "Resumed":
            return ActuatorTargetState(phase: .active, detail: detail, raw: "running")
        case "Suspended":
            return ActuatorTargetState(phase: .suspended, detail: detail, raw: "paused")
        case "PMSuspended":
            return ActuatorTargetState(phase: .suspended, detail: detail, raw: "pmsuspended")
        case "Stopped":
            return ActuatorTargetState(phase: .inactive, detail: detail, raw: "shut off")
        case "Crashed":
            return ActuatorTargetState(phase: .failed, detail: detail, raw: "crashed")
        case "Shutdown":
            // The guest has shut down (`Finished`); libvirt sends `Stopped` once its process is gone.
            return ActuatorTargetState(phase: .deactivating, detail: detail, raw: "in shutdown")
        default:
            // `Undefined` included: a running domain that is undefined runs on (transient) until it stops.
            return nil
        }
    }
}

extension ActuatorTargetState {
    /// A domain libvirt does not know (never defined, or undefined while shut off): certainly not running.
    public static let undefinedDomain = ActuatorTargetState(phase: .inactive, raw: "not defined")
}
