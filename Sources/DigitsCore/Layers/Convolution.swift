import Foundation

/// A 2-D convolution: C_out feature maps, each the sum over the C_in input maps of a k × k kernel slid over them
/// with stride 1 and no padding, plus the map's bias. network3.py's `ConvPoolLayer` before its pooling.
///
/// Input: C_in × H × W. Output: C_out × (H − k + 1) × (W − k + 1), with
/// z[o][y][x] = b[o] + Σ_c Σ_i Σ_j w[o][c][i][j] · a[c][y + i][x + j]
/// (a cross-correlation, as every framework computes and calls convolution). Linear: an `ActivationLayer`
/// follows it.
///
/// Parameters: the weights w[o][c][i][j] (C_out × C_in × k × k, PyTorch's layout), then the biases b[o].
struct Convolution: StackLayer {
    let inputShape: FeatureShape
    let kernelSize: Int
    let outputShape: FeatureShape

    init(input: FeatureShape, maps: Int, kernelSize k: Int) {
        precondition(maps > 0 && k > 0 && k <= input.height && k <= input.width, "kernel larger than its input")
        inputShape = input
        kernelSize = k
        outputShape = FeatureShape(channels: maps, height: input.height - k + 1, width: input.width - k + 1)
    }

    /// Weights into one output value: C_in × k × k.
    var fanIn: Int { inputShape.channels * kernelSize * kernelSize }
    var weightCount: Int { outputShape.channels * fanIn }
    var parameterCount: Int { weightCount + outputShape.channels }

    /// Weights from N(0, σ²) with σ as `initialization` gives for `fanIn` inputs, kernel by kernel, then biases
    /// (0 for He's draw, N(0, 1) otherwise, as the dense layers' are).
    func initialParameters(_ initialization: Network.Initialization, generator: inout SplitMix64) -> [Float] {
        let deviation = initialization.weightDeviation(inputs: fanIn)
        let weights = (0..<weightCount).map { _ in Float(generator.nextGaussian() * deviation) }
        let biases = (0..<outputShape.channels).map { _ in initialization == .he ? 0 : Float(generator.nextGaussian()) }
        return weights + biases
    }

    /// Rows of the unrolled input X: one per weight of a kernel, C_in × k × k.
    private var patchSize: Int { fanIn }
    /// Columns of X: one per output position, H_out × W_out.
    private var positions: Int { outputShape.height * outputShape.width }

    /// Per sample, its input unrolled (`unroll`), kept for the weights' gradient when that runs along the
    /// positions.
    var memoryCount: Int { patchSize * positions }

    /// X, the input as a matrix of C_in k² rows by H_out W_out columns: X[(c, i, j)][(y, x)] = a[c][y + i][x + j],
    /// so that the convolution is the matrix product Z = W X + b (im2col).
    private func unroll(_ a: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let (input, output, k) = (inputShape, outputShape, kernelSize)
        for c in 0..<input.channels {
            for i in 0..<k {
                for j in 0..<k {
                    let row = x + ((c * k + i) * k + j) * positions
                    for y in 0..<output.height {
                        copyShortRow(a + (c * input.height + y + i) * input.width + j, to: row + y * output.width,
                                     count: output.width)
                    }
                }
            }
        }
    }

    /// Xᵀ, the input as a matrix of H_out W_out rows by C_in k² columns:
    /// Xᵀ[(y, x)][(c, i, j)] = a[c][y + i][x + j]. Unrolled from the input, a kernel's row at a time, rather than
    /// transposed from the X kept by `forward`, one value at a time: 9% less time an epoch of network3 (six rounds
    /// alternated), the same bits.
    ///
    /// A kernel's row (k values) is copied four values at a time, the last four reaching up to three values past it
    /// into the place of the next row, which is copied after it and overwrites them: a row of 3 or 5 takes one or
    /// two vectors, not 3 or 5 values one by one. `xT` holds three values more than Xᵀ for the last row's reach;
    /// where a reach would read past the input, the row is copied value by value.
    private func unrollTransposed(_ a: UnsafePointer<Float>, into xT: UnsafeMutablePointer<Float>) {
        let (input, output, k) = (inputShape, outputShape, kernelSize)
        let (reach, end) = ((k + 3) / 4 * 4, a + input.count)
        // From below a channel's last kernel row to the next channel's first.
        let nextChannel = (input.height - k) * input.width
        // The rows of Xᵀ follow one another, (y, x) after (y, x − 1), each (c, i) after (c, i − 1): one pointer
        // runs through them all, and one through the input.
        var row = xT
        for y in 0..<output.height {
            for x in 0..<output.width {
                var from = a + y * input.width + x
                for _ in 0..<input.channels {
                    for _ in 0..<k {
                        if from + reach <= end {
                            var j = 0
                            repeat { storeFour(loadFour(from + j), at: row + j); j &+= 4 } while j < k
                        } else {
                            for j in 0..<k { row[j] = from[j] }
                        }
                        row += k
                        from += input.width
                    }
                    from += nextChannel
                }
            }
        }
    }

    /// The reverse of `unroll` for gradients: ∂C/∂a[c][y + i][x + j] gathers ∂C/∂X[(c, i, j)][(y, x)].
    private func roll(_ x: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>) {
        let (input, output, k) = (inputShape, outputShape, kernelSize)
        a.update(repeating: 0, count: input.count)
        for c in 0..<input.channels {
            for i in 0..<k {
                for j in 0..<k {
                    let row = x + ((c * k + i) * k + j) * positions
                    for y in 0..<output.height {
                        addShortRow(row + y * output.width, to: a + (c * input.height + y + i) * input.width + j,
                                    count: output.width)
                    }
                }
            }
        }
    }

