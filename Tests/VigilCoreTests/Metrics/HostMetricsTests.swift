import Testing
import VigilCore

@Suite struct HostMetricsTests {
    @Test func hostPressureAndRaisedHostChecksAreRendered() {
        var snapshot = MetricsSnapshot(startTimeSeconds: 1)
        snapshot.hostPressure = HostPressure(
            cpu: .init(some: .init(avg10: 12.5, avg60: 1, avg300: 0, totalMicroseconds: 2_500_000)),
            memory: .init(
                some: .init(avg10: 0, avg60: 0, avg300: 0, totalMicroseconds: 0),
                full: .init(avg10: 50, avg60: 0, avg300: 0, totalMicroseconds: 1_000_000)
            )
        )
        snapshot.hostFaultsRaised = 1
        snapshot.hostWarningsRaised = 2
        let text = PrometheusText.render(snapshot)
        #expect(text.contains("# TYPE vigil_host_pressure_ratio gauge\n"))
        #expect(text.contains("vigil_host_pressure_ratio{resource=\"cpu\",kind=\"some\",window=\"10s\"} 0.125\n"))
        #expect(text.contains("vigil_host_pressure_ratio{resource=\"memory\",kind=\"full\",window=\"10s\"} 0.5\n"))
        #expect(!text.contains("resource=\"io\""), "a resource the kernel does not report has no series")
        #expect(text.contains("vigil_host_pressure_stalled_seconds_total{resource=\"cpu\",kind=\"some\"} 2.5\n"))
        #expect(text.contains("vigil_host_checks_raised{severity=\"fault\"} 1\n"))
        #expect(text.contains("vigil_host_checks_raised{severity=\"warn\"} 2\n"))
    }

    @Test func withoutPSIOnlyTheCheckCountsAreRendered() {
        let text = PrometheusText.render(MetricsSnapshot(startTimeSeconds: 1))
        #expect(text.contains("vigil_host_checks_raised{severity=\"fault\"} 0\n"))
        #expect(!text.contains("vigil_host_pressure"))
    }

    @Test func theHostLineSaysHealthyOrListsFaultsAndWarnings() {
        let healthy = HostStatus(pressure: ["cpu": 3.44, "memory": 0, "io": 1.25])
        #expect(healthy.line(color: false) == "host: healthy (pressure some avg10: cpu 3.4%, memory 0%, io 1.3%)")
        let faulted = HostStatus(
            faults: ["memory.available=3.1 for 45s (memory.available < 5% for 30s)"],
            warnings: ["load1=9 for 1m (load1 > 8 for 1m)"]
        )
        #expect(
            faulted.line(color: false)
                == "host: FAULT memory.available=3.1 for 45s (memory.available < 5% for 30s); "
                + "warn load1=9 for 1m (load1 > 8 for 1m)"
        )
        #expect(faulted.line(color: true).contains("\u{1B}[31mFAULT"))
    }
}
