import VigilCore
import VigilLinux

/// `address` targets: a floating service address put on an interface through rtnetlink, announced to the link
/// (gratuitous ARP requests for IPv4, unsolicited neighbour advertisements for IPv6, `announce` of them
/// `announce_interval` apart), and removed on a stop. The instance is the address on the interface: an rtnetlink
/// watch reports every address change in the namespace, and an address someone else removed is a fault that the
/// restart policy mends by adding it again.
///
/// An address that `follows` another target goes with it (`AddressDriver+Follows.swift`): it is added only while
/// that target runs healthy, and removed before that target stops or when it goes down. Confined to the engine
/// queue.
final class AddressDriver: TargetDriver {
    weak var supervisor: TargetSupervisor!

    enum Phase {
        /// No address of this target's on the interface.
        case down
        /// Started, waiting for the followed target to run healthy.
        case waitingForFollowed
        /// The address is on the interface (added or found); the state machine may not know yet.
        case up
    }

    private(set) var phase = Phase.down
    private var watcher: AddressWatcher?
    /// The announcer of the current addition, while its announcements go out.
    private var announcer: AddressAnnouncer?
    /// Counts additions, so that announcements due for an earlier one are dropped.
    private var generation = 0
    /// The address was removed because the followed target went down (not on the operator's request): it comes
    /// back when that target runs healthy again.
    var stoppedForFollowed = false
    /// Why the next stop happens, when the driver asked for it itself (the followed target stops or went down).
    var stopReason: String?

    init() {}

    var hasInstance: Bool {
        if case .up = phase { return true }
        return false
    }
    var holdsProcess: Bool { false }
    /// The address stays when vigild stops only if vigild is killed; a stopping vigild removes it, like its
    /// children, so a node that leaves does not keep answering for the address.
    var stopsWithVigild: Bool { true }

    var address: InterfaceAddress? {
        config.address.map {
            InterfaceAddress(address: $0.address, prefixLength: $0.prefixLength, interface: $0.interface)
        }
    }

    func attach() {
        do {
            watcher = try AddressWatcher(queue: engine.queue) { @Sendable [weak engine, name] in
                engine?.handle(.target(name, .driver(.addressesChanged)))
            }
        } catch {
            let message =
                "\(name): cannot watch the interface's addresses (\(error)); an address removed by someone else is "
                + "found on the health tick"
            engine.logger.warning("\(message)", metadata: ["VIGIL_TARGET": "\(name)"])
        }
    }

    /// An address found on the interface when the target is added is taken over by the start (`EEXIST`: adopted),
    /// unless the target may not start here: a cluster resource this node does not own (vigild was killed and
    /// restarted; its ownership went with its old lease) has its leftover address removed at once.
    func prepareAdoption(restored: PersistedTargetState?) -> Bool {
        guard !engine.recovery.startsWhenAdded(name), let address, (try? address.isPresent()) == true else {
            return false
        }
        phase = .up
        takeDown(reason: "left from before vigild restarted, and this node does not own it")
        return false
    }

    /// Adds the address, unless it follows a target that does not run healthy here yet (then it waits).
    func start() {
        stoppedForFollowed = false
        if let followed = config.follows, !engine.targets.runsHealthy(followed) {
            phase = .waitingForFollowed
            supervisor.waitForInstance("waiting for \(followed) to run healthy on this node")
            return
        }
        bringUp()
    }

    /// Puts the address on the interface and announces it; the state machine hears of it from the queue (never
    /// from inside its own `perform`).
    func bringUp() {
        guard let address else { return }
        do {
            let added = try address.add()
            phase = .up
            generation += 1
            record(.addressAdded, "\(address) \(added ? "added" : "found there already")", ["ADDED": added ? "1" : "0"])
            engine.post(.target(name, .driver(.addressUp(added: added))))
            announce(generation: generation, sent: 0)
        } catch {
            phase = .down
            supervisor.startFailed("cannot add \(address): \(error)")
        }
    }

