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
                        (row + y * output.width).update(from: a + (c * input.height + y + i) * input.width + j,
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
    private func unrollTransposed(_ a: UnsafePointer<Float>, into xT: UnsafeMutablePointer<Float>) {
        let (input, output, k, patch) = (inputShape, outputShape, kernelSize, patchSize)
        for y in 0..<output.height {
            for x in 0..<output.width {
                var row = xT + (y * output.width + x) * patch
                for c in 0..<input.channels {
                    for i in 0..<k {
                        let from = a + (c * input.height + y + i) * input.width + x
                        // A kernel's row is short (5): four values at a time, then one by one.
                        var j = 0
                        while j + 4 <= k {
                            UnsafeMutableRawPointer(row + j).storeBytes(
                                of: UnsafeRawPointer(from + j).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
                            j += 4
                        }
                        while j < k { row[j] = from[j]; j += 1 }
                        row += k
                    }
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
                        let (from, to) = (row + y * output.width, a + (c * input.height + y + i) * input.width + j)
                        for v in 0..<output.width { to[v] += from[v] }
                    }
                }
            }
        }
    }

    func forward(_ pass: LayerPass, mode: PassMode) {
        let (maps, n) = (outputShape.channels, positions)
        let (w, b) = (pass.parameters, pass.parameters + weightCount)
        for s in 0..<pass.count {
            let x = pass.memory + s * memoryCount
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
        let xT = UnsafeMutablePointer<Float>.allocate(capacity: n >= patch ? 0 : patch * n)
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

extension Convolution {
    var exported: ExportedLayer {
        let (maps, channels, k) = (outputShape.channels, inputShape.channels, kernelSize)
        return ExportedLayer(
            operators: [.init(type: "Conv", attributes: [("kernel_shape", .ints([k, k]))], tensors: ["weight", "bias"])],
            tensors: [.init(name: "weight", shape: [maps, channels, k, k], range: 0..<weightCount),
                      .init(name: "bias", shape: [maps], range: weightCount..<parameterCount)])
    }
}
