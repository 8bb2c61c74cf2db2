import Testing
import VigilCore

@Suite struct ProcessParsersTests {
    @Test func processCgroupsOfAHybridHostMapEachControllerAndTheUnifiedPath() throws {
        let text = """
            9:name=systemd:/
            4:memory:/process_api/27bfdc50
            2:cpu,cpuacct:/system.slice/foo.service
            0::/system.slice/foo.service
            """
        let cgroups = try ProcessCgroups.parse(text)
        #expect(cgroups.unified == "/system.slice/foo.service")
        #expect(cgroups.controllers["memory"] == "/process_api/27bfdc50")
        #expect(cgroups.controllers["cpu"] == "/system.slice/foo.service")
        #expect(cgroups.controllers["cpuacct"] == "/system.slice/foo.service")
        #expect(cgroups.controllers["name=systemd"] == "/")
    }

    @Test func processCgroupsKeepColonsInsideThePath() throws {
        let cgroups = try ProcessCgroups.parse("0::/machine.slice/libvirt:qemu-1\n")
        #expect(cgroups.unified == "/machine.slice/libvirt:qemu-1")
        #expect(cgroups.controllers.isEmpty)
    }

    @Test(arguments: ["0:/\n", "x::/a\n", "0::relative\n"])
    func processCgroupsGarbledLineIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try ProcessCgroups.parse(text) }
    }

    @Test(arguments: [
        ("1 (systemd) S 0 1 1 0 -1 4194560 0", "systemd", ProcessStat.State.sleeping, Int32(0)),
        ("42 (my (odd) name) D 7 42 42 0", "my (odd) name", .diskSleep, 7),
        ("43 (a) b) c) Z 1 0", "a) b) c", .zombie, 1),
        ("44 (x) T 2 0", "x", .stopped, 2),
        ("45 (kworker/0:1) I 2 0", "kworker/0:1", .idle, 2),
        ("46 (run) R 3 0", "run", .running, 3),
    ])
    func processStatSplitsTheCommandAtTheLastParenthesis(
        text: String,
        command: String,
        state: ProcessStat.State,
        parent: Int32
    ) throws {
        let stat = try ProcessStat.parse(text)
        #expect(stat.command == command)
        #expect(stat.state == state)
        #expect(stat.parentPID == parent)
    }

    @Test(arguments: ["", "12 (cut", "12 (ok) ", "12 (ok) S", "x (ok) S 1", "12 (ok) SS 1"])
    func processStatTruncatedOrGarbledIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try ProcessStat.parse(text) }
    }

    @Test func aZombiesStatCarriesItsWaitStatusAndAShortLineHasNone() throws {
        // A QEMU killed with SIGKILL, not reaped yet: exit_code (field 52) is 9, the wait status of that signal.
        let killed =
            "4242 (qemu-system-x86) Z 1 4241 4241 0 -1 4194380 2000 0 0 0 300 120 0 0 20 0 3 0 123456 0 0 "
            + "18446744073709551615 0 0 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 9\n"
        let stat = try ProcessStat.parse(killed)
        #expect(stat.state == .zombie)
        #expect(stat.exitStatus == 9)
        #expect(try ProcessStat.parse("12 (ok) S 1 12 12 0").exitStatus == nil)
    }

    @Test func edacAndIoerrCountersParseDecimalAndHex() throws {
        #expect(try KernelCounter.decimal("17\n") == 17)
        #expect(try KernelCounter.hexadecimal("0x1f\n") == 31)
        #expect(try KernelCounter.hexadecimal("ff") == 255)
        #expect(throws: KernelTextError.self) { try KernelCounter.decimal("") }
        #expect(throws: KernelTextError.self) { try KernelCounter.decimal("1 2") }
        #expect(throws: KernelTextError.self) { try KernelCounter.hexadecimal("0x") }
        #expect(throws: KernelTextError.self) { try KernelCounter.hexadecimal("0xzz") }
    }
}
