import VigilCore
import VigilLinux

/// The domain's QEMU process watched through a pidfd, where vigild can see it (found in `/proc` by the domain's UUID,
/// as for its checks' figures): its exit is noticed at once, while libvirt's own event waits until the process
/// is reaped (1.5–2 s late where PID 1 reaps orphans slowly). The death is reported once, from whichever comes
/// first; when the pidfd was first, libvirt's event only tells how late it was.
extension DomainDriver {
    /// Starts watching the QEMU process of the running domain, once per run of it: the emulator found for its
    /// figures (or found now), its command line checked again after the pidfd is open, so a PID recycled in between
    /// is never watched.
    func watchEmulator() {
        guard emulator == nil, let domain = config.domain,
            let pid = emulatorPID ?? EmulatorProcess.find(domain: domain.name, uuid: uuid)
        else { return }
        let observer: ProcessExitObserver
        do {
            observer = try ProcessExitObserver(pid: pid, queue: engine.queue) { @Sendable [weak engine, name] at in
                // Read while it is a zombie (not reaped yet): how it ended.
                let stat = (try? FileText.read("/proc/\(pid)/stat")).flatMap { try? ProcessStat.parse($0) }
                let status = stat.flatMap { $0.pid == pid && $0.state == .zombie ? $0.exitStatus : nil }
                engine?.handle(.target(name, .driver(.emulatorExited(pid: pid, noticedAt: at, status: status))))
            }
        } catch {
            return
        }
        guard EmulatorProcess.runs(pid, domain: domain.name, uuid: uuid) else {
            observer.cancel()
            return
        }
        emulator = observer
        engine.logger.info(
            "\(name): watching the QEMU process of domain \(domain.name) (pid \(pid)) through its pidfd",
            metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(pid)"]
        )
    }

    /// The QEMU process exited. It died when a signal ended it or it exited with a failure (`kill -9`, a crash);
    /// libvirt ends it with `SIGTERM`, which QEMU answers with a clean exit, for a destroy, a panic's `on_crash`, a
    /// guest's shutdown: those are libvirt's to report, and so is an exit whose status could not be read (reaped
    /// already). A death vigild did not cause (a stop, a destroy for a fault, a revert, a reset) is reported now,
    /// and the target is down; libvirt's own event follows and is not reported again.
    func emulatorExited(pid: Int32, noticedAt: MonotonicInstant, status: Int32?) {
        emulator = nil
        guard let state, state.phase == .active || state.phase == .suspended, let status, status != 0 else { return }
        switch supervisor.machine.state {
        case .starting, .running:
            guard operation == nil, revertInProgress == nil, !keptForReset else { return }
        default:
            return
        }
        emulatorDeath = noticedAt
        let domain = config.domain?.name ?? "?"
        let signal = status & 0x7f
        let how = signal != 0 ? "signal \(Signal(number: signal))" : "status \(status >> 8)"
        engine.events.record(
            Event(
                kind: .domainEmulatorDied,
                target: name,
                message:
                    "\(name): the emulator of domain \(domain) died (its QEMU process, pid \(pid), ended by \(how))",
                fields: ["DOMAIN": domain, "REASON": how, "PID": String(pid), "SOURCE": "pidfd"],
                time: noticedAt
            )
        )
        down(cause: "domain \(domain): its QEMU process (pid \(pid)) ended by \(how)", now: noticedAt)
    }

    /// libvirt reports the domain down: the pidfd's watch ends, and libvirt's lag behind a death the pidfd told
    /// first is logged (`VIGIL_LAG_USEC`).
    func libvirtReportedDown(_ current: ActuatorTargetState) {
        emulator?.cancel()
        emulator = nil
        guard let death = emulatorDeath else { return }
        emulatorDeath = nil
        let lag = engine.now - death
        engine.logger.info(
            "\(name): libvirt reported the domain \(current) \(lag.humanReadable) after its QEMU's pidfd",
            metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_LAG_USEC": "\(lag.microseconds)"]
        )
    }
}
