/// The CPU lines of `/proc/stat`: the `cpu` aggregate and one `cpuN` line per online CPU.
public struct ProcStat: Sendable, Equatable {
    /// The `cpu` line: all CPUs together.
    public var total: CPUTimes
    /// The `cpuN` lines by N; offline CPUs have no line.
    public var perCPU: [Int: CPUTimes]

    public init(total: CPUTimes, perCPU: [Int: CPUTimes] = [:]) {
        self.total = total
        self.perCPU = perCPU
    }

    /// Parses `/proc/stat`; lines other than `cpu…` (`intr`, `ctxt`, `btime`, …) are ignored.
    /// - Throws: `KernelTextError` when the `cpu` line is missing or a CPU line is garbled.
    public static func parse(_ text: String) throws(KernelTextError) -> ProcStat {
        var total: CPUTimes?
        var perCPU: [Int: CPUTimes] = [:]
        for (number, line) in KernelText.lines(text) where line.hasPrefix("cpu") {
            let fields = KernelText.fields(line)
            let label = fields[0]
            let times = try CPUTimes.parse(columns: fields.dropFirst(), line: number)
            if label == "cpu" {
                total = times
            } else if let index = Int(label.dropFirst(3)) {
                perCPU[index] = times
            } else {
                throw KernelTextError(file: .procStat, line: number, message: "unknown CPU label '\(label)'")
            }
        }
        guard let total else {
            throw KernelTextError(file: .procStat, message: "no 'cpu' line")
        }
        return ProcStat(total: total, perCPU: perCPU)
    }
}
