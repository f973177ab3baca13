import Foundation

/// Max-pooling: each p × p block of a feature map, taken side by side without overlap, gives its largest value.
/// network3.py's `ConvPoolLayer` after its convolution (`pool_2d` with `ignore_border=True`).
///
/// Input: C × H × W. Output: C × ⌊H / p⌋ × ⌊W / p⌋; rows and columns beyond the last whole block are left out.
/// No parameters. On a tie the first largest value of the block, in reading order, is the one that passes its
/// gradient back; the others get none.
struct MaxPooling: StackLayer {
    let inputShape: FeatureShape
    let poolSize: Int
    let outputShape: FeatureShape

    init(input: FeatureShape, poolSize p: Int) {
        precondition(p > 0 && p <= input.height && p <= input.width, "pool larger than its input")
        inputShape = input
        poolSize = p
        outputShape = FeatureShape(channels: input.channels, height: input.height / p, width: input.width / p)
    }

    /// Per output value, where in its block the largest value was: i · p + j, as a Float (exact: p² is small).
    var memoryCount: Int { outputShape.count }

    // Nearly every network pools 2 × 2 (network3, LeNet), and there this layer took an eighth of a convolutional
    // network's training, comparing one value at a time. The two columns of a row of such blocks lie side by side
    // in memory: eight values read as four 64-bit lanes split into the four left values (the low halves) and the
    // four right ones (the high halves) in two vector instructions, and going back two halves join into one lane.
    // So 2 × 2 blocks go four at a time, in the order `firstLargest` compares, and the rest (other sizes, a row's
    // last blocks) one at a time. Which value wins is data: a branch on it, mispredicted half the time, cost more
    // than the rest of the layer, which is why four blocks are compared as one vector.

    func forward(_ pass: LayerPass, mode: PassMode) {
        let (input, output, p) = (inputShape, outputShape, poolSize)
        let inVectors = p == 2 ? output.width / 4 * 4 : 0
        for s in 0..<pass.count {
            let (a, z) = (pass.input + s * input.count, pass.output + s * output.count)
            let winners = pass.memory + s * output.count
            for c in 0..<output.channels {
                for y in 0..<output.height {
                    let top = a + (c * input.height + y * p) * input.width
                    let o = (c * output.height + y) * output.width
                    for x in stride(from: 0, to: inVectors, by: 4) {
                        let (upper, upperPlace) = Self.largerOfPairs(top + 2 * x, places: (0, 1))
                        let (lower, lowerPlace) = Self.largerOfPairs(top + input.width + 2 * x, places: (2, 3))
                        let below = lower .> upper
                        UnsafeMutableRawPointer(z + o + x).storeBytes(of: upper.replacing(with: lower, where: below),
                                                                      as: SIMD4<Float>.self)
                        UnsafeMutableRawPointer(winners + o + x).storeBytes(
                            of: upperPlace.replacing(with: lowerPlace, where: below), as: SIMD4<Float>.self)
                    }
                    for x in inVectors..<output.width { (z[o + x], winners[o + x]) = firstLargest(in: top + x * p) }
                }
            }
        }
    }

    func backward(_ pass: LayerPass, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        guard let inputGradient else { return }
        let (input, output, p) = (inputShape, outputShape, poolSize)
        let inVectors = p == 2 ? output.width / 4 * 4 : 0
        // Rows and columns beyond the last whole block get no gradient; every other value is written below.
        if input.height % p != 0 || input.width % p != 0 {
            inputGradient.update(repeating: 0, count: pass.count * input.count)
        }
        for s in 0..<pass.count {
            let (delta, inputDelta) = (outputGradient + s * output.count, inputGradient + s * input.count)
            let winners = pass.memory + s * output.count
            for c in 0..<output.channels {
                for y in 0..<output.height {
                    let top = inputDelta + (c * input.height + y * p) * input.width
                    let o = (c * output.height + y) * output.width
                    for x in stride(from: 0, to: inVectors, by: 4) {
                        let d = UnsafeRawPointer(delta + o + x).loadUnaligned(as: SIMD4<Float>.self)
                        let place = UnsafeRawPointer(winners + o + x).loadUnaligned(as: SIMD4<Float>.self)
                        Self.storePairs(d, where: place, is: (0, 1), at: top + 2 * x)
                        Self.storePairs(d, where: place, is: (2, 3), at: top + input.width + 2 * x)
                    }
                    for x in inVectors..<output.width { spread(delta[o + x], to: winners[o + x], in: top + x * p) }
                }
            }
        }
    }

    /// The block's first value, then every other position of the block in reading order, replacing the best where
    /// strictly larger, so that the first of equals stays; and its place, i · p + j.
    private func firstLargest(in block: UnsafePointer<Float>) -> (Float, Float) {
        var (best, winner) = (block[0], 0)
        for i in 0..<poolSize {
            for j in 0..<poolSize where i > 0 || j > 0 {
                let value = block[i * inputShape.width + j]
                if value > best { (best, winner) = (value, i * poolSize + j) }
            }
        }
        return (best, Float(winner))
    }

    /// z = max over the block: its gradient flows to the winner alone. Writes every value of the block.
    private func spread(_ delta: Float, to winner: Float, in block: UnsafeMutablePointer<Float>) {
        for i in 0..<poolSize {
            for j in 0..<poolSize { block[i * inputShape.width + j] = Float(i * poolSize + j) == winner ? delta : 0 }
        }
    }

    /// Four pairs of neighbours from eight values: the larger of each (the left of equals) and where it was.
    @inline(__always)
    private static func largerOfPairs(_ row: UnsafePointer<Float>,
                                      places: (left: Float, right: Float)) -> (SIMD4<Float>, SIMD4<Float>) {
        let pairs = UnsafeRawPointer(row).loadUnaligned(as: SIMD4<UInt64>.self)
        let left = unsafeBitCast(SIMD4<UInt32>(truncatingIfNeeded: pairs), to: SIMD4<Float>.self)
        let right = unsafeBitCast(SIMD4<UInt32>(truncatingIfNeeded: pairs &>> 32), to: SIMD4<Float>.self)
        let larger = right .> left
        return (left.replacing(with: right, where: larger),
                SIMD4(repeating: places.left).replacing(with: places.right, where: larger))
    }

    /// Eight values, four pairs of neighbours: each the gradient where its block's winner is that place, else 0.
    @inline(__always)
    private static func storePairs(_ delta: SIMD4<Float>, where place: SIMD4<Float>,
                                   is places: (left: Float, right: Float), at row: UnsafeMutablePointer<Float>) {
        let left = SIMD4<Float>().replacing(with: delta, where: place .== places.left)
        let right = SIMD4<Float>().replacing(with: delta, where: place .== places.right)
        let pairs = SIMD4<UInt64>(truncatingIfNeeded: unsafeBitCast(left, to: SIMD4<UInt32>.self))
            | SIMD4<UInt64>(truncatingIfNeeded: unsafeBitCast(right, to: SIMD4<UInt32>.self)) &<< 32
        UnsafeMutableRawPointer(row).storeBytes(of: pairs, as: SIMD4<UInt64>.self)
    }
}

extension MaxPooling {
    var exported: ExportedLayer {
        let p = poolSize
        // ONNX's default floor mode leaves out the rows and columns beyond the last whole block, as this layer does.
        return ExportedLayer(operators: [.init(type: "MaxPool", attributes: [("kernel_shape", .ints([p, p])),
                                                                             ("strides", .ints([p, p]))])])
    }
}
