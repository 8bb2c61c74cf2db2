import Testing
import VigilCore

@Suite struct CgroupParsersTests {
    @Test(arguments: [
        ("populated 1\nfrozen 0\n", CgroupEvents(populated: true, frozen: false)),
        ("populated 0\n", CgroupEvents(populated: false, frozen: nil)),
        ("populated 0\nfrozen 1\nnew_key something\n", CgroupEvents(populated: false, frozen: true)),
    ])
    func cgroupEventsReadsPopulatedAndFrozen(text: String, expected: CgroupEvents) throws {
        #expect(try CgroupEvents.parse(text) == expected)
    }

    @Test(arguments: ["", "frozen 0\n", "populated\n", "populated x\n"])
    func cgroupEventsWithoutAGoodPopulatedIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try CgroupEvents.parse(text) }
    }

    @Test func memoryEventsReadsEveryCounter() throws {
        let text = "low 0\nhigh 12\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\nsock_throttled 0\n"
        #expect(
            try MemoryEvents.parse(text)
                == MemoryEvents(low: 0, high: 12, max: 3, oom: 2, oomKill: 1, oomGroupKill: 0)
        )
        let old = try MemoryEvents.parse("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n")
        #expect(old.oomGroupKill == nil)
    }

    @Test func memoryEventsCutBeforeOOMKillIsAnError() throws {
        let error = try #require(throws: KernelTextError.self) {
            try MemoryEvents.parse("low 0\nhigh 0\nmax 0\noom 0\n")
        }
        #expect(error.message.contains("oom_kill"))
    }

    @Test func cpuStatV2WithoutTheCPUControllerHasUsageButNoThrottling() throws {
        let stat = try CPUStat.parse("usage_usec 6343646739\nuser_usec 5096371239\nsystem_usec 1247275500\n")
        #expect(stat.usageMicroseconds == 6_343_646_739)
        #expect(stat.systemMicroseconds == 1_247_275_500)
        #expect(stat.periods == nil && stat.throttledMicroseconds == nil)
    }

    @Test func cpuStatV2WithTheCPUControllerReportsThrottling() throws {
        let text = """
            usage_usec 100
            user_usec 60
            system_usec 40
            core_sched.force_idle_usec 0
            nr_periods 50
            nr_throttled 5
            throttled_usec 12345
            nr_bursts 0
            burst_usec 0
            """
        let stat = try CPUStat.parse(text)
        #expect(
            stat
                == CPUStat(
                    usageMicroseconds: 100,
                    userMicroseconds: 60,
                    systemMicroseconds: 40,
                    periods: 50,
                    throttledPeriods: 5,
                    throttledMicroseconds: 12345
                )
        )
    }

    @Test func cpuStatV1ConvertsThrottledTimeFromNanoseconds() throws {
        let stat = try CPUStat.parseV1("nr_periods 10\nnr_throttled 2\nthrottled_time 5000000\n")
        #expect(stat == CPUStat(periods: 10, throttledPeriods: 2, throttledMicroseconds: 5000))
        #expect(throws: KernelTextError.self) { try CPUStat.parseV1("nr_periods 10\n") }
        #expect(throws: KernelTextError.self) { try CPUStat.parse("") }
    }

    @Test func cpuStatTakesTheFirstLineOfAKeySkipsOtherShapesAndNamesTheLineOfAGarbledValue() throws {
        let text = "usage_usec\t 7\ncore_sched.force_idle_usec 0\nweird line here\nusage_usec 9\nnr_periods x1\n"
        let error = try #require(throws: KernelTextError.self) { try CPUStat.parse(text) }
        #expect(error.line == 5)
        #expect(error.message.contains("nr_periods is not a number: 'x1'"))
        #expect(
            try CPUStat.parse("  usage_usec 7  \nusage_usec 9\nnew_key some text\n") == CPUStat(usageMicroseconds: 7)
        )
        #expect(try KernelCounter.decimal(" 42 \n") == 42)
        #expect(throws: KernelTextError.self) { try KernelCounter.decimal("18446744073709551616\n") }
    }

    @Test func ioStatReadsEachDeviceAndIgnoresUnknownKeys() throws {
        let text = """
            8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
            8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021 cost.vrate=135.5 wait_usec=5
            """
        let stat = try IOStat.parse(text)
        #expect(stat.devices.count == 2)
        #expect(stat.devices[0].major == 8 && stat.devices[0].minor == 16)
        #expect(stat.devices[0].writeBytes == 314_773_504)
        #expect(stat.devices[1].discardIOs == 3021)
        #expect(try IOStat.parse("").devices.isEmpty)
        #expect(throws: KernelTextError.self) { try IOStat.parse("8 rbytes=1\n") }
        #expect(throws: KernelTextError.self) { try IOStat.parse("8:0 rbytes=x\n") }
    }

    @Test(arguments: [
        ("max\n", CgroupLimit.unlimited),
        ("536870912\n", .limited(536_870_912)),
        ("0", .limited(0)),
    ])
    func v2LimitMaxMeansUnlimited(text: String, expected: CgroupLimit) throws {
        #expect(try CgroupLimit.parse(text) == expected)
    }

    @Test(arguments: [
        ("9223372036854771712\n", CgroupLimit.unlimited),
        ("9223372036854710272\n", .unlimited),
        ("1073741824\n", .limited(1_073_741_824)),
    ])
    func v1LimitHugeNumberMeansUnlimited(text: String, expected: CgroupLimit) throws {
        #expect(try CgroupLimit.parseV1(text) == expected)
    }

    @Test(arguments: ["", "maximum", "12 13", "-1"])
    func garbledLimitIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try CgroupLimit.parse(text) }
    }

    @Test func v1OOMControlReadsDisableUnderOOMAndKills() throws {
        let control = try MemoryOOMControl.parse("oom_kill_disable 0\nunder_oom 1\noom_kill 3\n")
        #expect(control == MemoryOOMControl(oomKillDisabled: false, underOOM: true, oomKills: 3))
        #expect(try MemoryOOMControl.parse("oom_kill_disable 1\nunder_oom 0\n").oomKills == nil)
        #expect(throws: KernelTextError.self) { try MemoryOOMControl.parse("oom_kill_disable 0\n") }
    }
}
