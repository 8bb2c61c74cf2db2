import Testing
import VigilCore

@Suite struct ProcParsersTests {
    @Test func pressureReadsSomeAndFullLinesWithTotalsInMicroseconds() throws {
        let text = """
            some avg10=19.50 avg60=18.70 avg300=18.38 total=1526459863
            full avg10=0.25 avg60=0.00 avg300=0.00 total=7
            """
        let stall = try PressureStall.parse(text + "\n")
        #expect(
            stall.some == PressureStall.Line(avg10: 19.5, avg60: 18.7, avg300: 18.38, totalMicroseconds: 1_526_459_863)
        )
        #expect(stall.full == PressureStall.Line(avg10: 0.25, avg60: 0, avg300: 0, totalMicroseconds: 7))
    }

    @Test func pressureOfAnOldKernelCPUFileHasNoFullLine() throws {
        let stall = try PressureStall.parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        #expect(stall.full == nil)
        #expect(stall.some.totalMicroseconds == 0)
    }

    @Test(arguments: [
        "",
        "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        "some avg10=0.00 avg60=0.00 avg300=0.00\n",
        "some avg10=abc avg60=0.00 avg300=0.00 total=0\n",
        "some avg10=0.00 avg60=0.0",
    ])
    func pressureTruncatedOrGarbledIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try PressureStall.parse(text) }
    }

    @Test func memInfoConvertsKilobytesToBytesAndKeepsUnitlessFields() throws {
        let text = """
            MemTotal:        4028428 kB
            MemFree:          263328 kB
            MemAvailable:    2915716 kB
            Buffers:          108096 kB
            SwapTotal:             0 kB
            SwapFree:              0 kB
            HugePages_Total:       0
            Hugepagesize:       2048 kB
            """
        let info = try MemInfo.parse(text)
        #expect(info.total == 4_028_428 * 1024)
        #expect(info.available == 2_915_716 * 1024)
        #expect(info.swapTotal == 0)
        #expect(info.swapFree == 0)
        #expect(info.fields["HugePages_Total"] == 0)
        #expect(info.fields["Hugepagesize"] == 2048 * 1024)
    }

    @Test func memInfoOfAnOldKernelHasNoAvailableField() throws {
        let info = try MemInfo.parse("MemTotal:  1024 kB\nMemFree:  512 kB\n")
        #expect(info.available == nil)
        #expect(info.swapTotal == nil)
    }

    @Test(arguments: ["", "MemFree: 1 kB\n", "MemTotal: 12x kB\n"])
    func memInfoWithoutATotalOrWithAGarbledNumberIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try MemInfo.parse(text) }
    }

    @Test func loadAverageReadsTheThreeAveragesAndTheTaskCounts() throws {
        let load = try LoadAverage.parse("1.75 1.66 2.23 4/98 18522\n")
        #expect(load == LoadAverage(one: 1.75, five: 1.66, fifteen: 2.23, runnable: 4, total: 98, lastPID: 18522))
    }

    @Test(arguments: ["", "1.0 2.0", "1.0 -2.0 3.0 1/2 3", "a b c"])
    func loadAverageTruncatedOrGarbledIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try LoadAverage.parse(text) }
    }

    static let procStat = """
        cpu  509638 1 123730 527169 5463 0 998 8272 0 0
        cpu0 240346 0 56044 285723 1142 0 130 4193 0 0
        cpu1 269291 1 67686 241445 4320 0 867 4078 0 0
        intr 63516528 0 9 0 0
        ctxt 128181640
        btime 1717000000
        processes 18555
        """

    @Test func procStatReadsTheAggregateAndEachCPU() throws {
        let stat = try ProcStat.parse(Self.procStat)
        #expect(stat.total.user == 509_638)
        #expect(stat.total.idle == 527_169)
        #expect(stat.total.steal == 8272)
        #expect(stat.total.guestNice == 0)
        #expect(stat.perCPU.keys.sorted() == [0, 1])
        #expect(stat.perCPU[1]?.iowait == 4320)
    }

    @Test func procStatOfAnOldKernelLeavesMissingColumnsNil() throws {
        let stat = try ProcStat.parse("cpu 1 2 3 4 5 6 7\n")
        #expect(stat.total.softirq == 7)
        #expect(stat.total.steal == nil)
        #expect(stat.total.guest == nil)
    }

    @Test(arguments: ["", "cpu 1 2 3\n", "cpu 1 2 x 4\n", "cpu0 1 2 3 4\n", "cpux 1 2 3 4\ncpu 1 2 3 4\n"])
    func procStatWithoutAGoodCPULineIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try ProcStat.parse(text) }
    }

    @Test func cpuUsageSplitsElapsedTicksIntoBusyIowaitAndSteal() throws {
        let earlier = CPUTimes(
            user: 100,
            nice: 0,
            system: 50,
            idle: 800,
            iowait: 10,
            irq: 0,
            softirq: 0,
            steal: 0,
            guest: 40
        )
        let later = CPUTimes(
            user: 150,
            nice: 0,
            system: 70,
            idle: 900,
            iowait: 20,
            irq: 5,
            softirq: 5,
            steal: 10,
            guest: 60
        )
        let usage = try #require(CPUTimes.usage(from: earlier, to: later))
        // 80 working + 100 idle + 10 iowait + 10 steal = 200 ticks; guest is inside user and not added twice.
        #expect(usage == CPUUsage(busy: 0.4, iowait: 0.05, steal: 0.05))
    }

    @Test func cpuUsageIsNilWhenNoTickElapsedAndIgnoresCountersThatWentBackwards() {
        let sample = CPUTimes(user: 1, nice: 0, system: 1, idle: 1, iowait: 5)
        #expect(CPUTimes.usage(from: sample, to: sample) == nil)
        var later = sample
        later.idle = 11
        later.iowait = 3
        #expect(CPUTimes.usage(from: sample, to: later) == CPUUsage(busy: 0, iowait: 0, steal: 0))
    }

    @Test func diskStatsReadsClassicDiscardAndFlushColumns() throws {
        let text = """
               7       0 loop0 0 0 0 0 0 0 0 0 0 0 0
               8       0 sda 12718 3418 1153810 8394 29581 31276 1226474 58231 2 38096 66626 0 0 0 0 1507 1233
             259       0 nvme0n1 100 0 800 10 50 0 400 5 0 20 15 7 0 56 1
            """
        let stats = try DiskStats.parse(text)
        #expect(stats.devices.map(\.name) == ["loop0", "sda", "nvme0n1"])
        let sda = try #require(stats.device(named: "sda"))
        #expect(sda.major == 8 && sda.minor == 0)
        #expect(sda.readsCompleted == 12718)
        #expect(sda.sectorsWritten == 1_226_474)
        #expect(sda.inFlight == 2)
        #expect(sda.ioMilliseconds == 38096)
        #expect(sda.weightedIOMilliseconds == 66626)
        #expect(sda.flushesCompleted == 1507)
        #expect(sda.flushMilliseconds == 1233)
        #expect(stats.device(named: "loop0")?.discardsCompleted == nil)
        #expect(stats.device(named: "nvme0n1")?.sectorsDiscarded == 56)
        #expect(stats.device(named: "nvme0n1")?.flushesCompleted == nil)
    }

    @Test(arguments: ["8 0 sda 1 2 3\n", "8 x sda 1 2 3 4 5 6 7 8 9 10 11\n", "8 0 sda 1 2 3 4 5 6 7 8 9 10 z\n"])
    func diskStatsTruncatedOrGarbledIsAnError(text: String) {
        #expect(throws: KernelTextError.self) { try DiskStats.parse(text) }
    }
}
