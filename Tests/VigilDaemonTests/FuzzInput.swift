import Foundation
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Seeded random inputs for the fuzz tests: the same seed gives the same inputs, so a failure printed with its
/// seed can be replayed with `VIGIL_FUZZ_SEED=<seed>`.
struct FuzzInput {
    let seed: UInt64
    private var generator: SplitMix64

    /// `VIGIL_FUZZ_SEED` when set, a fresh random seed otherwise.
    init() {
        let given = ProcessInfo.processInfo.environment["VIGIL_FUZZ_SEED"].flatMap { UInt64($0) }
        self.init(seed: given ?? UInt64.random(in: 0...UInt64.max))
    }

    init(seed: UInt64) {
        self.seed = seed
        generator = SplitMix64(seed: seed)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &generator)
    }

    mutating func chance(_ probability: Double) -> Bool {
        generator.nextUnit() < probability
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[int(0...choices.count - 1)]
    }

    mutating func shuffle<T>(_ elements: inout [T]) {
        elements.shuffle(using: &generator)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Values that break careless parsers: extremes of every JSON type, wrong types, escapes and deep nesting.
    static let hostileValues = [
        "1e300", "-1e300", "1e-300", "-0", "0", "-1", "9223372036854775807", "-9223372036854775808",
        "99999999999999999999999", "1.5", "true", "null", "\"\"", "[]", "{}", "\"\\u0000\"", "\"\\ud800\"",
        "\"\u{1F600}\"", "\"\\n\"", String(repeating: "[", count: 5_000),
        "\"" + String(repeating: "a", count: 60_000) + "\"",
    ]

    /// `bytes` with one to four random edits: flips, insertions, deletions, duplicated slices and hostile values
    /// spliced in.
    mutating func mutate(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var result = Array(bytes)
        for _ in 0..<int(1...4) {
            let at = int(0...max(result.count - 1, 0))
            switch int(0...5) {
            case 0 where !result.isEmpty:
                result[at] ^= UInt8(1) << UInt8(int(0...7))
            case 1:
                result.insert(pick(Array("{}[]\":,\\0123456789.eE-+ntfa\n\u{0}".utf8)), at: min(at, result.count))
            case 2 where !result.isEmpty:
                result.remove(at: at)
            case 3 where !result.isEmpty:
                let end = min(at + int(1...16), result.count)
                result.insert(contentsOf: result[at..<end], at: end)
            default:
                result.insert(contentsOf: Array(pick(Self.hostileValues).utf8), at: min(at, result.count))
            }
        }
        return result
    }
}
