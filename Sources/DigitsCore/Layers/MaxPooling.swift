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

    func forward(_ pass: LayerPass, mode: PassMode) {
        let (input, output, p) = (inputShape, outputShape, poolSize)
        for s in 0..<pass.count {
            let a = pass.input + s * input.count
            let z = pass.output + s * output.count
            let winners = pass.memory + s * output.count
            // A row of blocks at a time: each block's first value, then every other position of the blocks in
            // reading order, replacing the best where strictly larger (so the first of equals stays). Four blocks
            // side by side are compared as one vector: which value wins is data, and a branch on it, mispredicted
            // half the time, cost more than the rest of the layer.
            let whole = output.width / 4 * 4
            for c in 0..<output.channels {
                for y in 0..<output.height {
                    let top = a + (c * input.height + y * p) * input.width
                    let o = (c * output.height + y) * output.width
                    let (best, winner) = (z + o, winners + o)
                    @inline(__always) func four(_ from: UnsafePointer<Float>, _ x: Int) -> SIMD4<Float> {
                        SIMD4(from[x * p], from[(x + 1) * p], from[(x + 2) * p], from[(x + 3) * p])
                    }
                    for x in stride(from: 0, to: whole, by: 4) {
                        var (largest, place) = (four(top, x), SIMD4<Float>())
                        for i in 0..<p {
                            for j in 0..<p where i > 0 || j > 0 {
                                let values = four(top + i * input.width + j, x)
                                let larger = values .> largest
                                largest.replace(with: values, where: larger)
                                place.replace(with: Float(i * p + j), where: larger)
                            }
                        }
                        for lane in 0..<4 { (best[x + lane], winner[x + lane]) = (largest[lane], place[lane]) }
                    }
                    for x in whole..<output.width {
                        (best[x], winner[x]) = (top[x * p], 0)
                        for i in 0..<p {
                            for j in 0..<p where (i > 0 || j > 0) && top[i * input.width + x * p + j] > best[x] {
                                (best[x], winner[x]) = (top[i * input.width + x * p + j], Float(i * p + j))
                            }
                        }
                    }
                }
            }
        }
    }

    func backward(_ pass: LayerPass, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        guard let inputGradient else { return }
        let (input, output, p) = (inputShape, outputShape, poolSize)
        inputGradient.update(repeating: 0, count: pass.count * input.count)
        for s in 0..<pass.count {
            let delta = outputGradient + s * output.count
            let inputDelta = inputGradient + s * input.count
            let winners = pass.memory + s * output.count
            for c in 0..<output.channels {
                for y in 0..<output.height {
                    for x in 0..<output.width {
                        // z = max over the block: its gradient flows to the winner alone.
                        let o = (c * output.height + y) * output.width + x
                        let winner = Int(winners[o])
                        let (i, j) = (winner / p, winner % p)
                        inputDelta[(c * input.height + y * p + i) * input.width + x * p + j] = delta[o]
                    }
                }
            }
        }
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
