extension ProcessStat {
    /// Whether this is a thread of a QEMU that runs a virtual CPU: QEMU names them `CPU 0/TCG`, `CPU 1/KVM` (libvirt
    /// starts it with `debug-threads=on`). Their CPU time is the guest's own; the rest of QEMU's is emulation and I/O.
    public var isVirtualCPU: Bool {
        let words = command.split(separator: " ", maxSplits: 1)
        guard words.count == 2, words[0] == "CPU" else { return false }
        let number = words[1].prefix { $0 != "/" }
        return !number.isEmpty && number.allSatisfy(\.isNumber) && words[1].count > number.count + 1
    }
}
