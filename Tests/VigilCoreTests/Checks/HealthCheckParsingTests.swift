import Testing
import VigilCore

@Suite struct HealthCheckParsingTests {
    static func parse(
        _ text: String,
        _ scope: HealthMetric.Scope = .target
    ) -> Result<HealthCheck.Condition, CheckSyntaxError> {
        HealthCheck.parseCondition(text, scope: scope)
    }

    @Test(arguments: [
        (
            "memory.psi.full.avg10 > 20 for 30s", "memory.psi.full.avg10", HealthCheck.Comparison.greater,
            HealthCheck.Bound.percentOfTotal(20), Duration.seconds(30)
        ),
        ("memory.current >= 80% for 1m", "memory.current", .greaterOrEqual, .percentOfTotal(80), .seconds(60)),
        ("memory.current > 512MiB for 0s", "memory.current", .greater, .value(512 * 1_048_576), .zero),
        ("pids.current>1000 for 5s", "pids.current", .greater, .value(1000), .seconds(5)),
        ("main.uninterruptible == 1 for 10s", "main.uninterruptible", .equal, .value(1), .seconds(10)),
        ("cpu.usage > 95% for 2m", "cpu.usage", .greater, .percentOfTotal(95), .seconds(120)),
    ])
    func parsesTargetConditions(
        text: String,
        metric: String,
        comparison: HealthCheck.Comparison,
        bound: HealthCheck.Bound,
        holdFor: Duration
    ) throws {
        let condition = try Self.parse(text).get()
        #expect(condition.metric == HealthMetric(name: metric))
        #expect(condition.comparison == comparison)
        #expect(condition.bound == bound)
        #expect(condition.holdFor == holdFor)
    }

    @Test func parsesHostConditionsWithPathArguments() throws {
        let free = try Self.parse("fs.free[/var/lib] < 10% for 1m", .host).get()
        #expect(free.metric == HealthMetric(name: "fs.free", argument: "/var/lib"))
        #expect(free.bound == .percentOfTotal(10))
        let available = try Self.parse("memory.available < 2GiB for 30s", .host).get()
        #expect(available.bound == .value(2 * 1_073_741_824))
        let decimal = try Self.parse("memory.available < 2GB for 30s", .host).get()
        #expect(decimal.bound == .value(2_000_000_000))
    }

    @Test(arguments: [
        ("memory.psi.full.avg10 > 20", "expected \"for DURATION\""),
        ("memory.psi.full.avg10 > 20 for", "expected a duration"),
        ("memory.psi.full.avg10 > 20 for 30", "expected a duration"),
        ("memory.psi.full.avg10 > 20 for 30s and more", "unexpected \"and more\""),
        ("memory.psi.full.avg10 > 120 for 30s", "at most 100"),
        ("memory.psi.ful.avg10 > 20 for 30s", "unknown metric \"memory.psi.ful.avg10\""),
        ("memory.current => 20 for 30s", "expected a comparison"),
        ("memory.current > lots for 30s", "is not a number"),
        ("memory.current > 20XB for 30s", "unknown size unit \"XB\""),
        ("main.uninterruptible == 2 for 1s", "compare it with 0 or 1"),
        ("load1 > 2 for 1s", "measured for the host, not for a target"),
        ("main.rss > 10% for 1s", "no total to take a percentage of"),
        ("cpu.usage > 5MiB for 1s", "takes a plain number"),
        ("> 5 for 1s", "missing metric name"),
    ])
    func refusesMalformedConditionsWithAMessage(text: String, expected: String) {
        guard case .failure(let error) = Self.parse(text) else {
            Issue.record("\(text) parsed")
            return
        }
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func pathArgumentsAreCheckedForTheirMetric() {
        #expect(throws: CheckSyntaxError.self) { try Self.parse("fs.free < 10% for 1s", .host).get() }
        #expect(throws: CheckSyntaxError.self) { try Self.parse("fs.free[var] < 10% for 1s", .host).get() }
        #expect(throws: CheckSyntaxError.self) { try Self.parse("load1[/x] > 1 for 1s", .host).get() }
    }

    @Test func percentBoundsCompareWithTheReadingsTotal() {
        let check = HealthCheck(
            metric: HealthMetric(name: "memory.current"),
            comparison: .greater,
            bound: .percentOfTotal(50),
            holdFor: .seconds(1)
        )
        #expect(check.holds(for: MetricReading(524_288, total: 67_108_864)) == false)
        #expect(check.holds(for: MetricReading(40_000_000, total: 67_108_864)) == true)
        #expect(check.holds(for: MetricReading(40_000_000, total: nil)) == nil)
        let pressure = HealthCheck(
            metric: HealthMetric(name: "cpu.psi.some.avg10"),
            comparison: .greater,
            bound: .percentOfTotal(20),
            holdFor: .seconds(1)
        )
        #expect(pressure.holds(for: MetricReading(25)) == true)
        #expect(pressure.holds(for: MetricReading(15)) == false)
    }
}
