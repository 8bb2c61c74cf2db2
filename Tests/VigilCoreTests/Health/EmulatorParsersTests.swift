import Testing
import VigilCore

/// What vigild reads of a libvirt domain's emulator: its command line, its cgroups, its threads' names, and the
/// domain each line of `virsh event --all --loop` is about.
@Suite struct EmulatorParsersTests {
    static let qemu =
        [
            "/usr/bin/qemu-system-x86_64", "-name", "guest=db,,1,debug-threads=on", "-S", "-object",
            "secret,id=masterKey0", "-uuid", "5F1C9C3E-7A7E-4C1B-9D0E-2B0C1A2B3C4D", "-m", "128",
        ].joined(separator: "\0") + "\0"

    @Test func theDomainsNameAndUUIDComeFromLibvirtsQemuCommandLineWithDoubledCommasUnescaped() {
        let parsed = EmulatorCommandLine.parse(Self.qemu)
        #expect(parsed == EmulatorCommandLine(domain: "db,1", uuid: "5F1C9C3E-7A7E-4C1B-9D0E-2B0C1A2B3C4D"))
        #expect(EmulatorCommandLine.parse("qemu\0-name\0web1\0").domain == "web1", "older libvirt: -name NAME")
        #expect(EmulatorCommandLine.parse("/bin/sleep\0100\0") == EmulatorCommandLine())
    }

    @Test func theUUIDDecidesWhichEmulatorIsTheDomainsWhenLibvirtSaidItAndTheNameOtherwise() {
        let parsed = EmulatorCommandLine.parse(Self.qemu)
        #expect(parsed.runs(domain: "other-name", uuid: "5f1c9c3e-7a7e-4c1b-9d0e-2b0c1a2b3c4d"))
        #expect(!parsed.runs(domain: "db,1", uuid: "00000000-0000-0000-0000-000000000000"), "another daemon's db,1")
        #expect(parsed.runs(domain: "db,1", uuid: nil))
        #expect(!parsed.runs(domain: "db", uuid: nil))
    }

    @Test func theDomainsCgroupIsTheOneLibvirtNamedWhateverTheEmulatorsThreadsSitIn() {
        #expect(
            ProcessCgroups.libvirtDomainPath("/machine/qemu-3-web1.libvirt-qemu/emulator")
                == "/machine/qemu-3-web1.libvirt-qemu"
        )
        #expect(
            ProcessCgroups.libvirtDomainPath("/machine.slice/machine-qemu\\x2d12\\x2ddb\\x2d1.scope/libvirt/emulator")
                == "/machine.slice/machine-qemu\\x2d12\\x2ddb\\x2d1.scope"
        )
        #expect(
            ProcessCgroups.libvirtDomainPath("/machine/qemu-3-web1.libvirt-qemu") == "/machine/qemu-3-web1.libvirt-qemu"
        )
        // A session daemon's QEMU runs in the daemon's cgroup: not the domain's.
        #expect(ProcessCgroups.libvirtDomainPath("/user.slice/user-0.slice/session-1.scope") == nil)
        #expect(ProcessCgroups.libvirtDomainPath("/machine/qemu-x-web1.libvirt-qemu") == nil)
        #expect(ProcessCgroups.libvirtDomainPath("/machine/qemu-3-.libvirt-qemu") == nil)

        let hybrid = ProcessCgroups(
            unified: "/machine/qemu-3-web1.libvirt-qemu/emulator",
            controllers: ["memory": "/machine/qemu-3-web1.libvirt-qemu/emulator", "name=systemd": "/"]
        )
        #expect(
            hybrid.libvirtDomain
                == ProcessCgroups(
                    unified: "/machine/qemu-3-web1.libvirt-qemu",
                    controllers: ["memory": "/machine/qemu-3-web1.libvirt-qemu"]
                )
        )
        #expect(ProcessCgroups(unified: "/", controllers: ["memory": "/vigil"]).libvirtDomain == nil)
    }

    @Test func virtualCPUThreadsAreTheOnesQemuNamesCPUNumberSlashAccelerator() {
        func stat(_ command: String) -> ProcessStat {
            ProcessStat(pid: 1, command: command, state: .running, parentPID: 0)
        }
        #expect(stat("CPU 0/TCG").isVirtualCPU)
        #expect(stat("CPU 12/KVM").isVirtualCPU)
        #expect(!stat("qemu-system-x86").isVirtualCPU)
        #expect(!stat("CPU 0").isVirtualCPU)
        #expect(!stat("CPU x/TCG").isVirtualCPU)
        #expect(!stat("IO mon_iothread").isVirtualCPU)
    }

    @Test func eachEventLineIsHandedToTheDomainItNames() {
        #expect(LibvirtEventLine.domain(of: "event 'lifecycle' for domain 'web1': Started Booted") == "web1")
        #expect(LibvirtEventLine.domain(of: "event 'watchdog' for domain 'db 2': none") == "db 2")
        #expect(
            LibvirtEventLine.domain(of: "2026-12-03 14:00:00.000+0000: event 'io-error' for domain 'a': /x (vda) pause")
                == "a"
        )
        #expect(LibvirtEventLine.domain(of: "events received: 3") == nil)
        #expect(LibvirtEventLine.domain(of: "running") == nil)
        #expect(LibvirtEventLine.isUUID("5f1c9c3e-7a7e-4c1b-9d0e-2b0c1a2b3c4d"))
        #expect(!LibvirtEventLine.isUUID("running"))
        #expect(!LibvirtEventLine.isUUID("5f1c9c3e-7a7e-4c1b-9d0e-2b0c1a2b3c4"))
    }
}
