import Dispatch
import VigilCore
import VigilLinux

/// The cgroups process targets run in (`…/vigild.service/targets/NAME` under systemd with `Delegate=yes`,
/// `/vigil/<state dir>/NAME` otherwise), prepared at the first start of one. Confined to the engine queue.
final class ProcessCgroups {
    unowned let engine: Engine
    private var prepared = false
    private var cgroups: TargetCgroups?
    /// Targets whose cgroup this vigild killed (through `cgroup.kill` or per PID): waited for on the way out.
    var killed: Set<String> = []

    init(engine: Engine) {
        self.engine = engine
    }

    /// The process targets' cgroups, prepared at first use (this moves vigild into its leaf when it runs as a
    /// systemd service); `nil` where they cannot be had, and process targets then share vigild's cgroup as before.
    func prepare() -> TargetCgroups? {
        if prepared {
            return cgroups
        }
        prepared = true
        guard let locator = engine.health.cgroupLocator else { return nil }
        do {
            let made = try TargetCgroups.prepare(
                locator: locator,
                stateDirectory: engine.loaded.config.daemon.stateDirectory,
                environment: ProcessEnvironment.current()
            )
            cgroups = made
            let leaf = made.layout.daemonLeaf.map { "; vigild runs in \($0)" } ?? ""
            engine.logger.notice("process targets run in cgroups under \(made.layout.targetsParent)\(leaf)")
            if made.delegationConfirmed == false {
                let advice =
                    "systemd did not mark vigild's cgroup as delegated (trusted.delegate): keep Delegate=yes in "
                    + "vigild.service (systemd before 251 sets no mark)"
                engine.logger.notice("\(advice)")
            }
        } catch {
            engine.logger.warning("process targets run in vigild's own cgroup (no cgroup of their own): \(error)")
        }
        return cgroups
    }

    /// The cgroups, if they were prepared and could be had.
    var current: TargetCgroups? { cgroups }

    /// vigild is exiting: a process target's cgroup that it killed on the way out (the SIGKILL after `stop_timeout`)
    /// may still hold processes the kernel has not finished; vigild waits for them here, at most a second, so that
    /// it leaves no cgroup that empties a moment later. Blocking is harmless now: nothing runs after this.
    func awaitKilled() {
        guard let cgroups else { return }
        let deadline = MonotonicClock.now() + .seconds(1)
        while killed.contains(where: { !cgroups.processes(of: $0).isEmpty }), MonotonicClock.now() < deadline {
            MonotonicClock.sleep(until: MonotonicClock.now() + .milliseconds(1))
        }
    }

    func removeParentIfEmpty() {
        cgroups?.removeParentIfEmpty()
    }
}
