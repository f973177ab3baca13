import Foundation

// The arithmetic that convolutions share: matrix products and the unrolling of image patches into columns
// (im2col), kept apart from any one layer, so that a faster kernel replaces this file, not a layer.

/// C += A B for row-major A (m × k), B (k × n) and C (m × n).
///
/// Four rows of C by two vectors of sixteen columns at a time stay in registers while k runs: each step loads 32
/// values of a row of B once and adds them, scaled by four values of A, into all four rows (eight multiply-adds
/// for two loads and four broadcasts). Columns left over take one vector at a time, then four columns, then one.
/// Each entry of C adds its k products in order, whatever the tile: the result does not depend on the tiling.
@_spi(Benchmarks) public func multiplyAdd(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                          into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int) {
    typealias V = Chunk
    let pairedColumns = n / (2 * chunkWidth) * (2 * chunkWidth)
    let wholeColumns = n / chunkWidth * chunkWidth
    var i = 0
    while i + 4 <= m {
        let (a0, a1, a2, a3) = (a + i * k, a + (i + 1) * k, a + (i + 2) * k, a + (i + 3) * k)
        let (c0, c1, c2, c3) = (c + i * n, c + (i + 1) * n, c + (i + 2) * n, c + (i + 3) * n)
        var j = 0
        while j < pairedColumns {
            var (s0, s1, s2, s3) = ((c0 + j).chunk(0), (c1 + j).chunk(0), (c2 + j).chunk(0), (c3 + j).chunk(0))
            var (t0, t1, t2, t3) = ((c0 + j).chunk(1), (c1 + j).chunk(1), (c2 + j).chunk(1), (c3 + j).chunk(1))
            for p in 0..<k {
                let (left, right) = ((b + p * n + j).chunk(0), (b + p * n + j).chunk(1))
                let (x0, x1, x2, x3) = (V(repeating: a0[p]), V(repeating: a1[p]), V(repeating: a2[p]), V(repeating: a3[p]))
                s0 = s0.plusProduct(x0, left); t0 = t0.plusProduct(x0, right)
                s1 = s1.plusProduct(x1, left); t1 = t1.plusProduct(x1, right)
                s2 = s2.plusProduct(x2, left); t2 = t2.plusProduct(x2, right)
                s3 = s3.plusProduct(x3, left); t3 = t3.plusProduct(x3, right)
            }
            (c0 + j).setChunk(0, s0); (c1 + j).setChunk(0, s1); (c2 + j).setChunk(0, s2); (c3 + j).setChunk(0, s3)
            (c0 + j).setChunk(1, t0); (c1 + j).setChunk(1, t1); (c2 + j).setChunk(1, t2); (c3 + j).setChunk(1, t3)
            j += 2 * chunkWidth
        }
        while j < wholeColumns {
            var (s0, s1, s2, s3) = ((c0 + j).chunk(0), (c1 + j).chunk(0), (c2 + j).chunk(0), (c3 + j).chunk(0))
            for p in 0..<k {
                let row = (b + p * n + j).chunk(0)
                s0 = s0.plusProduct(V(repeating: a0[p]), row)
                s1 = s1.plusProduct(V(repeating: a1[p]), row)
                s2 = s2.plusProduct(V(repeating: a2[p]), row)
                s3 = s3.plusProduct(V(repeating: a3[p]), row)
            }
            (c0 + j).setChunk(0, s0); (c1 + j).setChunk(0, s1); (c2 + j).setChunk(0, s2); (c3 + j).setChunk(0, s3)
            j += chunkWidth
        }
        for r in 0..<4 where wholeColumns < n {
            multiplyAddColumnsLeft(a + (i + r) * k, b, into: c + (i + r) * n, from: wholeColumns, n: n, k: k)
        }
        i += 4
    }
    while i < m {
        let (ai, ci) = (a + i * k, c + i * n)
        var j = 0
        while j < wholeColumns {
            var s = (ci + j).chunk(0)
            for p in 0..<k { s = s.plusProduct(V(repeating: ai[p]), (b + p * n + j).chunk(0)) }
            (ci + j).setChunk(0, s)
            j += chunkWidth
        }
        multiplyAddColumnsLeft(ai, b, into: ci, from: wholeColumns, n: n, k: k)
        i += 1
    }
}

/// One row of C += A B over the columns from `start` on, fewer than a vector: four at a time, then one by one.
/// Each product is rounded before it is added, as the one-by-one loop that came first did, so that networks trained
/// before the four-wide step keep their bits. The columns a 3×3 convolution of a 12×12 map leaves (100 = 6 × 16 + 4)
/// took 40% of the products' time one by one.
@inline(__always)
private func multiplyAddColumnsLeft(_ aRow: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                    into cRow: UnsafeMutablePointer<Float>, from start: Int, n: Int, k: Int) {
    typealias V = SIMD4<Float>
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    var j = start
    while j + 4 <= n {
        var sum = load(cRow + j)
        for p in 0..<k { sum = sum + V(repeating: aRow[p]) * load(b + p * n + j) }
        UnsafeMutableRawPointer(cRow + j).storeBytes(of: sum, as: V.self)
        j += 4
    }
    while j < n {
        var sum = cRow[j]
        for p in 0..<k { sum += aRow[p] * b[p * n + j] }
        cRow[j] = sum
        j += 1
    }
}

