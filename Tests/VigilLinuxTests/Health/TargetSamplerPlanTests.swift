import Testing
import VigilCore
import VigilLinux

/// The per-check sampling the engine uses every tick: one figure per check, in order, pressure files reused for a
/// while (the kernel updates them every 2 s), limits read only for percentage bounds.
@Suite struct TargetSamplerPlanTests {
    static let start = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    static func detectors(_ conditions: [String]) throws -> [CheckDetector] {
        try conditions.map { text in
            let condition = try HealthCheck.parseCondition(text + " for 10s", scope: .target).get()
            let check = HealthCheck(
                metric: condition.metric,
                comparison: condition.comparison,
                bound: condition.bound,
                holdFor: condition.holdFor,
                text: text
            )
            return CheckDetector(check: check)
        }
    }

    /// The fixture cgroup, with a v1 memory limit of 64 MiB.
    static func makeSampler(_ tree: FixtureTree) throws -> (TargetSampler, String) {
        try tree.write("/sys/fs/cgroup/memory/system.slice/web.service/memory.limit_in_bytes", "67108864\n")
        let locator = CgroupLocator(
            mountInfo: try MountInfo.parse(CgroupReaderFixtureTests.mountInfo),
            root: HostRoot(path: tree.root)
        )
        let sampler = TargetSampler(directories: locator.locate("/system.slice/web.service"))
        return (sampler, tree.root + "/sys/fs/cgroup/unified/system.slice/web.service")
    }

    @Test func eachCheckGetsItsFigureInOrderAndASharedMetricIsReadOnceWithItsLimitForAPercentBound() throws {
        let tree = try CgroupReaderFixtureTests.makeTree()
        defer { tree.remove() }
        let (sampler, _) = try Self.makeSampler(tree)
        let detectors = try Self.detectors([
            "memory.current > 1GiB", "pids.current > 100", "memory.current > 50%", "cpu.psi.some.avg10 > 5",
        ])
        sampler.sample(for: detectors, mainPID: nil, now: Self.start, freshPressure: false)
        #expect(sampler.readings.count == 4)
        // v1 memory: usage and, for the percent bound, the limit (which both memory.current checks then carry).
        #expect(sampler.readings[0] == .value(MetricReading(1_048_576, total: 67_108_864)))
        #expect(sampler.readings[2] == sampler.readings[0])
        guard case .missing(let pids) = sampler.readings[1] else {
            Issue.record("pids.current should be missing, read \(sampler.readings[1])")
            return
        }
        #expect(pids.contains("pids.current"))
        guard case .missing(let pressure) = sampler.readings[3] else {
            Issue.record("cpu.psi.some.avg10 should be missing, read \(sampler.readings[3])")
            return
        }
        #expect(pressure.contains("cpu.pressure"))
    }

    @Test func aPressureFileIsReadAgainOnlyAfterThePressureReuseTimeOrWhenAFreshReadIsAsked() throws {
        let tree = try CgroupReaderFixtureTests.makeTree()
        defer { tree.remove() }
        let (sampler, v2) = try Self.makeSampler(tree)
        let detectors = try Self.detectors(["memory.psi.some.avg10 > 50"])
        func write(_ avg10: String) throws {
            try tree.write(
                String(v2.dropFirst(tree.root.count)) + "/memory.pressure",
                "some avg10=\(avg10) avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
            )
        }
        try write("1.00")
        sampler.sample(for: detectors, mainPID: nil, now: Self.start, freshPressure: false)
        #expect(sampler.readings == [.value(MetricReading(1))])
        try write("2.00")
        // One tick later: the kernel cannot have recomputed the averages yet, the last figures stand.
        sampler.sample(for: detectors, mainPID: nil, now: Self.start + .seconds(1), freshPressure: false)
        #expect(sampler.readings == [.value(MetricReading(1))])
        // A PSI trigger fired: read now.
        sampler.sample(for: detectors, mainPID: nil, now: Self.start + .seconds(1), freshPressure: true)
        #expect(sampler.readings == [.value(MetricReading(2))])
        try write("3.00")
        sampler.sample(for: detectors, mainPID: nil, now: Self.start + .milliseconds(2200), freshPressure: false)
        #expect(sampler.readings == [.value(MetricReading(2))])
        sampler.sample(for: detectors, mainPID: nil, now: Self.start + .seconds(3), freshPressure: false)
        #expect(sampler.readings == [.value(MetricReading(3))])
    }

    @Test func newChecksAfterAReloadGetAPlanOfTheirOwn() throws {
        let tree = try CgroupReaderFixtureTests.makeTree()
        defer { tree.remove() }
        let (sampler, _) = try Self.makeSampler(tree)
        sampler.sample(
            for: try Self.detectors(["memory.current > 1GiB"]),
            mainPID: nil,
            now: Self.start,
            freshPressure: false
        )
        #expect(sampler.readings == [.value(MetricReading(1_048_576))])
        sampler.sample(
            for: try Self.detectors(["memory.psi.some.avg10 > 50", "memory.current > 90%"]),
            mainPID: nil,
            now: Self.start + .seconds(1),
            freshPressure: false
        )
        #expect(
            sampler.readings == [
                .value(MetricReading(0)), .value(MetricReading(1_048_576, total: 67_108_864)),
            ]
        )
    }
}
