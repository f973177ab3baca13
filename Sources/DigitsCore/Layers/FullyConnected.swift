import Foundation

/// A dense layer inside a `LayerStack`: every output neuron weighs every input value, z = W a + b. The step from
/// feature maps to neurons is this layer: it reads its input's C × H × W values as one vector, in their order.
///
/// Input: any shape of n values. Output: m neurons. Linear: an `ActivationLayer` follows it.
/// Parameters: W as the book writes it, m rows of n weights, then the m biases.
///
/// (The chapter-1 networks of `Network` keep their own dense kernels in `Workspace`, built around a sparse first
/// layer; this one serves the layers of a convolutional network.)
struct FullyConnected: StackLayer {
    let inputShape: FeatureShape
    let outputShape: FeatureShape

    init(input: FeatureShape, neurons: Int) {
        precondition(neurons > 0)
        inputShape = input
        outputShape = FeatureShape(neurons: neurons)
    }

    var weightCount: Int { outputShape.count * inputShape.count }
    var parameterCount: Int { weightCount + outputShape.count }

    /// Weights row by row from N(0, σ²) with σ as `initialization` gives for n inputs, then the biases (0 for He's
    /// draw, N(0, 1) otherwise).
    func initialParameters(_ initialization: Network.Initialization, generator: inout SplitMix64) -> [Float] {
        let deviation = initialization.weightDeviation(inputs: inputShape.count)
        let weights = (0..<weightCount).map { _ in Float(generator.nextGaussian() * deviation) }
        let biases = (0..<outputShape.count).map { _ in initialization == .he ? 0 : Float(generator.nextGaussian()) }
        return weights + biases
    }

    func forward(_ pass: LayerPass, mode: PassMode) {
        let (n, m) = (inputShape.count, outputShape.count)
        let (w, b) = (pass.parameters, pass.parameters + weightCount)
        for s in 0..<pass.count { (pass.output + s * m).update(from: b, count: m) }
        // All samples at once, a row each: Z (samples × m) += A (samples × n) Wᵀ, each entry a dot product of a
        // sample's input with a row of W; a tile of two samples by four rows reads each row once for both samples.
        multiplyAddTransposed(pass.input, w, into: pass.output, m: pass.count, n: m, k: n)
    }

    func backward(_ pass: LayerPass, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  parameterGradient: UnsafeMutablePointer<Float>) {
        let (n, m) = (inputShape.count, outputShape.count)
        let w = pass.parameters
        let (nablaW, nablaB) = (parameterGradient, parameterGradient + weightCount)
        for s in 0..<pass.count {
            let a = pass.input + s * n
            let delta = outputGradient + s * m
            let inputDelta = inputGradient.map { $0 + s * n }
            inputDelta?.update(repeating: 0, count: n)
            for j in 0..<m {
                // z_j = Σ_k W[j][k] a_k + b_j: ∂C/∂W[j][k] = δ_j a_k, ∂C/∂b_j = δ_j, ∂C/∂a_k = Σ_j W[j][k] δ_j.
                let (row, nablaRow, d) = (w + j * n, nablaW + j * n, delta[j])
                nablaB[j] += d
                for k in 0..<n { nablaRow[k] += d * a[k] }
                if let inputDelta {
                    for k in 0..<n { inputDelta[k] += row[k] * d }
                }
            }
        }
    }
}

extension FullyConnected {
    var exported: ExportedLayer {
        let (m, n) = (outputShape.count, inputShape.count)
        return ExportedLayer(
            operators: [.init(type: "Gemm", attributes: [("transB", .int(1))], tensors: ["weight", "bias"],
                              takesFlatInput: true)],
            tensors: [.init(name: "weight", shape: [m, n], range: 0..<weightCount),
                      .init(name: "bias", shape: [m], range: weightCount..<parameterCount)])
    }
}
