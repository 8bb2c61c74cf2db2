import Testing
import VigilCore

@Suite struct HistogramTests {
    @Test func aValueOnABoundCountsInThatBucketAndAboveTheLastInTheInfiniteOne() {
        var histogram = Histogram(upperBounds: [0.001, 0.01, 0.1])
        for value in [0.0005, 0.001, 0.002, 0.01, 0.05, 0.1, 0.2, 7] {
            histogram.observe(value)
        }
        #expect(histogram.bucketCounts == [2, 2, 2, 2])
        #expect(histogram.cumulativeCounts == [2, 4, 6, 8])
        #expect(histogram.count == 8)
        #expect(abs(histogram.sum - 7.3635) < 1e-12)
    }

    @Test func theInfiniteBucketAlwaysEqualsTheCount() {
        var histogram = Histogram()
        var generator = SplitMix64(seed: 42)
        for _ in 0..<10_000 {
            histogram.observe(Double(generator.next() % 20_000_000) / 1_000_000)
        }
        let cumulative = histogram.cumulativeCounts
        #expect(cumulative.last == histogram.count)
        #expect(zip(cumulative, cumulative.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(histogram.bucketCounts.count == Histogram.latencyBounds.count + 1)
    }

    @Test func defaultBucketsRunFromFiftyMicrosecondsToTenSeconds() {
        #expect(Histogram.latencyBounds.first == 0.000_05)
        #expect(Histogram.latencyBounds.last == 10)
        #expect(Histogram.latencyBounds.count == 17)
        #expect(Histogram().upperBounds == Histogram.latencyBounds)
    }

    @Test func negativeCountsAsZeroAndNaNIsIgnored() {
        var histogram = Histogram(upperBounds: [0.001])
        histogram.observe(-0.5)
        histogram.observe(.nan)
        #expect(histogram.bucketCounts == [1, 0])
        #expect(histogram.sum == 0)
        #expect(histogram.count == 1)
        histogram.observe(.infinity)
        #expect(histogram.bucketCounts == [1, 1])
    }

    @Test func durationsAreObservedInSeconds() {
        var histogram = Histogram(upperBounds: [0.0001, 0.001])
        histogram.observe(Duration.microseconds(250))
        histogram.observe(Duration.seconds(2))
        #expect(histogram.bucketCounts == [0, 1, 1])
        #expect(abs(histogram.sum - 2.000_25) < 1e-12)
    }
}
