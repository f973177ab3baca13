import Testing
@_spi(Benchmarks) @testable import DigitsCore

/// The convolutions' matrix products against the textbook sums, at shapes that leave every kind of remainder:
/// rows beyond the last four, columns beyond the last pair of vectors, the last vector and the last four, and
/// (transposed) products beyond the last eight.
@Suite struct MatrixProductTests {
    /// Small integers, so that every sum is exact in Float whatever its order.
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<rows * columns).map { _ in Float(generator.nextIndex(below: 9)) - 4 }
    }

    static let shapes = [(1, 1, 1), (3, 5, 2), (4, 16, 3), (5, 33, 7), (9, 47, 25), (20, 576, 25), (40, 64, 500),
                         (40, 500, 64), (6, 80, 9), (40, 100, 180)]

    /// C += A B (`multiplyAdd`, B k × n) or C += A Bᵀ (`multiplyAddTransposed`, B n × k), for A m × k.
    @Test(arguments: shapes, [false, true])
    func productAddsTheTextbookSums(_ shape: (Int, Int, Int), transposed: Bool) {
        let (m, n, k) = shape
        let (a, b) = (Self.matrix(m, k, seed: 1), Self.matrix(k, n, seed: 2))
        var c = Self.matrix(m, n, seed: 3)
        var expected = c
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k { expected[i * n + j] += a[i * k + p] * (transposed ? b[j * k + p] : b[p * n + j]) }
            }
        }
        if transposed {
            multiplyAddTransposed(a, b, into: &c, m: m, n: n, k: k)
        } else {
            multiplyAdd(a, b, into: &c, m: m, n: n, k: k)
        }
        let wrong = c.indices.first { c[$0] != expected[$0] }
        #expect(wrong == nil, "m \(m), n \(n), k \(k): entry \(wrong ?? 0) is \(c[wrong ?? 0]), not \(expected[wrong ?? 0])")
    }
}
