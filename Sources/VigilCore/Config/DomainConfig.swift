/// How a `vm` target is driven through libvirt (`domain = "web"`): started, shut down, destroyed and reverted with
/// `virsh -c URI`, and watched through libvirt's lifecycle events rather than through a cgroup.
public struct DomainConfig: Sendable, Equatable {
    /// The domain's name, as `virsh list --all` shows it.
    public var name: String
    /// The libvirt connection (`qemu:///system`, `test+unix:///default?socket=…`).
    public var uri: String
    /// The snapshot the recovery ladder's `revert` goes back to; `nil`: the domain's current (latest) one.
    public var snapshot: String?
    /// How long a guest asked to shut down (ACPI) may take before it is destroyed.
    public var shutdownTimeout: Duration
    /// The host socket of the domain's virtio-serial heartbeat channel (`<channel type='unix'>`, `<source
    /// mode='bind' path='…'/>`), which vigild connects to; `nil` when the guest sends no heartbeats that way.
    public var channel: String?
    /// The PID file libvirt writes for the domain's QEMU (`emulator_pid_file`), when it differs from where the
    /// system daemon writes it (a session daemon's is under its user's runtime directory).
    public var emulatorPidFile: String?

    public static let defaultURI = "qemu:///system"
    public static let defaultShutdownTimeout = Duration.seconds(30)

    public init(
        name: String,
        uri: String = Self.defaultURI,
        snapshot: String? = nil,
        shutdownTimeout: Duration = Self.defaultShutdownTimeout,
        channel: String? = nil,
        emulatorPidFile: String? = nil
    ) {
        self.channel = channel
        self.emulatorPidFile = emulatorPidFile
        self.name = name
        self.uri = uri
        self.snapshot = snapshot
        self.shutdownTimeout = shutdownTimeout
    }

    /// Where vigild finds the PID of the domain's QEMU, to watch its exit through a pidfd: `emulator_pid_file`, else
    /// the system QEMU driver's `/run/libvirt/qemu/NAME.pid` for `qemu:///system`; `nil` otherwise (libvirt's
    /// events alone tell of the emulator's death).
    public var emulatorPidPath: String? {
        if let emulatorPidFile {
            return emulatorPidFile
        }
        return uri == "qemu:///system" ? "/run/libvirt/qemu/\(name).pid" : nil
    }

    /// The `stop_timeout` of a domain target that does not set one: the guest's `shutdown_timeout`, and 10 s for
    /// the `destroy` that follows it. Only past this does vigild destroy the domain on its own account.
    public var defaultStopTimeout: Duration {
        shutdownTimeout + .seconds(10)
    }
}
