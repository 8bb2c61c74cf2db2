/// The last `capacity` samples (nanoseconds) with their sum and sum of squares, kept exactly in integers so that
/// mean and variance cost O(1) per sample and do not drift however long the detector runs.
struct SlidingWindow: Sendable, Equatable {
    /// Samples are clamped here (about 18 minutes) so that `capacity` squares always fit in an `Int128`.
    static let maximumSample: Int64 = 1 << 40

    let capacity: Int
    private var ring: [Int64] = []
    private var head = 0
    private(set) var sum: Int64 = 0
    private var sumOfSquares: Int128 = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int {
        ring.count
    }

    mutating func append(_ value: Int64) {
        let sample = min(max(value, -Self.maximumSample), Self.maximumSample)
        if ring.count < capacity {
            ring.append(sample)
        } else {
            let old = ring[head]
            sum -= old
            sumOfSquares -= Int128(old) * Int128(old)
            ring[head] = sample
            head = (head + 1) % capacity
        }
        sum += sample
        sumOfSquares += Int128(sample) * Int128(sample)
    }

    /// The mean in nanoseconds; nil when empty.
    var mean: Double? {
        ring.isEmpty ? nil : Double(sum) / Double(ring.count)
    }

    /// The population standard deviation in nanoseconds; nil when empty.
    var standardDeviation: Double? {
        guard !ring.isEmpty else { return nil }
        let n = Int128(ring.count)
        // n²·variance = n·Σx² − (Σx)², exact in integers.
        let scaled = n * sumOfSquares - Int128(sum) * Int128(sum)
        return (Double(scaled) / Double(n * n)).squareRoot()
    }
}