    /// Sends the next announcement of addition `generation`, and schedules the one after.
    private func announce(generation: Int, sent: Int) {
        guard generation == self.generation, case .up = phase, let address, let settings = config.address else {
            return
        }
        guard settings.announcements > 0 else { return }
        do {
            if sent == 0 {
                announcer?.close()
                announcer = try AddressAnnouncer(address)
            }
            guard let announcer else { return }
            try announcer.send()
            if sent + 1 < settings.announcements {
                engine.after(
                    settings.announceInterval,
                    post: .target(name, .driver(.addressAnnounceDue(generation: generation, sent: sent + 1)))
                )
                return
            }
            let what = settings.address.family == .v4 ? "gratuitous ARP" : "unsolicited neighbour advertisement"
            record(
                .addressAnnounced,
                "\(address) announced from \(announcer.hardwareAddress) (\(settings.announcements) × \(what))",
                ["MAC": announcer.hardwareAddress, "ANNOUNCEMENTS": String(settings.announcements)]
            )
            announcer.close()
            self.announcer = nil
        } catch {
            engine.logger.warning(
                "\(name): cannot announce \(address): \(error)",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_ERROR": "\(error)"]
            )
            announcer?.close()
            announcer = nil
        }
    }

    func handle(_ event: DriverEvent) {
        switch event {
        case .addressUp(let added):
            guard case .up = phase else { return }
            guard supervisor.isSpawning || supervisor.awaitsInstance else {
                // Stopped while the address went on: it comes off again.
                takeDown(reason: "stopped as it was added")
                return
            }
            supervisor.instanceStarted(pid: 0, at: engine.now, adopted: !added)
        case .addressDown(let cause):
            guard supervisor.machine.state.pid == 0 else { return }
            supervisor.instanceEnded(pid: 0, status: .lost(cause: cause), at: engine.now)
        case .addressAnnounceDue(let generation, let sent):
            announce(generation: generation, sent: sent)
        case .addressesChanged:
            checkPresent()
        default:
            break
        }
    }

    func poll(now: MonotonicInstant) {
        if watcher == nil {
            checkPresent()
        }
    }

    /// The address is up as far as vigild knows: is it still on its interface? Gone is a fault.
    private func checkPresent() {
        guard case .up = phase, let address else { return }
        guard (try? address.isPresent()) == false else { return }
        phase = .down
        generation += 1
        let cause = "\(address.address) was removed from \(address.interface) by someone else"
        record(.addressRemoved, cause, ["REASON": "removed by someone else"])
        engine.post(.target(name, .driver(.addressDown(cause: cause))))
    }

    /// The state machine's stop (or a fault's kill): the address leaves the interface now.
    func signal(_ signal: VigilCore.Signal) {
        let reason = stopReason ?? (supervisor.isStopping ? "stopped" : "killed (\(signal))")
        stopReason = nil
        takeDown(reason: reason)
    }

    /// Removes the address (if it is up) and tells the state machine from the queue.
    func takeDown(reason: String) {
        switch phase {
        case .down:
            return
        case .waitingForFollowed:
            phase = .down
            engine.post(.target(name, .driver(.addressDown(cause: reason))))
            return
        case .up:
            break
        }
        phase = .down
        generation += 1
        announcer?.close()
        announcer = nil
        guard let address else { return }
        do {
            let removed = try address.remove()
            record(
                .addressRemoved,
                "\(address) removed: \(reason)",
                ["REASON": reason, "REMOVED": removed ? "1" : "0"]
            )
        } catch {
            engine.logger.error(
                "\(name): cannot remove \(address): \(error)",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_ERROR": "\(error)"]
            )
        }
        engine.post(.target(name, .driver(.addressDown(cause: "address removed: \(reason)"))))
    }

    func close(removed: Bool) {
        watcher?.cancel()
        watcher = nil
        announcer?.close()
        announcer = nil
        if case .up = phase, let address {
            // vigild is exiting or the target was replaced: the address does not outlive vigild's care for it.
            _ = try? address.remove()
        }
        phase = .down
    }

    private func record(_ kind: EventKind, _ message: String, _ fields: [String: String]) {
        guard let settings = config.address else { return }
        var all = fields
        all["ADDRESS"] = settings.text
        all["INTERFACE"] = settings.interface
        engine.events.record(
            Event(kind: kind, target: name, message: "\(name): \(message)", fields: all, time: engine.now)
        )
    }
}