    func forward(_ pass: LayerPass, mode: PassMode) {
        let (maps, n) = (outputShape.channels, positions)
        let (w, b) = (pass.parameters, pass.parameters + weightCount)
        for s in 0..<pass.count {
            // Reading keeps nothing for a backward pass: each sample unrolls into the first one's place, which stays
            // in cache (a run of 64 samples' patches is 8 MB for network3's second convolution).
            let x = pass.memory + (mode == .inference ? 0 : s * memoryCount)
            unroll(pass.input + s * inputShape.count, into: x)
            let z = pass.output + s * outputShape.count
            for o in 0..<maps { (z + o * n).update(repeating: b[o], count: n) }
            // Z (C_out × positions) += W (C_out × C_in k²) X (C_in k² × positions).
            multiplyAdd(w, x, into: z, m: maps, n: n, k: patchSize)
        }
    }

    func backward(_ pass: LayerPass, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        let (maps, n, patch) = (outputShape.channels, positions, patchSize)
        let (nablaW, nablaB) = (parameterGradient, parameterGradient + weightCount)
        // Wᵀ and ∂C/∂X for the input's gradient.
        let wT = UnsafeMutablePointer<Float>.allocate(capacity: patch * maps)
        let nablaX = UnsafeMutablePointer<Float>.allocate(capacity: patch * n)
        let xT = UnsafeMutablePointer<Float>.allocate(capacity: n >= patch ? 0 : patch * n + 3)
        defer { wT.deallocate(); nablaX.deallocate(); xT.deallocate() }
        if inputGradient != nil { transpose(pass.parameters, rows: maps, columns: patch, into: wT) }
        for s in 0..<pass.count {
            let delta = outputGradient + s * outputShape.count
            let x = UnsafePointer(pass.memory + s * memoryCount)
            // Z = W X + b: ∂C/∂b[o] = Σ_p δ[o][p], ∂C/∂W = δ Xᵀ, ∂C/∂X = Wᵀ δ. ∂C/∂W sums over the positions,
            // its vectors running along the longer side: along the positions, as dot products of X's rows, when
            // they outnumber a patch's weights (a first layer: 576 positions, 25 weights); otherwise along the
            // patch, as δ times Xᵀ (a second layer: 64 positions, 500 weights, where dot products of 64 spent as
            // long on summing across their lanes as on the products).
            for o in 0..<maps {
                var sum: Float = 0
                for p in 0..<n { sum += delta[o * n + p] }
                nablaB[o] += sum
            }
            if n >= patch {
                multiplyAddTransposed(delta, x, into: nablaW, m: maps, n: patch, k: n)
            } else {
                unrollTransposed(pass.input + s * inputShape.count, into: xT)
                multiplyAdd(delta, xT, into: nablaW, m: maps, n: patch, k: n)
            }
            if let inputGradient {
                nablaX.update(repeating: 0, count: patch * n)
                multiplyAdd(wT, delta, into: nablaX, m: patch, n: n, k: maps)
                roll(nablaX, into: inputGradient + s * inputShape.count)
            }
        }
    }
}

// The rows a convolution copies and adds are short (a map's width, 8 to 24 values; a kernel's row, 3 or 5), too
// short for a call to memmove to pay: vectors of eight, then four, then single values.

@inline(__always) private func loadFour(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}
@inline(__always) private func storeFour(_ v: SIMD4<Float>, at p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}
@inline(__always) private func loadEight(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) private func storeEight(_ v: SIMD8<Float>, at p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// target[0..<count] = source[0..<count]. The values after the last whole vector of eight are copied as the last
/// eight or four of the row, overlapping values already copied (the same values again): a map 10 wide is two
/// vectors, not a vector and two values.
@inline(__always)
private func copyShortRow(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    guard count >= 4 else {
        for v in 0..<count { target[v] = source[v] }
        return
    }
    var v = 0
    while v + 8 <= count { storeEight(loadEight(source + v), at: target + v); v += 8 }
    if count - v > 4 {
        if count >= 8 {
            storeEight(loadEight(source + count - 8), at: target + count - 8)
        } else {
            storeFour(loadFour(source), at: target)
            storeFour(loadFour(source + count - 4), at: target + count - 4)
        }
    } else if v < count {
        storeFour(loadFour(source + count - 4), at: target + count - 4)
    }
}

/// target[0..<count] += source[0..<count].
@inline(__always)
private func addShortRow(_ source: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
    var v = 0
    while v + 8 <= count { storeEight(loadEight(target + v) + loadEight(source + v), at: target + v); v += 8 }
    if v + 4 <= count { storeFour(loadFour(target + v) + loadFour(source + v), at: target + v); v += 4 }
    while v < count { target[v] += source[v]; v += 1 }
}

extension Convolution {
    var exported: ExportedLayer {
        let (maps, channels, k) = (outputShape.channels, inputShape.channels, kernelSize)
        return ExportedLayer(
            operators: [.init(type: "Conv", attributes: [("kernel_shape", .ints([k, k]))], tensors: ["weight", "bias"])],
            tensors: [.init(name: "weight", shape: [maps, channels, k, k], range: 0..<weightCount),
                      .init(name: "bias", shape: [maps], range: weightCount..<parameterCount)])
    }
}
