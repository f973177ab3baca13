import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): a small, fast generator whose whole state is one seed, so every run
/// that names the same seed draws the same numbers on every platform and Swift version.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A draw from N(0, 1) by the Box–Muller transform (one of the pair; the other is discarded for simplicity).
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUnit()  // in (0, 1], so log(u1) is finite
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Uniform in 0..<bound without modulo bias (Lemire's multiply-and-reject).
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0)
        let bound = UInt64(bound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }
}

extension MutableCollection where Self: RandomAccessCollection, Index == Int {
    /// Fisher–Yates with our own draws, so a seed gives the same order whatever the standard library does.
    public mutating func shuffle(using generator: inout SplitMix64) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = generator.nextIndex(below: i + 1)
            swapAt(startIndex + i, startIndex + j)
        }
    }
}
