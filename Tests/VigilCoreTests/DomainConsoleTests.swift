import Testing
import VigilCore

/// Where a domain logs its serial console (from its XML) and the bounded tail a `domain-panicked` event carries.
@Suite struct DomainConsoleTests {
    @Test func aFileSerialConsolesPathIsFoundInTheDomainsXML() {
        let xml = """
            <domain type='qemu' id='3'>
              <name>db1</name>
              <devices>
                <disk type='file' device='disk'><source file='/var/lib/libvirt/images/db1.qcow2'/></disk>
                <serial type='file'>
                  <source path='/var/log/libvirt/qemu/db1&amp;console.log' append='on'/>
                  <target type='isa-serial' port='0'/>
                </serial>
                <console type='file'>
                  <source path='/var/log/libvirt/qemu/db1&amp;console.log' append='on'/>
                </console>
              </devices>
            </domain>
            """
        #expect(DomainConsole.logPath(inDomainXML: xml) == "/var/log/libvirt/qemu/db1&console.log")
    }

    @Test func aPtyConsolesLogFileIsFoundAndAConsoleWithoutAFileHasNone() {
        let logged = """
            <devices>
              <serial type="pty"><source path="/dev/pts/3"/><log file="/var/log/db1.log" append="off"/></serial>
            </devices>
            """
        #expect(DomainConsole.logPath(inDomainXML: logged) == "/var/log/db1.log")
        let none = "<devices><serial type='pty'><source path='/dev/pts/3'/></serial><console type='pty'/></devices>"
        #expect(DomainConsole.logPath(inDomainXML: none) == nil)
    }

    @Test func theTailStartsAtTheKernelPanicLineWhenThereIsOneElseItIsTheLastLines() {
        let panic =
            "[    9.1] sysrq: Trigger a crash\r\n[    9.2] Kernel panic - not syncing: sysrq triggered crash\r\n"
            + "[    9.3] CPU: 0 PID: 1 Comm: sh\r\n\r\n[    9.4] Call Trace:\r\n[    9.5]  <TASK>\r\n"
        #expect(
            DomainConsole.panicTail(panic, count: 3)
                == "[    9.2] Kernel panic - not syncing: sysrq triggered crash\n[    9.3] CPU: 0 PID: 1 Comm: sh\n"
                + "[    9.4] Call Trace:"
        )
        let plain = "partial line\r\n[    1.0] one\r\n\r\n[    2.0] two\r\n"
        #expect(DomainConsole.panicTail(plain, count: 2) == "[    1.0] one\n[    2.0] two")
        #expect(DomainConsole.panicTail(plain, count: 20).split(separator: "\n").count == 3)
        #expect(DomainConsole.panicTail("", count: 20) == "")
    }
}
