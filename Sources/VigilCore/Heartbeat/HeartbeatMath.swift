/// The few elementary functions the heartbeat detectors need, written out because `VigilCore` imports neither
/// Foundation nor Glibc.
///
/// `exp` and `log` are accurate to a few units in the last place; `logNormalTail` follows the Chebyshev fit of
/// `erfc` from Numerical Recipes (`erfcc`, fractional error below 1.2e-7 everywhere), taken in log form so that φ
/// keeps growing for long silences instead of saturating where `1 − F` rounds to zero.
enum HeartbeatMath {
    static let ln2 = 0.693_147_180_559_945_3
    static let ln10 = 2.302_585_092_994_046
    private static let ln2Hi = 6.931_471_803_691_238_164_90e-01
    private static let ln2Lo = 1.908_214_929_270_587_700_02e-10
    private static let logHalfOfTwoPi = 0.918_938_533_204_672_7

    /// eˣ: range reduction to |r| ≤ ln2/2 and a Taylor series.
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782_712_893_384 { return .infinity }
        if x < -745.133_219_101_941_1 { return 0 }
        let k = (x / ln2).rounded()
        let r = (x - k * ln2Hi) - k * ln2Lo
        var term = 1.0
        var sum = 1.0
        for n in 1...16 {
            term *= r / Double(n)
            sum += term
        }
        // Two steps keep 2^k representable when k is near the ends of the exponent range.
        let half = Int(k) / 2
        let scaled = Double(sign: .plus, exponent: half, significand: sum)
        return Double(sign: .plus, exponent: Int(k) - half, significand: scaled)
    }

    /// ln x: x = m·2ᵉ with m in [√½, √2), then ln m = 2·atanh((m − 1)/(m + 1)).
    static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        var value = x
        var bias = 0
        if value.isSubnormal {
            value *= 0x1p54
            bias = -54
        }
        var exponent = Int(value.exponent) + bias
        var m = value.significand
        if m > 1.414_213_562_373_095_1 {
            m /= 2
            exponent += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var power = s
        var sum = 0.0
        for k in 0..<14 {
            sum += power / Double(2 * k + 1)
            power *= s2
        }
        return Double(exponent) * ln2 + 2 * sum
    }

    /// ln erfc(x).
    static func logErfc(_ x: Double) -> Double {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        var poly = 0.170_872_77
        for c in [
            -0.822_152_23, 1.488_515_87, -1.135_203_98, 0.278_868_07, -0.186_288_06, 0.096_784_18, 0.374_091_96,
            1.000_023_68,
        ] {
            poly = c + t * poly
        }
        let logTail = log(t) - z * z - 1.265_512_23 + t * poly
        if x >= 0 {
            return logTail
        }
        // erfc(−z) = 2 − erfc(z), which is between 1 and 2: no cancellation to fear.
        return log(2 - exp(logTail))
    }

    /// ln Q(z), Q the upper tail of the standard normal distribution: Q(z) = erfc(z/√2)/2.
    static func logNormalTail(_ z: Double) -> Double {
        -ln2 + logErfc(z * 0.707_106_781_186_547_6)
    }

    /// The z at which `logNormalTail(z)` equals `logTail` (a negative number): safeguarded Newton on a bracket.
    static func normalTailQuantile(logTail target: Double) -> Double {
        var lo = -40.0
        var hi = max(1, (max(0, -2 * target)).squareRoot()) + 1
        // Q(z) ≤ e^(−z²/2)/2 for z ≥ 0, so the tail at `hi` is already below the target; below −40 it is 1.
        if logNormalTail(lo) <= target { return lo }
        var z = target < -HeartbeatMath.ln2 ? (-2 * target).squareRoot() - 1 : 0
        z = min(max(z, lo), hi)
        for _ in 0..<200 {
            let value = logNormalTail(z)
            let f = value - target
            if f > 0 { lo = z } else { hi = z }
            // d/dz ln Q(z) = −pdf(z)/Q(z).
            let slope = -exp(-0.5 * z * z - logHalfOfTwoPi - value)
            var next = z - f / slope
            if !(next > lo && next < hi) || slope == 0 {
                next = (lo + hi) / 2
            }
            if abs(next - z) <= 1e-14 * max(1, abs(z)) || hi - lo <= 1e-14 * max(1, abs(z)) {
                return next
            }
            z = next
        }
        return z
    }
}
