import Foundation

/// Batch normalisation (Ioffe & Szegedy 2015): each channel's values are shifted and scaled to mean 0 and
/// variance 1, then to a learned mean β and scale γ: y = γ (x − μ) / √(σ² + ε) + β, ε = 10⁻⁵ as in PyTorch.
///
/// While training, μ and σ² (biased) are the channel's over the values of the samples passing together: a
/// feature map's positions of each of them, or a dense level's neuron over them. The learner splits a mini-batch
/// across two cores, so each half is normalised by its own statistics ("ghost" batches of 5 for mini-batches of
/// 10). While reading, μ and σ² are the population's, measured after training over the training digits
/// (`LayerStack.calibrated`): a picture reads the same whatever is read with it.
///
/// Input and output: any shape, the same; a dense level of n neurons is n channels of one value. Parameters,
/// per channel: γ, then β, then the population's μ, then its σ² (each C values; they start at 1, 0, 0 and 1).
/// None is a weight that L2 shrinks; μ and σ² get no gradient, so gradient steps leave them as they are.
struct BatchNormalization: StackLayer {
    let inputShape: FeatureShape
    static let epsilon: Float = 1e-5

    init(input: FeatureShape) {
        inputShape = input
    }

    var outputShape: FeatureShape { inputShape }
    var parameterCount: Int { 4 * inputShape.channels }
    /// The pass's x̂ = (x − μ) / √(σ² + ε) for every value, sample after sample, then each channel's
    /// 1 / √(σ² + ε): the pass's memory as one block (count × (n + C) ≥ count × n + C).
    var memoryCount: Int { inputShape.count + inputShape.channels }

    func initialParameters(_ initialization: Network.Initialization, generator: inout SplitMix64) -> [Float] {
        let c = inputShape.channels
        return [Float](repeating: 1, count: c) + [Float](repeating: 0, count: 2 * c) + [Float](repeating: 1, count: c)
    }

    func problem(with parameters: ArraySlice<Float>) -> String? {
        let variances = parameters.suffix(inputShape.channels)
        guard let negative = variances.first(where: { $0 < 0 }) else { return nil }
        return "batch normalisation with a negative variance, \(negative)"
    }

    /// Where channel c's parameter of kind `k` (0 γ, 1 β, 2 μ, 3 σ²) lies.
    private func parameter(_ k: Int, _ c: Int) -> Int { k * inputShape.channels + c }

    func forward(_ pass: LayerPass, mode: PassMode) {
        let (n, positions) = (inputShape.count, inputShape.height * inputShape.width)
        let p = pass.parameters
        for c in 0..<inputShape.channels {
            let (gamma, beta) = (p[parameter(0, c)], p[parameter(1, c)])
            guard case .training = mode else {
                let scale = gamma / (p[parameter(3, c)] + Self.epsilon).squareRoot()
                let shift = beta - p[parameter(2, c)] * scale
                for s in 0..<pass.count {
                    let offset = s * n + c * positions
                    Self.affine(pass.input + offset, scale: scale, shift: shift, into: pass.output + offset, count: positions)
                }
                continue
            }
            // Two passes over the values, the mean first, so that σ² is not a difference of large sums.
            var sum: Float = 0
            for s in 0..<pass.count { sum += Self.sum(pass.input + s * n + c * positions, count: positions) }
            let m = Float(pass.count * positions)
            let mean = sum / m
            var squares: Float = 0
            for s in 0..<pass.count {
                squares += Self.squaredDeviations(pass.input + s * n + c * positions, from: mean, count: positions)
            }
            let inverse = 1 / (squares / m + Self.epsilon).squareRoot()
            pass.memory[pass.count * n + c] = inverse
            for s in 0..<pass.count {
                let offset = s * n + c * positions
                // x̂ kept for the backward pass; y = γ x̂ + β.
                Self.affine(pass.input + offset, scale: inverse, shift: -mean * inverse, into: pass.memory + offset,
                            count: positions)
                Self.affine(pass.memory + offset, scale: gamma, shift: beta, into: pass.output + offset, count: positions)
            }
        }
    }

    func backward(_ pass: LayerPass, outputGradient g: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        // y = γ x̂ + β: ∂C/∂γ = Σ g x̂, ∂C/∂β = Σ g. Through x̂ = (x − μ) / σ, with μ and σ the pass's own:
        // ∂C/∂x = γ / σ · (g − Σ g / m − x̂ Σ g x̂ / m), the sums over the channel's m values.
        let (n, positions) = (inputShape.count, inputShape.height * inputShape.width)
        let xHat = UnsafePointer(pass.memory)
        for c in 0..<inputShape.channels {
            var (sumG, sumGX) = (Float(0), Float(0))
            for s in 0..<pass.count {
                let offset = s * n + c * positions
                sumG += Self.sum(g + offset, count: positions)
                sumGX += Self.dot(g + offset, xHat + offset, count: positions)
            }
            parameterGradient[parameter(0, c)] += sumGX
            parameterGradient[parameter(1, c)] += sumG
            guard let inputGradient else { continue }
            let m = Float(pass.count * positions)
            let factor = pass.parameters[parameter(0, c)] * pass.memory[pass.count * n + c]
            let (meanG, meanGX) = (sumG / m, sumGX / m)
            for s in 0..<pass.count {
                let offset = s * n + c * positions
                let (gs, xs, delta) = (g + offset, xHat + offset, inputGradient + offset)
                for v in 0..<positions { delta[v] = factor * (gs[v] - meanG - xs[v] * meanGX) }
            }
        }
    }

