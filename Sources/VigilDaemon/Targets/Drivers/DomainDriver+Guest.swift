import Logging
import VigilCore
import VigilLinux

/// What the guest itself says, and the faults libvirt reports from inside it: heartbeats over the domain's
/// virtio-serial channel (`channel`), and the events of an emulator that died, a guest kernel that panicked, a
/// watchdog that fired, a disk I/O error, a pause or resume by someone else.
extension DomainDriver {
    /// Opens the guest's heartbeat channel, when `channel` and the heartbeat's key are configured; it connects once
    /// the domain runs.
    func attachChannel() {
        guard let path = config.domain?.channel else { return }
        guard let key = engine.loaded.heartbeatKeys[name] else {
            engine.logger.error(
                "\(name): no heartbeat key for the guest's channel \(path)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
            return
        }
        guest = GuestHeartbeats(
            channel: GuestChannel(path: path, queue: engine.queue) { @Sendable [weak engine, name] event in
                engine?.handle(.target(name, .driver(.guestChannel(event))))
            },
            heartbeats: ChannelHeartbeats(target: name, key: key)
        )
    }

    /// The guest's memory was replaced or is about to be (started, stopped, reverted): its heartbeat counters start
    /// again, and the domain counts as started only once it has heartbeated since.
    func guestRestarted() {
        guest?.heartbeats.restart()
        guest?.heard = false
        guest?.pendingStart = nil
    }

    /// Whether the start of the domain waits for its guest's first heartbeat (a channel is configured and the guest
    /// has not heartbeated since the domain started or was reverted): a recovery step then holds only once the
    /// guest itself runs, not merely QEMU. `start_timeout` bounds the wait like any start.
    /// - Returns: `true` when the start is left pending until that heartbeat.
    func awaitsGuest(adopted: Bool) -> Bool {
        guard let guest, !guest.heard else { return false }
        // An adoption stays one: libvirt's state and `virsh start`'s "already running" may both report the same
        // running domain, in either order.
        self.guest?.pendingStart = adopted || guest.pendingStart == true
        return true
    }

    func channelEvent(_ event: GuestChannel.Event) {
        guard guest != nil else { return }
        switch event {
        case .connected:
            engine.logger.info(
                "\(name): reading the guest's heartbeats from \(guest!.channel.path)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        case .disconnected:
            if state?.phase == .active {
                guest?.channel.connect()
            }
        case .packet(let bytes):
            let now = engine.now
            switch guest!.heartbeats.accept(bytes) {
            case .success(let packet):
                guest!.heard = true
                if let adopted = guest!.pendingStart {
                    guest!.pendingStart = nil
                    up(now: now, adopted: adopted)
                }
                supervisor.heartbeatArrived(at: now, sequence: packet.sequence)
            case .failure(let reason):
                guest!.unreported[reason, default: 0] += 1
                engine.heartbeats.channelDropped(reason)
            }
            reportDrops(now: now)
        }
    }

    /// Dropped lines, at most every 5 s, as the datagram listeners report theirs.
    private func reportDrops(now: MonotonicInstant) {
        guard let guest, !guest.unreported.isEmpty,
            guest.lastReport.map({ now - $0 >= .seconds(5) }) ?? true
        else { return }
        self.guest?.lastReport = now
        self.guest?.unreported = [:]
        var metadata: Logger.Metadata = ["VIGIL_TARGET": "\(name)", "VIGIL_CHANNEL": "\(guest.channel.path)"]
        for (reason, count) in guest.unreported {
            metadata["VIGIL_DROPPED_" + String(reason.rawValue.uppercased().map { $0 == "-" ? "_" : $0 })] =
                "\(count)"
        }
        let summary = HeartbeatDropReason.allCases.compactMap { reason in
            guest.unreported[reason].map { "\(reason.rawValue) \($0)" }
        }
        engine.logger.warning(
            "\(name): dropped heartbeat packets from the guest's channel: \(summary.joined(separator: ", "))",
            metadata: metadata
        )
    }

    /// Records what a change of the domain's state says about the guest, before the change is acted on.
    func reportFault(from previous: ActuatorTargetState?, to current: ActuatorTargetState) {
        let domain = config.domain?.name ?? "?"
        var fields = ["DOMAIN": domain, "REASON": current.detail ?? ""]
        switch (current.phase, current.detail) {
        case (.inactive, "failed") where previous?.phase != .inactive && emulatorDeath == nil:
            record(.domainEmulatorDied, "\(name): the emulator of domain \(domain) died", fields)
        case (.failed, "panicked"):
            if let consoleLog, let text = try? FileText.tail(consoleLog, bytes: Self.consoleTailBytes) {
                fields["CONSOLE"] = DomainConsole.panicTail(text, count: Self.consoleTailLines)
            }
            record(.domainPanicked, "\(name): the guest kernel of domain \(domain) panicked", fields)
        case (.suspended, _) where previous?.phase == .active && revertInProgress == nil:
            record(.domainPaused, "\(name): domain \(domain) was paused (\(current.detail ?? "?"))", fields)
        case (.active, _) where previous?.phase == .suspended && revertInProgress == nil:
            fields["REASON"] = current.detail ?? ""
            record(.domainResumed, "\(name): domain \(domain) runs again (\(current.detail ?? "?"))", fields)
            supervisor.heartbeatsResumed(at: engine.now)
        default:
            break
        }
        if current.isDown {
            libvirtReportedDown(current)
        } else if current.phase == .active || current.phase == .suspended {
            watchEmulator()
        }
        if current.phase == .active {
            guest?.channel.connect()
            if previous != nil, previous?.phase != .active, previous?.phase != .suspended {
                // Started (again): the domain may have been redefined meanwhile.
                describe()
            }
        }
    }

    /// How much of the console's log a `domain-panicked` event carries: at most these lines of its last bytes.
    static let consoleTailLines = 40
    static let consoleTailBytes = 8192

    /// Reads the domain's XML off the engine queue, for where it logs its console.
    func describe() {
        actuator?.describe { @Sendable [weak engine, name] xml in
            engine?.handle(.target(name, .driver(.domainDescribed(xml))))
        }
    }

    /// A fault libvirt reported besides the state. A watchdog that fired is a fault of the target: the guest is hung.
    func notice(_ notice: LibvirtDomainNotice) {
        let domain = config.domain?.name ?? "?"
        switch notice {
        case .watchdog(let action):
            record(
                .domainWatchdog,
                "\(name): the virtual watchdog of domain \(domain) fired (libvirt's action: \(action))",
                ["DOMAIN": domain, "ACTION": action]
            )
            guard hasInstance else { return }
            let evidence = Evidence(.watchdog, "the guest's virtual watchdog fired", figures: ["DOMAIN": domain])
            supervisor.perform(supervisor.machine.fault(now: engine.now, evidence: evidence))
        case .ioError(let detail):
            record(
                .domainIOError,
                "\(name): domain \(domain) hit a disk I/O error: \(detail)",
                ["DOMAIN": domain, "DETAIL": detail]
            )
        }
    }

    private func record(_ kind: EventKind, _ message: String, _ fields: [String: String]) {
        engine.events.record(Event(kind: kind, target: name, message: message, fields: fields, time: engine.now))
    }
}

/// A guest's heartbeat channel and the checks its lines go through. Confined to the engine queue.
struct GuestHeartbeats {
    let channel: GuestChannel
    var heartbeats: ChannelHeartbeats
    /// Lines dropped since the last report, by reason.
    var unreported: [HeartbeatDropReason: Int] = [:]
    var lastReport: MonotonicInstant?
    /// Whether the guest has heartbeated since the domain last started or was reverted.
    var heard = false
    /// A start waiting for that heartbeat: whether it is an adoption.
    var pendingStart: Bool?
}
