import CLinux
import Dispatch
import Foundation
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Real QEMU guests for a test: its own libvirtd (QEMU driver, session mode as `nobody`, everything in a temporary
/// directory) and the test guest (`GuestImage`) defined in it as domains with a heartbeat channel, a control channel
/// (`scripts/guest/init` lists its commands), a qcow2 disk, a serial console log, a pvpanic device
/// (`on_crash` destroy) and an i6300esb watchdog (`action='none'`: libvirt only reports it).
///
/// `stop()` destroys and undefines every domain it defined, kills any QEMU left from them, and stops the daemon; it
/// runs on deinit too, so a failed test leaves nothing behind.
public final class GuestHost: @unchecked Sendable {
    /// TCG (`<domain type='qemu'>`) or KVM, chosen once per test process by a trial boot.
    public enum Accelerator: String, Sendable {
        case kvm
        case tcg = "qemu"
    }

    public let libvirt: Libvirtd
    public let image: GuestImage
    /// What guests are defined with: TCG until the trial boot has said otherwise.
    public private(set) var accelerator: Accelerator
    private var defined: [String] = []
    private var stopped = false
    /// `virsh event` processes recording lifecycle events (`recordLifecycle`).
    private var recorders: [SpawnedProcess] = []

    public var uri: String { libvirt.uri }
    public var directory: String { libvirt.directory }

    /// Whether this host can run guests: root, libvirtd with its QEMU driver, virsh, qemu-system-x86_64, qemu-img.
    public static var missing: String? {
        for path in [
            Libvirtd.program, "/usr/bin/virsh", "/usr/bin/qemu-system-x86_64", "/usr/bin/qemu-img",
            "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so",
        ] where !FileManager.default.fileExists(atPath: path) {
            return "\(path) is missing (scripts/test installs qemu-system-x86, qemu-utils, libvirt-daemon-driver-qemu)"
        }
        return geteuid() == 0 ? nil : "the real-guest tests need root"
    }

    /// Builds the image (cached), starts the daemon, and chooses the accelerator.
    /// - Throws: `LibvirtdError` saying what is missing or did not work.
    public init() async throws {
        if let missing = Self.missing {
            throw LibvirtdError(message: missing)
        }
        image = try await Blocking.run { try GuestImage.build() }
        libvirt = try Libvirtd(qemu: true)
        guard try await libvirt.waitUntilReady() else {
            let error = LibvirtdError(message: "libvirtd (qemu) did not answer: \(libvirt.lastError)")
            libvirt.stop()
            throw error
        }
        accelerator = .tcg
        chmod(libvirt.directory, 0o755)
        accelerator = try await Self.choose(on: self)
    }

    nonisolated(unsafe) private static var trial: Accelerator?
    private static let trialLock = NSLock()

    /// KVM only when a trial guest boots under it and answers on its control channel within 20 s (this machine
    /// kind has a /dev/kvm whose guests die); TCG otherwise. Printed, with why.
    private static func choose(on host: GuestHost) async throws -> Accelerator {
        if let known = trialLock.withLock({ trial }) {
            return known
        }
        var chosen = Accelerator.tcg
        var why = ""
        let guest: TestGuest
        do {
            guest = try await host.define("vigil-kvm-trial", accelerator: .kvm, start: false)
        } catch {
            await host.remove("vigil-kvm-trial")
            print("real-guest tests run under TCG (KVM trial: \(error))")
            trialLock.withLock { trial = .tcg }
            return .tcg
        }
        let started = try await host.virsh(["start", guest.name])
        if started.status != 0 {
            why = started.err.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if (try? await guest.ask("ping", timeout: .seconds(20)))?.hasPrefix("pong") == true {
            chosen = .kvm
            why = "a KVM guest booted and answered"
        } else {
            why = "a KVM guest started but did not answer within 20 s"
        }
        await host.remove(guest.name)
        print("real-guest tests run under \(chosen == .kvm ? "KVM" : "TCG") (KVM trial: \(why))")
        trialLock.withLock { trial = chosen }
        return chosen
    }

    deinit {
        stop()
    }

    /// `virsh -c URI arguments`, off the cooperative pool.
    public func virsh(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        let libvirt = libvirt
        return try await Blocking.run { try libvirt.virsh(arguments) }
    }

    /// Defines (and with `start`, starts) a test guest.
    /// - Parameters:
    ///   - target: the vigild target whose heartbeats its agent sends, with `key` (hex); `nil`: no agent.
    ///   - interval: the agent's interval in seconds.
    ///   - rawDisk: a raw disk image of the test's (readable and writable by `nobody`) instead of a fresh qcow2 one.
    ///   - errorPolicy: the disk's `error_policy` (`stop`: QEMU pauses the guest on a write error and libvirt
    ///     reports an `io-error`); libvirt's default when `nil`.
    public func define(
        _ name: String,
        target: String? = nil,
        key: String? = nil,
        interval: String = "1",
        accelerator: Accelerator? = nil,
        start: Bool = true,
        rawDisk: String? = nil,
        errorPolicy: String? = nil
    ) async throws -> TestGuest {
        let guest = TestGuest(name: name, directory: directory + "/" + name, uri: uri)
        try FileManager.default.createDirectory(atPath: guest.directory, withIntermediateDirectories: true)
        let disk = rawDisk ?? guest.directory + "/disk.qcow2"
        if rawDisk == nil {
            let created = try await Blocking.run {
                try ProcessProbe.run("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", disk, "16M"])
            }
            guard created.status == 0 else { throw LibvirtdError(message: "qemu-img create: \(created.err)") }
            chown(disk, 65534, 65534)
        }
        chown(guest.directory, 65534, 65534)
        let policy = errorPolicy.map { " error_policy='\($0)'" } ?? ""
        var command = "console=ttyS0 quiet panic=0"
        if let target, let key {
            command += " vigil.target=\(target) vigil.key=\(key) vigil.interval=\(interval)"
        }
        let xml = """
            <domain type='\((accelerator ?? self.accelerator).rawValue)'>
              <name>\(name)</name>
              <memory unit='MiB'>128</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>\(image.kernel)</kernel>
                <initrd>\(image.initrd)</initrd>
                <cmdline>\(command)</cmdline>
              </os>
              <features><acpi/></features>
              <on_crash>destroy</on_crash>
              <devices>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='\(rawDisk == nil ? "qcow2" : "raw")'\(policy)/>
                  <source file='\(disk)'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <serial type='file'><source path='\(guest.console)' append='on'/><target port='0'/></serial>
                <channel type='unix'>
                  <source mode='bind' path='\(guest.heartbeatSocket)'/>
                  <target type='virtio' name='org.vigil.heartbeat.0'/>
                </channel>
                <channel type='unix'>
                  <source mode='bind' path='\(guest.controlSocket)'/>
                  <target type='virtio' name='org.vigil.test.0'/>
                </channel>
                <panic model='isa'/>
                <watchdog model='i6300esb' action='none'/>
                <memballoon model='none'/>
              </devices>
            </domain>
            """
        let file = guest.directory + "/domain.xml"
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        defined.append(name)
        let result = try await virsh(["define", file])
        guard result.status == 0 else { throw LibvirtdError(message: "define \(name): \(result.err)") }
        if start {
            let started = try await virsh(["start", name])
            guard started.status == 0 else { throw LibvirtdError(message: "start \(name): \(started.err)") }
        }
        return guest
    }

    /// Starts recording libvirt's lifecycle events of every domain of this host into `path`, one line each in the
    /// order libvirt sent them (`event 'lifecycle' for domain 'NAME': Resumed Unpaused`), until `stop()`.
    public func recordLifecycle(into path: String) throws {
        let file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw LibvirtdError(message: "open \(path): errno \(errno)") }
        defer { close(file) }
        recorders.append(
            try ProcessLauncher.spawn(
                LaunchSpec(
                    path: "/usr/bin/virsh",
                    arguments: ["virsh", "-c", uri, "event", "--loop", "--event", "lifecycle"],
                    environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"]
                ),
                stdout: file,
                stderr: file
            )
        )
    }

    /// Destroys and undefines one domain (with its snapshots' metadata).
    public func remove(_ name: String) async {
        _ = try? await virsh(["destroy", name])
        _ = try? await virsh(["undefine", name, "--snapshots-metadata"])
        defined.removeAll { $0 == name }
    }

    /// Destroys and undefines every domain defined here, kills what QEMU is left of them (by the PID files libvirt
    /// wrote for them, checked against the process's command line), and stops the daemon.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        for recorder in recorders {
            _ = try? ProcessLauncher.signalGroup(recorder.pid, .kill)
            var info = vigil_exit_info()
            _ = vigil_pidfd_reap(recorder.pidfd, 0, &info)
            close(recorder.pidfd)
        }
        recorders = []
        for name in defined {
            _ = try? libvirt.virsh(["destroy", name])
            _ = try? libvirt.virsh(["undefine", name, "--snapshots-metadata"])
        }
        defined = []
        let run = directory + "/run/libvirt/qemu/run"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: run)) ?? [] where file.hasSuffix(".pid") {
            // Only a QEMU of this host's (its command line names this host's directory): a PID file libvirt left
            // behind may name a PID the system has given to another process since.
            if let text = try? String(contentsOfFile: run + "/" + file, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
                let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: command, as: UTF8.self).contains(directory + "/")
            {
                kill(pid, SIGKILL)
            }
        }
        libvirt.stop()
    }
}