    // The loops over a map's positions, 16 lanes at a time: Swift keeps a Float sum's order, so a scalar loop is
    // never vectorised by the compiler, and a map's values are a fifth of a convolution's work to normalise.

    private static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        let whole = count / 16 * 16
        for v in stride(from: 0, to: whole, by: 16) { lanes += UnsafeRawPointer(x + v).loadUnaligned(as: SIMD16<Float>.self) }
        var total = lanes.sum()
        for v in whole..<count { total += x[v] }
        return total
    }

    private static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        let whole = count / 16 * 16
        for v in stride(from: 0, to: whole, by: 16) {
            lanes += UnsafeRawPointer(x + v).loadUnaligned(as: SIMD16<Float>.self)
                * UnsafeRawPointer(y + v).loadUnaligned(as: SIMD16<Float>.self)
        }
        var total = lanes.sum()
        for v in whole..<count { total += x[v] * y[v] }
        return total
    }

    private static func squaredDeviations(_ x: UnsafePointer<Float>, from mean: Float, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        let whole = count / 16 * 16
        for v in stride(from: 0, to: whole, by: 16) {
            let d = UnsafeRawPointer(x + v).loadUnaligned(as: SIMD16<Float>.self) - mean
            lanes += d * d
        }
        var total = lanes.sum()
        for v in whole..<count { total += (x[v] - mean) * (x[v] - mean) }
        return total
    }

    /// y = a x + b, value by value.
    private static func affine(_ x: UnsafePointer<Float>, scale a: Float, shift b: Float, into y: UnsafeMutablePointer<Float>,
                               count: Int) {
        for v in 0..<count { y[v] = a * x[v] + b }
    }
}

extension BatchNormalization {
    /// ONNX's BatchNormalization (its default ε is this layer's) with PyTorch's BatchNorm tensors.
    var exported: ExportedLayer {
        let c = inputShape.channels
        return ExportedLayer(
            operators: [.init(type: "BatchNormalization", tensors: ["weight", "bias", "running_mean", "running_var"])],
            tensors: [.init(name: "weight", shape: [c], range: 0..<c),
                      .init(name: "bias", shape: [c], range: c..<2 * c),
                      .init(name: "running_mean", shape: [c], range: 2 * c..<3 * c),
                      .init(name: "running_var", shape: [c], range: 3 * c..<4 * c)])
    }
}

extension LayerStack {
    /// How many training digits `calibrated` measures: enough that a channel's mean and variance are those of
    /// the population to a few parts in a thousand, and a fraction of an epoch's forward passes.
    static let calibrationCount = 10_000

    /// The stack with each batch normalisation's μ and σ² measured over the first `calibrationCount` of `digits`
    /// (undistorted training digits); a stack without batch normalisation is returned as it is.
    func calibrated(on digits: LabeledImages) -> LayerStack {
        guard layers.contains(where: { $0 is BatchNormalization }) else { return self }
        return calibrated(on: SparseInputs(digits.subset(0..<min(digits.count, Self.calibrationCount))))
    }

    /// The stack with each batch normalisation's μ and σ² those of its inputs over `inputs` (PreciseBN, Wu &
    /// Johnson 2021): layer after layer, each measured with the ones before it already set, as reading will see
    /// them. A stack without batch normalisation is returned as it is.
    func calibrated(on inputs: SparseInputs) -> LayerStack {
        let normalisations = layers.indices.filter { layers[$0] is BatchNormalization }
        guard !normalisations.isEmpty, inputs.count > 0 else { return self }
        var parameters = self.parameters
        let pass = StackPass(self, batchCapacity: Self.readingRun)
        let dense = DenseInputs(width: inputCount, capacity: Self.readingRun)
        for l in normalisations {
            let shape = layers[l].inputShape
            let (n, positions) = (shape.count, shape.height * shape.width)
            var sums = [Double](repeating: 0, count: shape.channels)
            var squares = sums
            parameters.withUnsafeBufferPointer { parameters in
                for start in stride(from: 0, to: inputs.count, by: Self.readingRun) {
                    let run = start..<min(start + Self.readingRun, inputs.count)
                    for (s, i) in run.enumerated() { dense.set(s, to: inputs[i]) }
                    pass.forward(dense.values, count: run.count, parameters: parameters.baseAddress!, mode: .inference,
                                 layers: l)
                    let x = l == 0 ? UnsafePointer(dense.values) : pass.output(of: l - 1).baseAddress!
                    for s in 0..<run.count {
                        for c in 0..<shape.channels {
                            let values = x + s * n + c * positions
                            var (sum, square) = (Float(0), Float(0))
                            for v in 0..<positions { (sum, square) = (sum + values[v], square + values[v] * values[v]) }
                            sums[c] += Double(sum)
                            squares[c] += Double(square)
                        }
                    }
                }
            }
            let m = Double(inputs.count * positions)
            for c in 0..<shape.channels {
                let mean = sums[c] / m
                parameters[offsets[l] + 2 * shape.channels + c] = Float(mean)
                parameters[offsets[l] + 3 * shape.channels + c] = Float(max(0, squares[c] / m - mean * mean))
            }
        }
        return with(parameters: parameters)
    }
}