/// Bᵀ into `into` for row-major B of `rows` × `columns`.
func transpose(_ b: UnsafePointer<Float>, rows: Int, columns: Int, into t: UnsafeMutablePointer<Float>) {
    for r in 0..<rows {
        for c in 0..<columns { t[c * rows + r] = b[r * columns + c] }
    }
}

/// C += A Bᵀ for row-major A (m × k), B (n × k) and C (m × n): every entry a dot product of two contiguous rows.
///
/// Two rows of A by four of B at a time: eight running sums of eight lanes each, from six loads per step of k.
@_spi(Benchmarks) public func multiplyAddTransposed(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                                    into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int) {
    typealias V = SIMD8<Float>
    let wholeK = k / 8 * 8
    @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
    @inline(__always) func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, from start: Int) -> Float {
        var sum: Float = 0
        for p in start..<k { sum += x[p] * y[p] }
        return sum
    }
    var i = 0
    while i < m {
        let rows = min(2, m - i)
        let (a0, a1) = (a + i * k, a + (i + rows - 1) * k)
        var j = 0
        while j + 4 <= n {
            let (b0, b1, b2, b3) = (b + j * k, b + (j + 1) * k, b + (j + 2) * k, b + (j + 3) * k)
            var (s00, s01, s02, s03) = (V(), V(), V(), V())
            var (s10, s11, s12, s13) = (V(), V(), V(), V())
            var p = 0
            while p < wholeK {
                let (x0, x1) = (load(a0 + p), load(a1 + p))
                let (y0, y1, y2, y3) = (load(b0 + p), load(b1 + p), load(b2 + p), load(b3 + p))
                s00 = s00.plusProduct(x0, y0); s01 = s01.plusProduct(x0, y1)
                s02 = s02.plusProduct(x0, y2); s03 = s03.plusProduct(x0, y3)
                s10 = s10.plusProduct(x1, y0); s11 = s11.plusProduct(x1, y1)
                s12 = s12.plusProduct(x1, y2); s13 = s13.plusProduct(x1, y3)
                p += 8
            }
            let c0 = c + i * n + j
            c0[0] += s00.sum() + dot(a0, b0, from: wholeK)
            c0[1] += s01.sum() + dot(a0, b1, from: wholeK)
            c0[2] += s02.sum() + dot(a0, b2, from: wholeK)
            c0[3] += s03.sum() + dot(a0, b3, from: wholeK)
            if rows == 2 {
                let c1 = c + (i + 1) * n + j
                c1[0] += s10.sum() + dot(a1, b0, from: wholeK)
                c1[1] += s11.sum() + dot(a1, b1, from: wholeK)
                c1[2] += s12.sum() + dot(a1, b2, from: wholeK)
                c1[3] += s13.sum() + dot(a1, b3, from: wholeK)
            }
            j += 4
        }
        while j < n {
            for r in 0..<rows {
                let ar = a + (i + r) * k
                var s = V()
                var p = 0
                while p < wholeK { s = s.plusProduct(load(ar + p), load(b + j * k + p)); p += 8 }
                c[(i + r) * n + j] += s.sum() + dot(ar, b + j * k, from: wholeK)
            }
            j += 1
        }
        i += rows
    }
}

/// The ceiling the products above are measured against (`Benchmarks/`): `steps` rounds of twelve independent
/// fused multiply-adds of a vector each, from registers, nothing loaded or stored: as many floating-point
/// operations a second as a core does, compiled as the kernels are. Returns a sum of the results, so that the
/// work is not optimised away.
@_spi(Benchmarks) public func multiplyAddCeiling(steps: Int, seed: Float) -> Float {
    let (x, y) = (Chunk(repeating: 1 - 1e-7), Chunk(repeating: seed))
    var (s0, s1, s2, s3, s4, s5) = (y, y + 1, y + 2, y + 3, y + 4, y + 5)
    var (s6, s7, s8, s9, s10, s11) = (y + 6, y + 7, y + 8, y + 9, y + 10, y + 11)
    for _ in 0..<steps {
        (s0, s1, s2, s3, s4, s5) = (y.plusProduct(s0, x), y.plusProduct(s1, x), y.plusProduct(s2, x),
                                    y.plusProduct(s3, x), y.plusProduct(s4, x), y.plusProduct(s5, x))
        (s6, s7, s8, s9, s10, s11) = (y.plusProduct(s6, x), y.plusProduct(s7, x), y.plusProduct(s8, x),
                                      y.plusProduct(s9, x), y.plusProduct(s10, x), y.plusProduct(s11, x))
    }
    return (s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8 + s9 + s10 + s11).sum()
}
