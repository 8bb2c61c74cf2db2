import VigilCore
import VigilLinux

/// A domain's figures for its checks, without a `machine` scope: its emulator's `/proc` (`main.rss`, `main.cpu`,
/// `main.uninterruptible`, and `guest.cpu` from its virtual CPU threads) and the cgroup libvirt made for the domain
/// (`memory.current`, `cpu.usage`, pressure…), found from the emulator's own cgroups.
extension DomainDriver {
    /// Finds the running domain's emulator on this host and points the checks' sampler at its figures.
    /// - Returns: the emulator's PID, or `nil` when it runs elsewhere (a remote connection, another PID namespace,
    ///   a driver without a QEMU): the checks then say their figures are unavailable.
    func findEmulator() -> Int32? {
        let domain = config.domain?.name ?? name
        guard let pid = EmulatorProcess.find(domain: domain, uuid: uuid) else {
            emulatorPID = nil
            supervisor.sampler = TargetSampler(
                directories: CgroupDirectories(),
                cgroupAbsence: "the emulator of domain \(domain) does not run on this host"
            )
            return nil
        }
        emulatorPID = pid
        guard let locator = engine.health.cgroupLocator else {
            supervisor.sampler = TargetSampler(directories: CgroupDirectories(), cgroupAbsence: "no cgroup hierarchy")
            return pid
        }
        switch EmulatorProcess.domainCgroup(of: pid, locator: locator) {
        case .success(let directories):
            supervisor.sampler = TargetSampler(directories: directories)
        case .failure(let error):
            supervisor.sampler = TargetSampler(directories: CgroupDirectories(), cgroupAbsence: error.description)
        }
        return pid
    }
}
